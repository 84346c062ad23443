"""Everything compared value by value: environment variables per function, resource
properties (less what another category compares, or what has no behaviour: semantics.yaml),
resources added or removed, and the template's outputs, parameters, conditions, mappings."""
from __future__ import annotations

import json

from stackerynb.diff.compare import keyed_rows, setting_row
from stackerynb.diff.knowledge import facts
from stackerynb.diff.rows import DiffRow
from stackerynb.diff.values import Canon, ids_in, key_of, shown


def _variables(resource: dict, canon: Canon) -> dict:
    env = (resource.get("Properties") or {}).get("Environment")
    variables = env.get("Variables") if isinstance(env, dict) else None
    return canon.value(variables) if isinstance(variables, dict) else {}


def environment_rows(a: dict, b: dict, canon_a: Canon, canon_b: Canon) -> list[DiffRow]:
    """Variables renamed (same value, other name), dropped, added or given another value."""
    rows = []
    for lid in sorted(set(a) & set(b)):
        if a[lid].get("Type") != "AWS::Lambda::Function":
            continue
        old, new = _variables(a[lid], canon_a), _variables(b[lid], canon_b)
        gone = {k: v for k, v in old.items() if k not in new}
        added = {k: v for k, v in new.items() if k not in old}
        for name, value in sorted(gone.items()):
            renamed = [k for k, v in added.items() if key_of(v) == key_of(value)]
            if renamed:
                added.pop(renamed[0])
                rows.append(DiffRow("environment", lid, name, f"{name}={shown(value)}", f"{renamed[0]}={shown(value)}",
                                    f"{lid}'s variable {name} is renamed {renamed[0]}: code reading {name} "
                                    "no longer finds it"))
            else:
                rows.append(DiffRow("environment", lid, name, shown(value), "",
                                    f"{lid}'s variable {name} ({shown(value, 60)}) is dropped"))
        for name, value in sorted(added.items()):
            rows.append(DiffRow("environment", lid, name, "", shown(value),
                                f"{lid} gets a new variable {name} ({shown(value, 60)})"))
        for name in sorted(set(old) & set(new)):
            if key_of(old[name]) != key_of(new[name]):
                rows.append(setting_row("environment", lid, name, old[name], new[name], f"{lid}'s variable {name}"))
    return rows


def _ignored(rtype: str) -> dict:
    table = facts()["ignored_properties"]
    return {**table["*"], **table.get(rtype, {})}


def _role_in_template(value, resources: dict) -> bool:
    return any(resources.get(i, {}).get("Type") == "AWS::IAM::Role" for i in ids_in(value))


def _defaults(rtype: str, canon: Canon) -> dict:
    table = facts()["property_defaults"]
    return {k: key_of(canon.value(v)) for k, v in {**table["*"], **table.get(rtype, {})}.items()}


def _rest_api_as_named(props: dict) -> dict:
    """A REST API's properties (canonical) with what API Gateway reads from elsewhere written
    out: an API with an OpenAPI ``Body`` and no ``Name`` is named by the Body's ``info.title``
    (API Gateway's import), and SAM's ``Parameters: {endpointConfigurationTypes: T}`` beside
    ``EndpointConfiguration: {Types: [T]}`` repeats the endpoint type for that import (dropped:
    the endpoint type is compared as EndpointConfiguration)."""
    props = dict(props)
    body = props.get("Body")
    title = ((body.get("info") or {}).get("title") if isinstance(body, dict) and isinstance(body.get("info"), dict)
             else None)
    if "Name" not in props and title is not None:
        props["Name"] = title
    types = (props.get("EndpointConfiguration") or {}).get("Types") if isinstance(props.get("EndpointConfiguration"), dict) else None
    if isinstance(types, list) and len(types) == 1 and props.get("Parameters") == {"endpointConfigurationTypes": types[0]}:
        del props["Parameters"]
    return props


def _named_by_name(rtype: str, name: str, value, canon: Canon):
    """``${X}`` for ``${X.Arn}`` in a property that takes the name or the ARN of a resource of
    X's type alike (semantics.yaml ``name_or_arn``); any other value unchanged."""
    target = (facts().get("name_or_arn") or {}).get(rtype, {}).get(name)
    if target and isinstance(value, str) and value.startswith("${") and value.endswith(".Arn}"):
        lid = value[2:-5]
        if canon.types.get(lid) == target:
            return "${" + lid + "}"
    return value


def _json_text_as_object(rtype: str, name: str, value, canon: Canon) -> tuple[str, object]:
    """``(Definition, {...})`` for a ``DefinitionString`` whose text is JSON, where the type
    takes the same as an object (semantics.yaml ``json_text_properties``); else unchanged."""
    target = (facts().get("json_text_properties") or {}).get(rtype, {}).get(name)
    if target and isinstance(value, str):
        try:
            parsed = json.loads(value)
        except ValueError:
            return name, value
        if isinstance(parsed, dict):
            return target, canon.value(parsed)
    return name, value


def policy_document(document):
    """A policy document with order and spelling that mean nothing taken out: no Version or
    Sid, single values as lists, lists of actions/resources/principals sorted, a statement
    repeated only once."""
    if not isinstance(document, dict):
        return document
    statements = document.get("Statement")
    statements = statements if isinstance(statements, list) else [statements]
    out = []
    for statement in statements:
        if not isinstance(statement, dict):
            out.append(statement)
            continue
        clean = {}
        for key, value in statement.items():
            if key == "Sid":
                continue
            if key in ("Action", "NotAction"):  # action names are case-insensitive
                value = sorted((v.lower() if isinstance(v, str) else v for v in (value if isinstance(value, list) else [value])), key=key_of)
            elif key in ("Resource", "NotResource"):
                value = sorted(value if isinstance(value, list) else [value], key=key_of)
            elif key == "Condition" and isinstance(value, dict):
                value = _plain_conditions(value)
            elif key in ("Principal", "NotPrincipal") and isinstance(value, dict):
                value = {k: sorted(v if isinstance(v, list) else [v], key=key_of) for k, v in value.items()}
            clean[key] = value
        out.append(clean)
    # a statement written twice grants (or denies) nothing more than once: IAM reads the union
    return {"Statement": sorted({key_of(s): s for s in out}.values(), key=key_of)}


_LIKE = {"ArnLike": "ArnEquals", "StringLike": "StringEquals"}


def _plain_conditions(condition: dict) -> dict:
    """``ArnLike``/``StringLike`` without a wildcard is the ``Equals`` test."""
    out: dict = {}
    for operator, tests in condition.items():
        plain = _LIKE.get(operator)
        if plain and "*" not in key_of(tests) and "?" not in key_of(tests):
            operator = plain
        out.setdefault(operator, {}).update(tests if isinstance(tests, dict) else {"": tests})
    return out


def comparable(lid: str, resource: dict, resources: dict, canon: Canon, other: dict | None = None) -> dict:
    """The properties of a resource that the property comparison looks at, canonical
    (``other`` is the same resource in the other template: some properties are compared
    only when both have them)."""
    rtype = resource.get("Type")
    props = canon.value(resource.get("Properties") or {})
    if rtype == "AWS::ApiGateway::RestApi":
        props = _rest_api_as_named(props)
    defaults = _defaults(rtype, canon)
    out = {}
    for name, value in props.items():
        value = _named_by_name(rtype, name, value, canon)
        name, value = _json_text_as_object(rtype, name, value, canon)
        if name in defaults and key_of(value) == defaults[name]:
            continue
        if name.endswith("PolicyDocument") or name in ("KeyPolicy", "PolicyText"):
            value = policy_document(value)
        if name == "LoggingConfig" and isinstance(value, dict) and _own_logs(value.get("LogGroup"), lid, resources, canon):
            value = {k: v for k, v in value.items() if k != "LogGroup"}
            if not value:
                continue
        rule = _ignored(rtype).get(name)
        if isinstance(rule, dict) and "ignore_tags" in rule:
            value = _without_tags(value, rule["ignore_tags"])
            if value in ([], {}):
                continue
        elif rule is not None:
            if name in ("Role", "RoleArn") and not _role_in_template(value, resources):
                pass  # a role from outside the template: its ARN is all there is to compare
            elif name == "Body":
                binary = value.get(_BINARY) if isinstance(value, dict) else None
                if binary is not None and "BinaryMediaTypes" not in props:
                    out["BinaryMediaTypes"] = binary  # the same setting, written in the body (as SAM does)
                if not (other and "Body" in (other.get("Properties") or {})):
                    continue  # routes are compared as routes; a Body on one side only is no news
                value = _body_besides_routes(value)
                name = "Body (besides paths)"
            else:
                continue
        out[name] = value
    for attribute in ("Condition", "DeletionPolicy", "UpdateReplacePolicy", "UpdatePolicy", "CreationPolicy"):
        if attribute in resource and key_of(canon.value(resource[attribute])) != defaults.get(attribute):
            out[attribute] = canon.value(resource[attribute])
    metadata = resource.get("Metadata")
    if isinstance(metadata, dict):
        for key in facts()["kept_metadata_keys"]:
            if key in metadata:
                out[f"Metadata.{key}"] = canon.value(metadata[key])
    return out


_BINARY = "x-amazon-apigateway-binary-media-types"
# what a body says besides its routes that is form, not meaning: the OpenAPI version, the title
# (the API's Name wins), and its security schemes (compared as each route's authorizer)
_BODY_FORM = ("paths", "info", "swagger", "openapi", "securityDefinitions", _BINARY)


def _body_besides_routes(value):
    if not isinstance(value, dict):
        return value
    out = {k: v for k, v in value.items() if k not in _BODY_FORM}
    components = out.get("components")
    if isinstance(components, dict):
        components = {k: v for k, v in components.items() if k != "securitySchemes"}
        if components:
            out["components"] = components
        else:
            del out["components"]
    return out


def _without_tags(tags, ignored: list[str]):
    if isinstance(tags, dict):
        return {k: v for k, v in tags.items() if k not in ignored}
    if isinstance(tags, list):
        return [t for t in tags if not (isinstance(t, dict) and t.get("Key") in ignored)]
    return tags


def _function_log_names(function: str, resources: dict, canon: Canon) -> set[str]:
    """The default log group names of a function: /aws/lambda/ and its name (or Ref)."""
    name = canon.text(((resources.get(function) or {}).get("Properties") or {}).get("FunctionName"))
    return {"/aws/lambda/${" + function + "}"} | ({"/aws/lambda/" + name} if name else set())


def _own_logs(group, function: str, resources: dict, canon: Canon) -> bool:
    """True when ``group`` (a LoggingConfig.LogGroup) is the function's own log group: its
    default one, or a log group of the template that only this function logs to."""
    if not isinstance(group, str):
        return False
    if group in _function_log_names(function, resources, canon):
        return True
    ids = [i for i in ids_in(group) if i in resources]
    return group.startswith("${") and len(ids) == 1 and resources[ids[0]].get("Type") == "AWS::Logs::LogGroup" \
        and _log_group_users(resources, canon).get(ids[0]) == {function}


def _log_group_users(resources: dict, canon: Canon) -> dict[str, set]:
    """Log group id -> the functions whose LoggingConfig names it."""
    users: dict[str, set] = {}
    for lid, resource in resources.items():
        if resource.get("Type") == "AWS::Lambda::Function":
            config = (resource.get("Properties") or {}).get("LoggingConfig")
            if isinstance(config, dict):
                for group in ids_in(canon.text(config.get("LogGroup")) or ""):
                    users.setdefault(group, set()).add(lid)
    return users


def _own_log_group(lid: str, resource: dict, resources: dict, canon: Canon) -> bool:
    """A log group named as a function's default one (logging to its own log group, excepted)."""
    if resource.get("Type") != "AWS::Logs::LogGroup":
        return False
    if lid in _log_group_users(resources, canon):
        return True
    name = canon.text((resource.get("Properties") or {}).get("LogGroupName"))
    if not name or not name.startswith("/aws/lambda/"):
        return False
    return any(name in _function_log_names(f, resources, canon) for f, r in resources.items()
               if r.get("Type") == "AWS::Lambda::Function")


def resource_rows(a: dict, b: dict, canon_a: Canon, canon_b: Canon) -> list[DiffRow]:
    """Resources added or removed (less those another category accounts for), and every
    property of the others that differs."""
    derived = facts()["derived_types"]
    rows = []
    for lid in sorted(set(a) | set(b)):
        old, new = a.get(lid), b.get(lid)
        resource = old or new
        rtype = resource.get("Type")
        if old is None or new is None:
            side, canon = (a, canon_a) if old else (b, canon_b)
            if rtype in derived or _own_log_group(lid, resource, side, canon):
                continue
            verb = "removed" if old else "added"
            rows.append(DiffRow("resource", lid, rtype, rtype if old else "", "" if old else rtype,
                                f"{rtype} {lid} is {verb}"))
            continue
        if rtype in derived and rtype != "AWS::IAM::Role":
            continue
        before, after = comparable(lid, old, a, canon_a, new), comparable(lid, new, b, canon_b, old)
        for name in sorted(set(before) | set(after)):
            if key_of(before.get(name)) != key_of(after.get(name)):
                rows.extend(_property_rows(lid, rtype, name, before.get(name), after.get(name),
                                           name in before, name in after))
    return rows


def _property_rows(lid, rtype, path, old, new, had, has, depth=0) -> list[DiffRow]:
    if had and has and isinstance(old, dict) and isinstance(new, dict) and depth < 2:
        out = []
        for name in sorted(set(old) | set(new)):
            if key_of(old.get(name)) != key_of(new.get(name)):
                out.extend(_property_rows(lid, rtype, f"{path}.{name}", old.get(name), new.get(name),
                                          name in old, name in new, depth + 1))
        return out
    return [setting_row("property", lid, path, old, new, f"{rtype.split('::')[-1]} {lid}'s {path}", had, has)]


_PACKAGED = ("Code", "Content", "DefinitionS3Location")  # where packaged artifacts go (functions, layers, state machines)


def packaging_parameters(data: dict) -> set[str]:
    """Parameters used only to say where packaged code is (inside Code/Content, which the
    diff leaves to packaging): they carry no behaviour of their own."""
    from stackerynb.cfn.intrinsics import referenced_ids

    inside, outside = set(), referenced_ids({k: v for k, v in data.items() if k != "Resources"})
    for resource in (data.get("Resources") or {}).values():
        for name, value in (resource.get("Properties") or {}).items():
            (inside if name in _PACKAGED else outside).update(referenced_ids(value))
        outside |= referenced_ids({k: v for k, v in resource.items() if k != "Properties"})
    return (inside - outside) & set(data.get("Parameters") or {})


def section_rows(a: dict, b: dict, canon_a: Canon, canon_b: Canon) -> list[DiffRow]:
    """Outputs, parameters, conditions and mappings, entry by entry."""
    rows = []
    skip = {"Parameters": packaging_parameters(a) | packaging_parameters(b)}
    ignored = set(facts()["ignored_entry_keys"])

    def entry(value, section):
        if section in ("Parameters", "Outputs") and isinstance(value, dict):
            return {k: v for k, v in value.items() if k not in ignored}
        return value
    for section, category in (("Parameters", "parameter"), ("Conditions", "condition"),
                              ("Mappings", "mapping"), ("Outputs", "output")):
        old = {(k,): canon_a.value(entry(v, section)) for k, v in (a.get(section) or {}).items()
               if k not in skip.get(section, ())}
        new = {(k,): canon_b.value(entry(v, section)) for k, v in (b.get(section) or {}).items()
               if k not in skip.get(section, ())}
        rows += keyed_rows(category, old, new, owner=lambda i: i[0], key=lambda i: "",
                           what=lambda i, c=category: f"{c} {i[0]}", deep=category in ("parameter", "output"))
    return rows
