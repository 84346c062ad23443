"""What invokes each function, and the template sections around it, compared between an
original template and the compile of its import.

Both sides are plain CloudFormation (SAM expanded with :func:`roundtrip.expand_sam` first).
Facts are read per category, each keyed so that the two sides line up:

* ``trigger``: event source mappings, SNS subscriptions, rule targets and bucket notifications
  of each function, with their settings (batch size, starting position, filters, input...);
* ``route``: ``(api, METHOD, /path)`` -> the function it reaches and how callers authorise,
  read from ``AWS::ApiGateway::Method`` trees and from OpenAPI bodies alike;
* ``permission``: per function and principal, the exact source ARNs it may be invoked from;
* ``output``, ``section``: outputs by name and value, parameters, conditions, mappings, rules,
  and whether the SAM transform is there where SAM resources remain.

:func:`compare` returns :class:`Difference` rows; each has a ``cause`` short enough to count.
"""
from __future__ import annotations

import json
import re
from dataclasses import dataclass

from stackerynb.cfn.intrinsics import PSEUDO_PARAMETERS, referenced_ids, rename_references

# Values a setting takes when absent: written or not, the meaning is the same.
_DEFAULTS = {
    "Enabled": True, "MaximumBatchingWindowInSeconds": 0, "BisectBatchOnFunctionError": False,
    "ParallelizationFactor": 1, "MaximumRetryAttempts": -1, "MaximumRecordAgeInSeconds": -1,
    "TumblingWindowInSeconds": 0, "State": "ENABLED", "RawMessageDelivery": False,
}
_BATCH_DEFAULT = {"sqs": 10, "kinesis": 100, "dynamodb": 100}
_SWAGGER_AUTH = {"custom": "CUSTOM", "cognito_user_pools": "COGNITO_USER_POOLS", "awsSigv4": "AWS_IAM"}


@dataclass(frozen=True)
class Difference:
    """One fact the original and the compiled template disagree on."""

    category: str  # trigger | route | permission | output | section | api
    key: str
    cause: str
    original: object = None
    compiled: object = None

    def __str__(self) -> str:
        return f"{self.category} {self.key}: {self.cause} (original {self.original!r}, compiled {self.compiled!r})"


def text(value) -> str:
    """A canonical text of a template value: references as ``${Id}`` / ``${Id.Attr}``, Sub
    variables substituted, joins flattened, the partition written one way."""
    if isinstance(value, dict) and len(value) == 1:
        (key, arg), = value.items()
        if key == "Ref" and isinstance(arg, str):
            return f"${{{arg}}}"
        if key == "Fn::GetAtt":
            if isinstance(arg, str):
                return f"${{{arg}}}"
            if isinstance(arg, list) and len(arg) == 2:
                return f"${{{arg[0]}.{text(arg[1]) if not isinstance(arg[1], str) else arg[1]}}}"
        if key == "Fn::Sub":
            body, variables = (arg, {}) if isinstance(arg, str) else (arg[0], arg[1] if len(arg) > 1 else {})
            if isinstance(body, str) and isinstance(variables, dict):
                def swap(match):
                    name = match.group(1)
                    return text(variables[name]) if name in variables else match.group(0)
                return _partition(re.sub(r"\$\{([^}!]+)\}", swap, body))
        if key == "Fn::Join" and isinstance(arg, list) and len(arg) == 2 and isinstance(arg[1], list):
            return _partition(text(arg[0]).join(text(v) for v in arg[1]))
    if isinstance(value, (dict, list)):
        return json.dumps(value, sort_keys=True)
    return _partition(str(value))


def _partition(value: str) -> str:
    return re.sub(r"^arn:aws:", "arn:${AWS::Partition}:", value)


def _one(value, ids) -> str:
    found = sorted(i for i in referenced_ids(value) if i in ids)
    return found[0] if len(found) == 1 else text(value)


def _function_of(value, functions) -> str | None:
    """The function ``value`` names (a ``dict`` of ``functions`` also maps alias ids to
    ``"<function> alias <name>"``, so an alias and its function's latest version differ)."""
    found = sorted(i for i in referenced_ids(value) if i in functions)
    if len(found) == 1 and isinstance(functions, dict):
        return functions[found[0]]
    if len(found) == 1:
        return found[0]
    if isinstance(value, str):  # a literal ARN or name
        for fid in functions:
            if value.endswith(f":function:{fid}"):
                return fid
    return None


def _settings(props: dict, drop: tuple, defaults: dict | None = None) -> dict:
    defaults = {**_DEFAULTS, **(defaults or {})}
    out = {}
    for key, value in props.items():
        if key in drop:
            continue
        if key in defaults and _plain_equal(value, defaults[key]):
            continue
        out[key] = text(value) if not isinstance(value, (dict, list)) else json.dumps(value, sort_keys=True)
    return out


def _plain_equal(a, b) -> bool:
    return str(a).lower() == str(b).lower()


def triggers(template: dict) -> dict[str, dict]:
    """``"how function <- source"`` -> settings, for everything that invokes a function."""
    resources = template.get("Resources") or {}
    ids = set(resources)
    functions = _functions(resources)
    out: dict[str, dict] = {}
    for lid, resource in resources.items():
        props = resource.get("Properties") or {}
        rtype = resource.get("Type")
        if rtype == "AWS::Lambda::EventSourceMapping":
            fid = _function_of(props.get("FunctionName"), functions)
            source = _one(props.get("EventSourceArn"), ids)
            service = str(resources.get(source, {}).get("Type", "")).split("::")[1:2]
            service = {"SQS": "sqs", "Kinesis": "kinesis", "DynamoDB": "dynamodb"}.get(service[0] if service else "", "")
            batch = {"BatchSize": _BATCH_DEFAULT[service]} if service in _BATCH_DEFAULT else {}
            out[f"mapping {fid} <- {source}"] = _settings(props, ("FunctionName", "EventSourceArn"), batch)
        elif rtype == "AWS::SNS::Subscription" and props.get("Protocol") == "lambda":
            fid = _function_of(props.get("Endpoint"), functions)
            out[f"subscription {fid} <- {_one(props.get('TopicArn'), ids)}"] = _settings(
                props, ("Endpoint", "TopicArn", "Protocol", "Region"))
        elif rtype == "AWS::SNS::Topic":
            for sub in props.get("Subscription") or []:
                if isinstance(sub, dict) and sub.get("Protocol") == "lambda":
                    out[f"subscription {_function_of(sub.get('Endpoint'), functions)} <- {lid}"] = {}
        elif rtype == "AWS::Events::Rule":
            rule = _settings(props, ("Targets", "Name", "Description"))
            for target in props.get("Targets") or []:
                fid = _function_of(target.get("Arn"), functions) if isinstance(target, dict) else None
                if fid:
                    out[f"rule {fid} <- {lid}"] = {**rule, **_settings(target, ("Arn", "Id"))}
        elif rtype == "AWS::Scheduler::Schedule":
            target = props.get("Target") or {}
            fid = _function_of(target.get("Arn"), functions) if isinstance(target, dict) else None
            if fid:
                out[f"schedule {fid} <- {lid}"] = {**_settings(props, ("Target",)),
                                                   **_settings(target, ("Arn", "RoleArn"))}
        elif rtype == "AWS::S3::Bucket":
            config = props.get("NotificationConfiguration") or {}
            for item in config.get("LambdaConfigurations") or [] if isinstance(config, dict) else []:
                if isinstance(item, dict):
                    fid = _function_of(item.get("Function"), functions)
                    key = f"notification {fid} <- {lid} {text(item.get('Event'))}"
                    out[key] = _settings(item, ("Function", "Event"))
    return {k: v for k, v in out.items() if " None " not in k and not k.split(" ")[1] == "None"}


def _paths(resources: dict) -> dict[str, tuple[str, str]]:
    """``ApiGateway::Resource`` id -> (api, full path)."""
    out: dict[str, tuple[str, str]] = {}

    def path_of(rid: str, depth=0) -> tuple[str, str] | None:
        if rid in out:
            return out[rid]
        props = (resources.get(rid) or {}).get("Properties") or {}
        parent = props.get("ParentId")
        api = _one(props.get("RestApiId"), resources)
        if depth > 50:
            return None
        if isinstance(parent, dict) and "Fn::GetAtt" in parent:
            base = ""
        else:
            parents = [i for i in referenced_ids(parent) if i in resources]
            if not parents:
                return None
            above = path_of(parents[0], depth + 1)
            if above is None:
                return None
            base = above[1].rstrip("/")
        out[rid] = (api, f"{base}/{props.get('PathPart')}")
        return out[rid]

    for rid, resource in resources.items():
        if resource.get("Type") == "AWS::ApiGateway::Resource":
            path_of(rid)
    return out


def routes(template: dict) -> dict[str, dict]:
    """``"api METHOD /path"`` -> {function, auth, api_key} for every method a function serves."""
    resources = template.get("Resources") or {}
    functions = _functions(resources)
    paths = _paths(resources)
    out: dict[str, dict] = {}
    for lid, resource in resources.items():
        props = resource.get("Properties") or {}
        rtype = resource.get("Type")
        if rtype == "AWS::ApiGateway::Method":
            integration = props.get("Integration") or {}
            target = _function_of(integration.get("Uri"), functions) if isinstance(integration, dict) else None
            rid = props.get("ResourceId")
            if isinstance(rid, dict) and "Fn::GetAtt" in rid:
                api, path = _one(props.get("RestApiId"), resources), "/"
            else:
                ref = [i for i in referenced_ids(rid) if i in paths]
                if not ref:
                    continue
                api, path = paths[ref[0]]
            method = str(props.get("HttpMethod")).upper()
            out[f"{api} {method} {path}"] = {
                "function": target or _integration(integration),
                "auth": str(props.get("AuthorizationType", "NONE")).upper(),
                "api_key": bool(props.get("ApiKeyRequired", False))}
        elif rtype in ("AWS::ApiGateway::RestApi", "AWS::ApiGatewayV2::Api") and isinstance(props.get("Body"), dict):
            out.update(_body_routes(lid, props["Body"], functions))
        elif rtype == "AWS::ApiGatewayV2::Route":
            key = str(props.get("RouteKey"))
            target = props.get("Target")
            integration_ids = [i for i in referenced_ids(target) if i in resources]
            fid = None
            if integration_ids:
                uri = ((resources[integration_ids[0]].get("Properties")) or {}).get("IntegrationUri")
                fid = _function_of(uri, functions)
            out[f"{_one(props.get('ApiId'), resources)} {key}"] = {
                "function": fid, "auth": str(props.get("AuthorizationType", "NONE")).upper(),
                "api_key": bool(props.get("ApiKeyRequired", False))}
    return out


def _functions(resources: dict) -> dict[str, str]:
    """Function and alias ids -> what they invoke (``Fn`` or ``Fn alias live``)."""
    out = {lid: lid for lid, r in resources.items() if r.get("Type") == "AWS::Lambda::Function"}
    for lid, resource in resources.items():
        if resource.get("Type") == "AWS::Lambda::Alias":
            props = resource.get("Properties") or {}
            owner = [i for i in referenced_ids(props.get("FunctionName")) if i in out]
            if owner:
                out[lid] = f"{owner[0]} alias {props.get('Name')}"
    return out


def _integration(integration) -> str:
    if not isinstance(integration, dict):
        return "none"
    return f"{integration.get('Type')}"


def _body_routes(api: str, body: dict, functions) -> dict[str, dict]:
    out = {}
    definitions = body.get("securityDefinitions") or (body.get("components") or {}).get("securitySchemes") or {}
    default_security = body.get("security") or []
    for path, operations in (body.get("paths") or {}).items():
        if not isinstance(operations, dict):
            continue
        for method, operation in operations.items():
            if not isinstance(operation, dict):
                continue
            method = "ANY" if method == "x-amazon-apigateway-any-method" else method.upper()
            integration = operation.get("x-amazon-apigateway-integration") or {}
            fid = _function_of(integration.get("uri"), functions) if isinstance(integration, dict) else None
            auth, api_key = "NONE", False
            for requirement in operation.get("security", default_security) or []:
                for name in requirement if isinstance(requirement, dict) else ():
                    scheme = definitions.get(name) or {}
                    if scheme.get("in") == "header" and scheme.get("name") == "x-api-key" and \
                            "x-amazon-apigateway-authtype" not in scheme:
                        api_key = True
                    else:
                        auth = _SWAGGER_AUTH.get(scheme.get("x-amazon-apigateway-authtype"), "CUSTOM")
            out[f"{api} {method} {path}"] = {"function": fid or _integration(
                {"Type": str(integration.get("type", "none")).upper()}), "auth": auth, "api_key": api_key}
    return out


_API_TYPES = ("AWS::ApiGateway::RestApi", "AWS::ApiGatewayV2::Api")
_API_PROPERTIES = ("Name", "Description", "BinaryMediaTypes", "EndpointConfiguration", "MinimumCompressionSize",
                   "Policy", "ApiKeySourceType", "DisableExecuteApiEndpoint", "Mode", "FailOnWarnings", "Tags")
_STAGE_PROPERTIES = ("TracingEnabled", "MethodSettings", "AccessLogSetting", "CacheClusterEnabled",
                     "CacheClusterSize", "Variables", "CanarySetting", "ClientCertificateId", "Tags",
                     "AccessLogSettings", "DefaultRouteSettings", "RouteSettings", "StageVariables")
_API_PARTS = ("AWS::ApiGateway::Authorizer", "AWS::ApiGateway::UsagePlan", "AWS::ApiGateway::ApiKey",
              "AWS::ApiGateway::UsagePlanKey", "AWS::ApiGateway::DomainName", "AWS::ApiGateway::BasePathMapping",
              "AWS::ApiGateway::GatewayResponse", "AWS::ApiGateway::RequestValidator", "AWS::ApiGateway::Model",
              "AWS::ApiGatewayV2::Authorizer", "AWS::ApiGatewayV2::DomainName", "AWS::ApiGatewayV2::ApiMapping")


def apis(template: dict) -> dict[str, object]:
    """Per API: its own properties as written, each stage's settings, and its authorizers,
    usage plans, keys, domains, validators... (counted by type and described by their settings)."""
    resources = template.get("Resources") or {}
    out: dict[str, object] = {}
    api_ids = {lid for lid, r in resources.items() if r.get("Type") in _API_TYPES}
    for lid in api_ids:
        props = resources[lid].get("Properties") or {}
        for key in _API_PROPERTIES:
            if key in props and not (key == "Name" and isinstance(props[key], dict)):
                value = props[key]
                if key == "BinaryMediaTypes" and isinstance(value, list):
                    value = [m.replace("~1", "/") if isinstance(m, str) else m for m in value]
                out[f"{lid} {key}"] = text(value)
        body = props.get("Body")
        if isinstance(body, dict):
            media = body.get("x-amazon-apigateway-binary-media-types")
            if isinstance(media, list):  # the same setting as the BinaryMediaTypes property ("/" written "~1")
                out[f"{lid} BinaryMediaTypes"] = text([m.replace("~1", "/") if isinstance(m, str) else m
                                                       for m in media])
            for key in ("x-amazon-apigateway-policy", "x-amazon-apigateway-gateway-responses",
                        "x-amazon-apigateway-request-validators"):
                if key in body:
                    out[f"{lid} {key}"] = text(body[key])
            definitions = body.get("securityDefinitions") or (body.get("components") or {}).get("securitySchemes") or {}
            for name, scheme in definitions.items():
                if isinstance(scheme, dict):
                    out[f"{lid} authorizer {name}"] = _authorizer_text(scheme.get("x-amazon-apigateway-authtype"),
                                                                       scheme.get("x-amazon-apigateway-authorizer"))
    for lid, resource in resources.items():
        rtype = resource.get("Type")
        props = resource.get("Properties") or {}
        if rtype in ("AWS::ApiGateway::Stage", "AWS::ApiGatewayV2::Stage"):
            api = _one(props.get("RestApiId", props.get("ApiId")), resources)
            stage = text(props.get("StageName"))
            out[f"{api} stage {stage}"] = {k: text(props[k]) for k in _STAGE_PROPERTIES if k in props}
        elif rtype == "AWS::ApiGateway::Authorizer":
            api = _one(props.get("RestApiId"), resources)
            out[f"{api} authorizer {text(props.get('Name'))}"] = _authorizer_text(
                props.get("Type"), {k: props.get(k) for k in ("IdentitySource", "ProviderARNs")})
        elif rtype in _API_PARTS:
            api = _one(props.get("RestApiId", props.get("ApiId")), resources)
            key = f"{api if api in api_ids else 'stack'} {rtype.split('::')[-1]}"
            out[key] = int(out.get(key, 0)) + 1
    return out


def _authorizer_text(kind, settings) -> str:
    kind = str(kind or "").upper().replace("COGNITO_USER_POOLS", "COGNITO")
    kind = {"CUSTOM": "LAMBDA", "TOKEN": "LAMBDA", "REQUEST": "LAMBDA"}.get(kind, kind)
    return kind


def permissions(template: dict) -> dict[str, list]:
    """``"function <- principal"`` -> sorted source ARNs (``any`` when unscoped)."""
    resources = template.get("Resources") or {}
    functions = _functions(resources)
    out: dict[str, set] = {}
    for resource in resources.values():
        if resource.get("Type") != "AWS::Lambda::Permission":
            continue
        props = resource.get("Properties") or {}
        fid = _function_of(props.get("FunctionName"), functions)
        if fid is None:
            continue
        source = text(props["SourceArn"]) if "SourceArn" in props else "any"
        source = re.sub(r"\$\{([A-Za-z0-9]+)\.Arn\}", r"${\1}", source)
        out.setdefault(f"{fid} <- {text(props.get('Principal'))}", set()).add(source)
    return {k: sorted(v) for k, v in out.items()}


def sections(template: dict, *, expanded: bool = True) -> dict[str, object]:
    """Names in the sections around the resources, and whether the SAM transform is needed."""
    out = {}
    for section in ("Parameters", "Conditions", "Mappings", "Rules"):
        for name in template.get(section) or {}:
            out[f"{section} {name}"] = section
    for name, value in (template.get("Metadata") or {}).items():
        out[f"Metadata {name}"] = json.dumps(value, sort_keys=True, default=str)
    return out


def outputs(template: dict) -> dict[str, str]:
    return {name: text((body or {}).get("Value")) if isinstance(body, dict) else text(body)
            for name, body in (template.get("Outputs") or {}).items()}


def transform_missing(compiled: dict) -> bool:
    """True when ``compiled`` (not expanded) keeps SAM resources but lacks the SAM transform."""
    transform = compiled.get("Transform")
    names = transform if isinstance(transform, list) else [transform]
    has = any(isinstance(n, str) and n.startswith("AWS::Serverless") for n in names)
    sam = any(str((r or {}).get("Type", "")).startswith("AWS::Serverless::")
              for r in (compiled.get("Resources") or {}).values())
    return sam and not has


def _renamed(template: dict, id_map: dict[str, str]) -> dict:
    if not id_map:
        return template
    return rename_references(template, lambda name, attribute=None: id_map.get(name, name))


def compare(original: dict, compiled: dict, id_map: dict[str, str] | None = None,
            compiled_unexpanded: dict | None = None) -> list[Difference]:
    """Differences in triggers, routes, invoke permissions, outputs and sections between the
    expanded ``original`` and expanded ``compiled``; ``id_map`` maps original ids to compiled ones."""
    id_map = {k: v for k, v in (id_map or {}).items() if k not in PSEUDO_PARAMETERS}
    original = _renamed(original, id_map)
    rows: list[Difference] = []

    def facts(category, before: dict, after: dict, setting_causes=False, extra_cause=None):
        for key in sorted(set(before) | set(after)):
            if key not in after:
                rows.append(Difference(category, key, "lost", before[key], None))
            elif key not in before:
                if extra_cause:
                    rows.append(Difference(category, key, extra_cause, None, after[key]))
            elif before[key] != after[key]:
                if setting_causes and isinstance(before[key], dict):
                    for name in sorted(set(before[key]) | set(after[key])):
                        if before[key].get(name) != after[key].get(name):
                            rows.append(Difference(category, key, f"setting {name}", before[key].get(name),
                                                   after[key].get(name)))
                else:
                    rows.append(Difference(category, key, "changed", before[key], after[key]))

    facts("trigger", triggers(original), triggers(compiled), setting_causes=True, extra_cause="added")
    before_routes, after_routes = routes(original), routes(compiled)
    for key in sorted(set(before_routes) | set(after_routes)):
        if key in after_routes and key not in before_routes:
            api, method, path = key.split(" ", 2)
            cause = "widened to ANY" if method == "ANY" else "proxy added" if "{proxy+}" in path else "added"
            if after_routes[key]["function"] is None or after_routes[key]["function"] == "MOCK":
                if method == "OPTIONS":
                    cause = "CORS preflight added"
            rows.append(Difference("route", key, cause, None, after_routes[key]))
        elif key in before_routes and key not in after_routes:
            rows.append(Difference("route", key, "lost", before_routes[key], None))
        elif before_routes[key] != after_routes[key]:
            for name in ("function", "auth", "api_key"):
                if before_routes[key][name] != after_routes[key][name]:
                    rows.append(Difference("route", key, f"{name} differs", before_routes[key][name],
                                           after_routes[key][name]))
    before_perm, after_perm = permissions(original), permissions(compiled)
    for key in sorted(set(before_perm) | set(after_perm)):
        old, new = before_perm.get(key), after_perm.get(key)
        if old == new:
            continue
        if new is None:
            rows.append(Difference("permission", key, "lost", old, None))
        elif old is None:
            rows.append(Difference("permission", key, "added", None, new))
        else:
            rows.append(Difference("permission", key, "source scope differs", old, new))
    facts("output", outputs(original), outputs(compiled))
    before_apis, after_apis = apis(original), apis(compiled)
    for key in sorted(before_apis):
        if key not in after_apis:
            what = key.split(" ", 1)[1]
            cause = "stage " + "lost" if what.startswith("stage") else f"{what.split(' ')[0]} lost"
            rows.append(Difference("api", key, cause, before_apis[key], None))
        elif before_apis[key] != after_apis[key]:
            what = key.split(" ", 1)[1]
            if isinstance(before_apis[key], dict):
                for name in sorted(set(before_apis[key]) | set(after_apis[key])):
                    if before_apis[key].get(name) != after_apis[key].get(name):
                        rows.append(Difference("api", key, f"stage {name} differs", before_apis[key].get(name),
                                               after_apis[key].get(name)))
            else:
                rows.append(Difference("api", key, f"{what.split(' ')[0]} differs", before_apis[key], after_apis[key]))
    before_sections = sections(original)
    after_sections = sections(compiled)
    for key in sorted(before_sections):
        if key not in after_sections:
            rows.append(Difference("section", key, f"{key.split()[0]} dropped", before_sections[key], None))
    if compiled_unexpanded is not None and transform_missing(compiled_unexpanded):
        rows.append(Difference("section", "Transform", "Transform missing", "AWS::Serverless-2016-10-31", None))
    return rows
