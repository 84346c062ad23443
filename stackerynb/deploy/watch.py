"""Following a stack operation: its events as they arrive, until the stack settles.

On AWS the operation's events carry the ClientRequestToken the kit passed (the deployment id),
so only this deployment's events are shown, rollbacks included. The emulator applies a change
set before answering and records no resource events; what it did is reported from the change
set instead (see ``emulated_events``).
"""
from __future__ import annotations

import time
from datetime import datetime, timedelta, timezone
from typing import Callable

from stackerynb.deploy.emulator import Failure
from stackerynb.deploy.progress import DeployEvent, ProgressReporter
from stackerynb.deploy.target import Cloud, aws_error

STACK_TYPE = "AWS::CloudFormation::Stack"
CANCELLED = ("Resource creation cancelled", "Resource update cancelled", "cancelled")


def settled(status: str | None) -> bool:
    """True when no operation is running on a stack with this status."""
    return status is None or not status.endswith("_IN_PROGRESS") or status == "REVIEW_IN_PROGRESS"


def pauses(longest: float):
    """Pauses between polls of an operation: from an eighth of ``longest``, doubling up to it.
    A short operation is seen done soon after it ends (a fixed 2 s poll on a 0.6 s change set
    waits 1.4 s for nothing); a long one is asked no more often than every ``longest`` seconds."""
    pause = longest / 8
    while True:
        yield pause
        pause = min(pause * 2, longest)


def stack_status(cloud: Cloud, stack_name: str) -> str | None:
    """The stack's status, or None when it does not exist."""
    described = describe_stack(cloud, stack_name)
    return described["StackStatus"] if described else None


def describe_stack(cloud: Cloud, stack_name: str) -> dict | None:
    """CloudFormation's description of the stack (status, parameters, outputs), or None when it
    does not exist."""
    from botocore.exceptions import BotoCoreError, ClientError
    try:
        stacks = cloud.client("cloudformation").describe_stacks(StackName=stack_name)["Stacks"]
    except ClientError as exc:
        if "does not exist" in exc.response.get("Error", {}).get("Message", ""):
            return None
        raise aws_error(exc, f"reading stack {stack_name}") from None
    except BotoCoreError as exc:
        raise aws_error(exc, f"reading stack {stack_name}") from None
    return stacks[0] if stacks else None


def new_events(cloud: Cloud, stack_name: str, since: datetime, token: str | None, seen: set[str],
               redact: Callable[[str], str]) -> list[DeployEvent]:
    """Events of this operation not seen yet, oldest first.

    With a ``token`` only events carrying it count (AWS stamps every event of an operation with
    the ClientRequestToken it was started with); ``since`` only bounds how far back to page,
    with room for a client clock that runs ahead."""
    from botocore.exceptions import BotoCoreError, ClientError
    cf = cloud.client("cloudformation")
    found = []
    request = {"StackName": stack_name}
    try:
        while True:
            page = cf.describe_stack_events(**request)
            stop = False
            for raw in page.get("StackEvents", []):
                if raw["EventId"] in seen:
                    stop = True
                    break
                if raw["Timestamp"] < since - timedelta(seconds=1 if token is None else 300):
                    stop = True
                    break
                if token and raw.get("ClientRequestToken") != token:
                    continue
                seen.add(raw["EventId"])
                found.append(DeployEvent(raw["Timestamp"], raw["LogicalResourceId"], raw.get("ResourceType", ""),
                                         raw["ResourceStatus"], redact(raw.get("ResourceStatusReason") or "")))
            if stop or not page.get("NextToken"):
                break
            request["NextToken"] = page["NextToken"]
    except (ClientError, BotoCoreError) as exc:
        raise aws_error(exc, f"reading events of {stack_name}") from None
    return list(reversed(found))


def follow(cloud: Cloud, stack_name: str, since: datetime, token: str | None, reporter: ProgressReporter,
           redact: Callable[[str], str], poll: float = 2.0) -> tuple[str | None, list[DeployEvent]]:
    """Report events until the stack settles after this operation; returns (final status, events).

    The operation counts as over when a stack-level event of it has a settled status (the first
    events may take a moment to appear after ExecuteChangeSet or DeleteStack returns)."""
    seen: set[str] = set()
    events: list[DeployEvent] = []
    quiet_since = time.monotonic()
    while True:
        batch = new_events(cloud, stack_name, since, token, seen, redact)
        for event in batch:
            events.append(event)
            reporter.event(event)
        status = stack_status(cloud, stack_name)
        ended = any(e.type == STACK_TYPE and e.logical_id == stack_name and settled(e.status)
                    and e.status != "REVIEW_IN_PROGRESS" for e in events)
        if status is None or (settled(status) and (ended or time.monotonic() - quiet_since > 60)):
            return status, events
        if batch:
            quiet_since = time.monotonic()
        time.sleep(poll)


def first_failure(events: list[DeployEvent]) -> Failure | None:
    """The resource that made the operation fail: the first failed event that is not a
    cancellation caused by another failure (CloudFormation's own "root cause")."""
    failed = [e for e in events if e.failed]
    for event in failed:
        if event.type != STACK_TYPE and not any(c in event.reason for c in CANCELLED):
            return Failure(event.logical_id, event.type, event.reason)
    if failed:
        return Failure(failed[0].logical_id, failed[0].type, failed[0].reason)
    rolled = [e for e in events if e.type == STACK_TYPE and "ROLLBACK" in e.status and e.reason]
    if rolled:
        return Failure(None, None, rolled[0].reason)
    return None


def emulated_events(changes: list[dict], not_created: dict[str, str], when: datetime | None = None) -> list[DeployEvent]:
    """What the emulator did, one event per changed resource (it records no resource events)."""
    when = when or datetime.now(timezone.utc)
    status = {"Add": "CREATE_COMPLETE", "Modify": "UPDATE_COMPLETE", "Remove": "DELETE_COMPLETE"}
    out = []
    for change in changes:
        kind = change.get("ResourceType", "")
        skipped = kind in not_created and change.get("Action") != "Remove"
        out.append(DeployEvent(when, change.get("LogicalResourceId", ""), kind,
                               "NOT_CREATED" if skipped else status.get(change.get("Action"), "UPDATE_COMPLETE"),
                               not_created[kind] if skipped else "", source="emulator"))
    return out
