"""IAM per principal: what each resource acting with a role may do, as a set of
``(effect, action, resource, condition)`` with wildcard actions expanded against the IAM action
list (cfn-lint's copy of AWS's service authorization reference), so ``dynamodb:Get*`` and the
actions it stands for compare equal.

The principal is the resource using the role (a function, a state machine, a rule target...),
not the role, since each tool names roles its own way. A role no resource uses is its own
principal. Statements come from the role's inline policies, ``AWS::IAM::Policy`` and
``AWS::IAM::ManagedPolicy`` resources of the template; AWS managed policies are compared by
name. Logging to the principal's own log group is left out (see ``own_logging`` in
semantics.yaml).
"""
from __future__ import annotations

import fnmatch
import json
from dataclasses import dataclass, field

from stackerynb.cfn.intrinsics import referenced_ids
from stackerynb.diff.knowledge import facts
from stackerynb.diff.match import role_users
from stackerynb.diff.rows import DiffRow
from stackerynb.diff.values import Canon, key_of
from stackerynb.importing.iam import expand_action, statements_of

EXTERNAL_ROLE = "a role outside the template"


@dataclass
class Grants:
    """What one principal may do."""

    role: str
    entries: set = field(default_factory=set)  # (effect, action, resource, condition json)
    managed: set = field(default_factory=set)


def _list(value) -> list:
    return value if isinstance(value, list) else [] if value is None else [value]


def _managed_name(value, canon: Canon) -> str:
    text = canon.text(value)
    if text is None:
        return json.dumps(value, sort_keys=True)
    return text.rsplit("/", 1)[-1] if text.startswith("arn:${AWS::Partition}:iam::aws:policy/") else text


def _statements(role: str, resources: dict, canon: Canon) -> tuple[list[dict], set[str]]:
    props = resources[role].get("Properties") or {}
    statements: list[dict] = []
    for policy in _list(props.get("Policies")):
        if isinstance(policy, dict):
            statements.extend(statements_of(policy.get("PolicyDocument")))
    managed = set()
    local = {lid for lid, r in resources.items() if r.get("Type") == "AWS::IAM::ManagedPolicy"}
    for arn in _list(props.get("ManagedPolicyArns")):
        ids = referenced_ids(arn) & local
        if not ids:
            managed.add(_managed_name(arn, canon))
    for lid, resource in resources.items():
        if resource.get("Type") in ("AWS::IAM::Policy", "AWS::IAM::ManagedPolicy"):
            rprops = resource.get("Properties") or {}
            attached = role in referenced_ids(rprops.get("Roles")) or \
                any(lid in referenced_ids(a) for a in _list(props.get("ManagedPolicyArns")))
            if attached:
                statements.extend(statements_of(rprops.get("PolicyDocument")))
    return statements, managed


def _entries(statements: list[dict], canon: Canon) -> set:
    out = set()
    for statement in statements:
        effect = statement.get("Effect", "Allow")
        condition = key_of(canon.value(statement["Condition"])) if "Condition" in statement else ""
        if "Action" in statement:
            actions = set()
            for action in _list(statement["Action"]):
                actions |= expand_action(action) if isinstance(action, str) else {key_of(action)}
        else:
            actions = {"not:" + key_of(sorted(map(str, _list(statement.get("NotAction")))))}
        if "Resource" in statement:
            targets = set()
            for resource in _list(statement["Resource"]):
                text = canon.text(resource)
                targets.add(text if text is not None else key_of(canon.value(resource)))
        else:
            targets = {"not:" + key_of(canon.value(statement.get("NotResource")))}
        out |= {(effect, a, r, condition) for a in actions for r in targets}
    return out


def _own_logging(entry, resources: dict) -> bool:
    rules = facts()["own_logging"]
    _effect, action, resource, condition = entry
    if action not in rules["actions"] or condition:
        return False
    if resource == "*" or ":log-group:" in resource or "/aws/lambda/" in resource:
        return True
    return any(resources.get(i, {}).get("Type") == "AWS::Logs::LogGroup" for i in _refs(resource))


def _refs(text: str) -> set[str]:
    from stackerynb.diff.values import ids_in
    return ids_in(text)


def principals(resources: dict, canon: Canon) -> dict[str, Grants]:
    """Principal -> its grants. A principal is named by the resource using the role (with the
    property when one resource uses several roles), or by the role when nothing uses it."""
    users = role_users(resources)
    by_user: dict[str, list[str]] = {}
    for role, ids in users.items():
        for user in ids:
            by_user.setdefault(user, []).append(role)
    out: dict[str, Grants] = {}
    named = [(user, role, user if len(roles) == 1 else f"{user} ({role})")
             for user, roles in by_user.items() for role in roles]
    named += [(role, role, role) for role, r in resources.items()
              if r.get("Type") == "AWS::IAM::Role" and role not in users]
    ignored_managed = set(facts()["own_logging"]["managed_policies"])
    for user, role, name in named:
        statements, managed = _statements(role, resources, canon)
        entries = {e for e in _entries(statements, canon) if not _own_logging(e, resources)}
        out[name] = Grants(role, entries, managed - ignored_managed)
    for lid, resource in resources.items():  # functions acting with a role from outside
        if resource.get("Type") == "AWS::Lambda::Function" and lid not in by_user:
            out[lid] = Grants(EXTERNAL_ROLE)
    return out


def _covered(entry, granted: set, by_key: dict) -> bool:
    effect, action, resource, condition = entry
    for res in (resource, "*"):
        actions = by_key.get((effect, res, condition), ())
        if action in actions or "*" in actions:
            return True
        if any(("*" in a or "?" in a) and fnmatch.fnmatchcase(action, a) for a in actions):
            return True
    return False


def _index(entries: set) -> dict:
    out: dict = {}
    for effect, action, resource, condition in entries:
        out.setdefault((effect, resource, condition), set()).add(action)
    return out


def compact(actions) -> str:
    """Actions as short text: a whole service's actions shown as ``service:*``."""
    from stackerynb.importing.iam import _action_table
    table = _action_table()
    by_service: dict[str, list[str]] = {}
    for action in sorted(actions):
        by_service.setdefault(action.partition(":")[0], []).append(action)
    parts = []
    for service, names in sorted(by_service.items()):
        known = table.get(service)
        if known and len(names) == len(known) and len(known) > 1:
            parts.append(f"{service}:*")
        else:
            parts.extend(names)
    return ", ".join(parts)


def _where(effect: str, resource: str, condition: str) -> str:
    text = resource + (f" if {condition}" if condition else "")
    return text if effect == "Allow" else f"Deny {text}"


def iam_rows(a: dict, b: dict, canon_a: Canon, canon_b: Canon) -> list[DiffRow]:
    """Differences in what each principal may do."""
    before, after = principals(a, canon_a), principals(b, canon_b)
    rows = []
    for name in sorted(set(before) | set(after)):
        old, new = before.get(name), after.get(name)
        if old is None or new is None:
            continue  # the principal itself is added or removed: reported as a resource
        if (old.role == EXTERNAL_ROLE) != (new.role == EXTERNAL_ROLE):
            rows.append(DiffRow("iam", name, "role", old.role, new.role,
                                f"{name} acts with {new.role} instead of {old.role}"))
            continue
        for policy in sorted(old.managed - new.managed):
            rows.append(DiffRow("iam", name, "managed policy", policy, "",
                                f"{name} loses the managed policy {policy} (narrower)"))
        for policy in sorted(new.managed - old.managed):
            rows.append(DiffRow("iam", name, "managed policy", "", policy,
                                f"{name} gains the managed policy {policy} (broader)"))
        index_old, index_new = _index(old.entries), _index(new.entries)
        lost = _index({e for e in old.entries if not _covered(e, new.entries, index_new)})
        gained = _index({e for e in new.entries if not _covered(e, old.entries, index_old)})
        for (effect, resource, condition) in sorted(set(lost) | set(gained)):
            where = _where(effect, resource, condition)
            gone, extra = lost.get((effect, resource, condition), set()), gained.get((effect, resource, condition), set())
            had = compact(index_old.get((effect, resource, condition), ()))
            has = compact(index_new.get((effect, resource, condition), ()))
            parts = []
            if extra:
                parts.append(f"may now also {compact(extra)} (broader)" if effect == "Allow"
                             else f"is now also denied {compact(extra)}")
            if gone:
                parts.append(f"may no longer {compact(gone)} (narrower)" if effect == "Allow"
                             else f"is no longer denied {compact(gone)}")
            rows.append(DiffRow("iam", name, where, had, has, f"{name} " + "; ".join(parts) + f" on {resource}"))
    return rows
