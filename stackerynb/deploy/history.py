"""Deployment history: one record per deployment, checked against CloudFormation.

Where the truth lives, and why:

* **What is deployed now** comes from CloudFormation itself: the stack's status and the facts
  its template carries in ``Metadata.Stackerynb`` (also mirrored in the stack's tags).
* **Previous deployments** are records the kit writes to the environment's artifacts bucket
  (``deployments/<stack>/<id>.json``): CloudFormation keeps no past templates, deletes executed
  change sets, and the emulator records neither resource events nor client request tokens, so
  neither can list past deployments with their git commit on both targets. A record is written
  when a change set is prepared, when execution starts and when it ends.
* A record left "in progress" or "interrupted" (kernel interrupted, process killed) is settled
  from CloudFormation when read: if the stack's template carries its id it succeeded; if the
  stack is busy it is still running; if its change set is still waiting it was never executed;
  otherwise it failed (with the reason from its events where CloudFormation kept them).
"""
from __future__ import annotations

import copy
import json

from stackerynb.deploy.artifacts import Artifacts
from stackerynb.deploy.target import Cloud

PREPARED, NO_CHANGES, IN_PROGRESS, INTERRUPTED = "prepared", "no changes", "in progress", "interrupted"
SUCCEEDED, FAILED, CANCELLED, EXPIRED = "succeeded", "failed", "cancelled", "expired"
DESTROYED, NOT_DEPLOYED = "destroyed", "not deployed"
UNSETTLED = (IN_PROGRESS, INTERRUPTED)

COLUMNS = ["deployment", "kind", "status", "current", "git_sha", "branch", "dirty", "user", "started",
           "duration_s", "changes", "created", "changed", "deleted", "failed_resource", "reason"]


# Records this process wrote or read, by where they are stored, with the ETag they had: reading
# the history lists the records (one request) and fetches only those whose ETag is new, so it
# does not cost one request per past deployment every time.
_known: dict[tuple, tuple[str, dict]] = {}


def key(cf_stack: str, deployment_id: str) -> str:
    return f"deployments/{cf_stack}/{deployment_id}.json"


def _where(artifacts: Artifacts, item: str) -> tuple:
    cloud = artifacts.cloud
    return (cloud.endpoint or cloud.account, artifacts.bucket, item)


def save(artifacts: Artifacts, record: dict) -> None:
    """Store (or replace) a record."""
    item = key(record["cf_stack"], record["id"])
    etag = artifacts.put_json(item, record)
    if etag:
        _known[_where(artifacts, item)] = (etag, json.loads(json.dumps(record, default=str)))  # as stored


def load(artifacts: Artifacts, cf_stack: str) -> list[dict]:
    """Every record of a CloudFormation stack, oldest first."""
    prefix = f"deployments/{cf_stack}/"
    records = []
    for item, etag in sorted(artifacts.listing(prefix).items()):
        where = _where(artifacts, item)
        known = _known.get(where)
        if etag and known is not None and known[0] == etag:
            record = copy.deepcopy(known[1])
        else:
            record = artifacts.get_json(item)
            if etag and isinstance(record, dict):
                _known[where] = (etag, copy.deepcopy(record))
        if isinstance(record, dict) and record.get("id"):
            records.append(record)
    return records


def settle(cloud: Cloud, artifacts: Artifacts, record: dict, current_id: str | None, stack_status: str | None) -> dict:
    """The record with an unsettled status resolved from CloudFormation (and stored again)."""
    from stackerynb.deploy import watch

    status = record.get("status")
    if status not in UNSETTLED + (PREPARED,):
        return record
    new = dict(record)
    busy = stack_status is not None and not watch.settled(stack_status)
    if record.get("kind") == "destroy":
        if busy:
            new["status"] = IN_PROGRESS
        elif stack_status is None:
            new["status"] = DESTROYED
        else:
            new.update(status=FAILED, reason=f"the stack is still there ({stack_status})")
    elif current_id == record["id"]:
        new["status"] = IN_PROGRESS if busy else SUCCEEDED
    elif busy and status in UNSETTLED:
        new["status"] = IN_PROGRESS
    elif current_id is not None and current_id > record["id"] and status == PREPARED:
        # A later deployment ran (AWS drops the other change sets then; the emulator keeps them).
        new.update(status=EXPIRED, reason=f"deployment {current_id} ran after it was prepared")
    else:
        waiting = _change_set_waiting(cloud, record.get("change_set_id"))
        if waiting:
            new["status"] = PREPARED
        elif status == PREPARED:
            new["status"] = EXPIRED
            new["reason"] = "its change set is gone (another deployment ran, or it was deleted)"
        else:
            new["status"] = FAILED
            failure = _failure_from_events(cloud, record) if not cloud.is_local else None
            if failure is not None:
                new["failure"] = {"logical_id": failure.logical_id, "type": failure.type, "reason": failure.reason}
            new["reason"] = (failure.reason if failure else
                             f"it did not take effect: the stack is {stack_status or 'gone'} with another deployment current")
    if new != record:
        save(artifacts, new)
    return new


def _change_set_waiting(cloud: Cloud, change_set_id: str | None) -> bool:
    if not change_set_id:
        return False
    try:
        answer = cloud.client("cloudformation").describe_change_set(ChangeSetName=change_set_id)
    except Exception:  # noqa: BLE001 - gone (AWS deletes change sets after an execution)
        return False
    return answer.get("ExecutionStatus") == "AVAILABLE" and answer.get("Status") == "CREATE_COMPLETE"


def _failure_from_events(cloud: Cloud, record: dict):
    from datetime import datetime

    from stackerynb.deploy import watch
    try:
        since = datetime.fromisoformat(record["started"])
        events = watch.new_events(cloud, record["cf_stack"], since, record["id"], set(), lambda s: s)
    except Exception:  # noqa: BLE001 - the reason is a nicety; the status is what matters
        return None
    return watch.first_failure(events)


def row(record: dict, current_id: str | None) -> dict:
    """One history row for a record."""
    failure = record.get("failure") or {}
    counts = (record.get("created", 0), record.get("changed", 0), record.get("deleted", 0))
    return {
        "deployment": record["id"], "kind": record.get("kind", "deploy"), "status": record.get("status"),
        "current": record["id"] == current_id, "git_sha": record.get("git_sha") or "none",
        "branch": record.get("branch") or "", "dirty": bool(record.get("dirty")), "user": record.get("user", ""),
        "started": record.get("started"), "duration_s": record.get("duration_s"),
        "changes": "+{} ~{} -{}".format(*counts), "created": counts[0], "changed": counts[1], "deleted": counts[2],
        "failed_resource": failure.get("logical_id") or "",
        "reason": failure.get("reason") or record.get("reason") or "",
    }


def frame(records: list[dict], current_id: str | None):
    """The history table, newest first."""
    import pandas as pd
    table = pd.DataFrame([row(r, current_id) for r in reversed(records)], columns=COLUMNS)
    table["started"] = pd.to_datetime(table["started"], utc=True, format="ISO8601")
    return table
