"""After an import is planned: the template's values win over the kit's own defaults.

The compiler gives designs made in the kit secure defaults that no setting asks for (a table's
KMS encryption, a bucket's TLS-only policy, provisioned capacity with autoscaling, an API's
URL output...). A template that did not have them must compile back without them (issue 16, an
import that changes nothing). ``stackerynb/catalog/kit_defaults.yaml`` lists them; per imported
node ``reconcile`` writes a null in ``properties`` for each kit-written property its template
resource does not set (the pass-through leaves it out), the value the template means by
leaving a property out where that is one (SAM names an API after the stack), and the settings
that switch off the companions the kit would add. A node SAM makes implicitly (an API for
events without one) also gets the import table's defaults of the type it stands for (SAM's
values, not the kit's). What the template did set is already kept (settings, or verbatim in
``properties``); where it computes a property a setting reads from its parameters or
conditions, the property is kept as written over the setting, which holds one value only
(parameters stay parameters). Everything lands in the stack file, where it shows and can be
changed.
"""
from __future__ import annotations

import copy
import functools

from stackerynb.catalog import kind as catalog_kind
from stackerynb.catalog._data import load_table
from stackerynb.importing.convert import import_map


def kit_defaults() -> dict:
    """The kit's own defaults (``stackerynb/catalog/kit_defaults.yaml``): ``kinds`` and ``types``."""
    return load_table("kit_defaults.yaml")


def reconcile(rnd):
    """Make the planned nodes of the final round ``rnd`` keep the template's values where the
    kit's own defaults would differ; returns ``rnd``."""
    table = kit_defaults()
    for lid, plan in rnd.nodes.items():
        rtype, original = _original(rnd, lid, plan)
        said = _implicit_defaults(plan, rtype) if lid not in rnd.resources else []
        spec = table["kinds"].get(plan.kind) or {}
        for name, value in (spec.get("settings") or {}).items():
            if name not in plan.settings:
                plan.settings[name] = value
                said.append(f"{name} {value!r}")
        kept = dict(plan.settings.get("properties") or {})
        absent = [p for p in spec.get("absent_properties") or () if p not in original and p not in kept]
        kept.update({p: None for p in absent})
        meant = {p: copy.deepcopy(v) for p, v in ((table["types"].get(rtype) or {}).get("absent_values") or {}).items()
                 if p not in original and p not in kept}
        kept.update(meant)
        computed = _computed_settings(rnd, plan, rtype, original, kept)
        kept.update(computed)
        if absent or meant or computed:
            plan.settings["properties"] = kept
        notes = ([f"{', '.join(absent)} left out (null in properties): the template does not set "
                  f"{'them' if len(absent) > 1 else 'it'}"] if absent else [])
        notes += [f"{p} kept as the template means it when left out ({rtype})" for p in meant]
        if computed:
            notes.append(f"{', '.join(computed)} kept as written (properties): the template computes "
                         f"{'them' if len(computed) > 1 else 'it'} from parameters or conditions, which "
                         "settings would freeze to one value")
        if said:
            notes.append(f"the template's values instead of the kit's defaults: {', '.join(said)}")
        if notes:
            rnd.note(lid, "; ".join(notes))
    return rnd


# SAM types -> the CloudFormation type of the resource their properties end up on
_SAM_TARGETS = {"AWS::Serverless::Function": "AWS::Lambda::Function",
                "AWS::Serverless::SimpleTable": "AWS::DynamoDB::Table",
                "AWS::Serverless::StateMachine": "AWS::StepFunctions::StateMachine"}
_SCALAR_SETTINGS = ("int", "str", "bool", "choice")


def _computed_settings(rnd, plan, rtype: str | None, original: dict, kept: dict) -> dict:
    """Template properties that scalar settings read (import_map ``from``) but that the template
    computes from its parameters or conditions: the conversion took one value (a parameter's
    default), so the property is kept as written, over the setting (parameters stay parameters).
    Only properties of the compiled resource's own type (its registry schema) qualify."""
    from stackerynb.cfn.intrinsics import referenced_ids

    spec = import_map()["types"].get(rtype) if rtype else None
    target = _SAM_TARGETS.get(rtype, rtype) if rtype else None
    if not spec or spec.get("kind") != plan.kind or not target or target.startswith("AWS::Serverless::"):
        return {}
    settings = catalog_kind(plan.kind).settings
    parameters = set(rnd.parameters)
    out = {}
    for name, how in (spec.get("settings") or {}).items():
        if name not in settings or settings[name].type not in _SCALAR_SETTINGS:
            continue
        sources = how.get("from") or []
        for source in [sources] if isinstance(sources, str) else sources:
            prop = source.split(".")[0]
            if prop in original and prop not in kept and prop not in out:
                value = original[prop]
                if referenced_ids(value) & parameters or _conditional(value):
                    out[prop] = copy.deepcopy(value)
    known = _schema_properties(target) if out else frozenset()
    return {prop: value for prop, value in out.items() if prop in known}


@functools.lru_cache(maxsize=None)
def _schema_properties(rtype: str) -> frozenset:
    """The property names of ``rtype``'s registry schema (none for a type it does not know)."""
    from stackerynb.cfn.schemas import is_resource_type, schema

    return frozenset(schema(rtype).get("properties") or ()) if is_resource_type(rtype) else frozenset()


def _conditional(value) -> bool:
    """Whether ``value`` picks among values by a condition or a mapping."""
    if isinstance(value, dict):
        return bool({"Fn::If", "Fn::FindInMap"} & set(value)) or any(_conditional(v) for v in value.values())
    if isinstance(value, list):
        return any(_conditional(v) for v in value)
    return False


def _original(rnd, lid: str, plan) -> tuple[str | None, dict]:
    """(template type, template properties) a node stands for; for a node SAM makes implicitly
    (``origin`` "implicit Api"), the SAM type and no properties."""
    resource = rnd.resources.get(lid)
    if isinstance(resource, dict):
        return resource.get("Type"), resource.get("Properties") or {}
    origin = plan.origin or ""
    if origin.startswith("implicit "):
        return f"AWS::Serverless::{origin.split(' ', 1)[1]}", {}
    return None, {}


def _implicit_defaults(plan, rtype: str | None) -> list[str]:
    """The import table's defaults (what SAM or CloudFormation use when a property is absent)
    for a node with no template resource of its own, where the plan left the setting unset."""
    spec = (import_map()["types"].get(rtype) or {}) if rtype else {}
    if spec.get("kind") != plan.kind:
        return []
    said = []
    settings = catalog_kind(plan.kind).settings
    for name, how in (spec.get("settings") or {}).items():
        if "default" in how and name not in plan.settings and name in settings:
            value = (how.get("map") or {}).get(how["default"], how["default"])
            if settings[name].check(value) is None:
                plan.settings[name] = value
                said.append(f"{name} {value!r}")
    return said
