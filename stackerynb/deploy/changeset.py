"""Change sets: create one, wait for CloudFormation to compute it, read its changes as a table."""
from __future__ import annotations

import time

from stackerynb.deploy.target import Cloud, aws_error

CAPABILITIES = ["CAPABILITY_IAM", "CAPABILITY_NAMED_IAM", "CAPABILITY_AUTO_EXPAND"]
CHANGE_COLUMNS = ["action", "logical_id", "type", "replacement", "note"]
NO_CHANGES = ("didn't contain changes", "No updates are to be performed", "does not contain changes")
INLINE_LIMIT = 51_200  # bytes CloudFormation accepts as TemplateBody


def create(cloud: Cloud, stack_name: str, name: str, body: str | None, url: str | None, parameters: list[dict],
           tags: list[dict], first: bool, description: str) -> str:
    """Create a change set (``first``: the stack does not exist yet); returns its id."""
    from botocore.exceptions import BotoCoreError, ClientError

    options = {"TemplateBody": body} if url is None else {"TemplateURL": url}
    try:
        answer = cloud.client("cloudformation").create_change_set(
            StackName=stack_name, ChangeSetName=name, ChangeSetType="CREATE" if first else "UPDATE",
            Parameters=parameters, Tags=tags, Capabilities=CAPABILITIES, Description=description[:1024],
            **options)
    except (ClientError, BotoCoreError) as exc:
        raise aws_error(exc, f"creating change set {name} for {stack_name}") from None
    return answer["Id"]


def wait(cloud: Cloud, change_set_id: str, poll: float = 1.0, timeout: float = 900) -> dict:
    """Describe the change set once CloudFormation has computed it (CREATE_COMPLETE or FAILED),
    asking again after pauses that grow to ``poll`` seconds (see ``watch.pauses``)."""
    from stackerynb.deploy.watch import pauses
    deadline = time.monotonic() + timeout
    for pause in pauses(poll):
        description = describe(cloud, change_set_id)
        if description["Status"] not in ("CREATE_PENDING", "CREATE_IN_PROGRESS"):
            return description
        if time.monotonic() > deadline:
            from stackerynb.errors import StackError
            raise StackError(f"change set {description['ChangeSetName']} was not computed within {timeout:.0f} s")
        time.sleep(pause)
    raise AssertionError("unreachable: pauses never ends")


def describe(cloud: Cloud, change_set_id: str) -> dict:
    """The change set with every page of its changes merged."""
    from botocore.exceptions import BotoCoreError, ClientError
    cf = cloud.client("cloudformation")
    try:
        description = cf.describe_change_set(ChangeSetName=change_set_id)
        changes = list(description.get("Changes", []))
        token = description.get("NextToken")
        while token:
            page = cf.describe_change_set(ChangeSetName=change_set_id, NextToken=token)
            changes.extend(page.get("Changes", []))
            token = page.get("NextToken")
    except (ClientError, BotoCoreError) as exc:
        raise aws_error(exc, "reading the change set") from None
    description["Changes"] = changes
    return description


def no_changes(description: dict) -> bool:
    """True for the change set CloudFormation refuses because nothing would change."""
    return description.get("Status") == "FAILED" and any(s in (description.get("StatusReason") or "") for s in NO_CHANGES)


def delete(cloud: Cloud, change_set_id: str) -> None:
    """Delete a change set (quietly: it may already be gone)."""
    try:
        cloud.client("cloudformation").delete_change_set(ChangeSetName=change_set_id)
    except Exception:  # noqa: BLE001 - nothing to clean up
        pass


def resource_changes(description: dict) -> list[dict]:
    """The ResourceChange entries, in CloudFormation's order."""
    return [c["ResourceChange"] for c in description.get("Changes", []) if c.get("Type", "Resource") == "Resource"
            and "ResourceChange" in c]


def rows(changes: list[dict], local: bool, not_created: dict[str, str]) -> list[dict]:
    """Preview rows: action, logical id, type, replacement, and a note (e.g. what the emulator skips)."""
    out = []
    for change in changes:
        action = change.get("Action", "")
        replacement = change.get("Replacement") or ""
        if action == "Modify" and not replacement:
            replacement = "unknown (emulator)" if local else ""
        note = ""
        if local and change.get("ResourceType") in not_created and action != "Remove":
            note = "not created by the emulator: " + not_created[change["ResourceType"]]
        elif change.get("Scope") == ["Tags"]:
            note = "tags only"
        out.append({"action": action, "logical_id": change.get("LogicalResourceId", ""),
                    "type": change.get("ResourceType", ""), "replacement": replacement, "note": note})
    return out
