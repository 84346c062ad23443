"""After an import is planned: the template's values win over the kit's own defaults.

The compiler gives designs made in the kit secure defaults that no setting asks for (a table's
KMS encryption, a bucket's TLS-only policy, provisioned capacity with autoscaling...). A
template that did not have them must compile back without them (issue 16, an import that
changes nothing). ``stackerynb/catalog/kit_defaults.yaml`` lists them per kind; ``reconcile``
writes, per imported node, a null in ``properties`` for each kit-written property its template
resource does not set (the pass-through leaves it out), and the settings that switch off the
companions the kit would add. What the template did set is already kept (settings, or verbatim
in ``properties``). Everything lands in the stack file, where it shows and can be changed.
"""
from __future__ import annotations

from stackerynb.catalog._data import load_table


def kit_defaults() -> dict:
    """The kit's own defaults per kind (``stackerynb/catalog/kit_defaults.yaml``)."""
    return load_table("kit_defaults.yaml")


def reconcile(rnd):
    """Make the planned nodes of the final round ``rnd`` keep the template's values where the
    kit's own defaults would differ; returns ``rnd``."""
    table = kit_defaults()
    for lid, plan in rnd.nodes.items():
        spec = table.get(plan.kind)
        if not spec:
            continue
        resource = rnd.resources.get(lid)
        original = (resource.get("Properties") if isinstance(resource, dict) else None) or {}
        switched = []
        for name, value in (spec.get("settings") or {}).items():
            if name not in plan.settings:
                plan.settings[name] = value
                switched.append(f"{name} {value!r}")
        kept = plan.settings.get("properties") or {}
        absent = [p for p in spec.get("absent_properties") or () if p not in original and p not in kept]
        if absent:
            plan.settings["properties"] = {**kept, **{p: None for p in absent}}
        if absent or switched:
            said = ([f"{', '.join(absent)} left out (null in properties): the template does not set "
                     f"{'them' if len(absent) > 1 else 'it'}"] if absent else []) + (
                [f"kit defaults switched off: {', '.join(switched)}"] if switched else [])
            rnd.note(lid, "; ".join(said))
    return rnd
