"""Physical names read as references: a template that names a table ``orders`` and grants
access to ``arn:...:table/orders`` means that table, just as ``${Orders.Arn}`` does. Both sides
of a diff are read this way (with the importer's own alias rules, importing/aliases.py), so a
name and a reference to the same resource compare equal."""
from __future__ import annotations


def with_names_as_refs(template: dict) -> dict:
    """``template`` with uses of resources' physical names read as references to them."""
    from stackerynb.importing.aliases import name_aliases, rewrite

    resources = template.get("Resources") or {}
    found = name_aliases(resources)
    if not found:
        return template
    out = dict(template)
    out["Resources"] = {lid: {k: (rewrite(v, found, lid) if k == "Properties" else v) for k, v in r.items()}
                        for lid, r in resources.items()}
    return out
