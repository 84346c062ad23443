"""Where a stack stands in an environment: ``stack.status(env)``, history and the deployed design."""
from __future__ import annotations

import html
from dataclasses import dataclass, field

from stackerynb.deploy import engine, history, template as tmpl, watch
from stackerynb.deploy.artifacts import Artifacts
from stackerynb.deploy.target import Cloud, connect, stack_name
from stackerynb.errors import StackError
from stackerynb.tables import no_math


@dataclass
class StackStatus:
    """A stack's state in one environment, from CloudFormation and the deployment records.

    ``state`` sums it up: ``not deployed``, ``deployed``, ``deploying`` (an operation is
    running), ``needs attention`` (a failed state CloudFormation cannot leave by itself).
    ``current`` holds the facts of the deployment the stack runs now; ``last`` the newest
    record (settled from CloudFormation when it was left unfinished)."""

    stack: str
    environment: str
    where: str
    cloudformation_status: str | None
    current: dict | None = None
    last: dict | None = None
    events: list = field(default_factory=list)

    @property
    def state(self) -> str:
        status = self.cloudformation_status
        if status is None or status in engine.PLACEHOLDER:
            return "not deployed"
        if not watch.settled(status):
            return "deploying"
        if status in engine.STUCK:
            return "needs attention"
        return "deployed"

    @property
    def in_progress(self) -> bool:
        return self.state == "deploying"

    def lines(self) -> list[str]:
        out = [f"{self.stack} in {self.environment} ({self.where}): {self.state}"
               + (f" ({self.cloudformation_status})" if self.cloudformation_status else "")]
        if self.current:
            c = self.current
            if c.get("git_sha") in (None, "none"):
                origin = "not from a git commit"
            else:
                origin = (f"from git {str(c['git_sha'])[:12]}{' on ' + c['branch'] if c.get('branch') else ''}"
                          f"{' with uncommitted edits (dirty)' if c.get('dirty') else ''}")
            out.append(f"current deployment: {c.get('id')} {origin}, by {c.get('user')} at {c.get('started')}")
        if self.last and (not self.current or self.last.get("id") != self.current.get("id")
                          or self.last.get("status") != history.SUCCEEDED):
            last = self.last
            line = f"last {last.get('kind', 'deploy')}: {last.get('id')} {last.get('status')}"
            failure = last.get("failure")
            if failure:
                line += f": {failure.get('logical_id') or 'unknown resource'}: {failure.get('reason')}"
            elif last.get("reason"):
                line += f": {last['reason']}"
            out.append(line)
        return out

    def __repr__(self) -> str:
        return "\n".join(self.lines())

    def _repr_html_(self) -> str:
        return no_math("<div class='stackerynb-status'>" + "<br>".join(html.escape(x) for x in self.lines()) + "</div>")


def _open(stack, environment) -> tuple[Cloud, str, Artifacts]:
    cloud = connect(environment, project=stack.folder)
    return cloud, stack_name(stack, environment), Artifacts(cloud)


def _current(cloud: Cloud, cf_stack: str, status: str | None) -> dict | None:
    if status is None or status in engine.PLACEHOLDER:
        return None
    return tmpl.facts_of(engine.deployed_template_only(cloud, cf_stack))


def status(stack, environment) -> StackStatus:
    """Where the stack stands in ``environment`` (works after an interrupted deploy)."""
    cloud, cf_stack, artifacts = _open(stack, environment)
    cf_status = watch.stack_status(cloud, cf_stack)
    current = _current(cloud, cf_stack, cf_status)
    records = history.load(artifacts, cf_stack)  # an absent bucket lists nothing
    last = None
    if records:
        last = history.settle(cloud, artifacts, records[-1], current and current.get("id"), cf_status)
    events = []
    if cf_status is not None:
        try:
            raw = cloud.client("cloudformation").describe_stack_events(StackName=cf_stack)["StackEvents"][:10]
            events = [(e["Timestamp"], e["LogicalResourceId"], e["ResourceStatus"], e.get("ResourceStatusReason") or "")
                      for e in raw]
        except Exception:  # noqa: BLE001 - events are a detail
            pass
    return StackStatus(cf_stack, environment.name, cloud.where, cf_status, current, last, events)


def deployments(stack, environment):
    """Current and previous deployments as a DataFrame (newest first)."""
    found = history_records(stack, environment)
    return history.frame(found.records, found.current_id)


@dataclass
class History:
    """A stack's deployment records in one environment (oldest first, settled from
    CloudFormation), the id of the deployment running now, and the stack's outputs now."""

    records: list
    current_id: str | None
    outputs: dict = field(default_factory=dict)


def history_records(stack, environment) -> History:
    """The records behind ``deployments()``, with the outputs CloudFormation reports now (what
    the studio's Deployments tab shows: commit, branch, time, status, outputs, design)."""
    cloud, cf_stack, artifacts = _open(stack, environment)
    described = watch.describe_stack(cloud, cf_stack)
    cf_status = described["StackStatus"] if described else None
    current = _current(cloud, cf_stack, cf_status)
    current_id = current.get("id") if current else None
    records = history.load(artifacts, cf_stack)  # an absent bucket lists nothing
    records = [history.settle(cloud, artifacts, r, current_id, cf_status) for r in records]
    if current and current_id not in {r["id"] for r in records}:
        # Deployed by the kit but its record is gone (bucket emptied): the template still says what.
        records.append({"id": current_id, "kind": "deploy", "status": history.SUCCEEDED,
                        "git_sha": current.get("git_sha"), "branch": current.get("branch"),
                        "dirty": current.get("dirty"), "user": current.get("user"), "started": current.get("started"),
                        "reason": "from the deployed template (no record kept)"})
        records.sort(key=lambda r: r["id"])
    outputs = {o["OutputKey"]: o.get("OutputValue", "") for o in (described or {}).get("Outputs") or []}
    return History(records, current_id, outputs)


def deployed(stack, environment, deployment: str | None = None):
    """The Stack as it is deployed in ``environment`` (from the template's Metadata), or as it
    was in an earlier ``deployment`` (its id, from the deployment's record)."""
    from stackerynb.model.fileformat import parse_stack
    cloud, cf_stack, artifacts = _open(stack, environment)
    if deployment is not None:
        record = artifacts.get_json(history.key(cf_stack, deployment)) if artifacts.exists() else None
        if not record or not record.get("stack_file"):
            raise StackError(f"no deployment {deployment!r} of {cf_stack} is recorded in {environment.name}")
        return parse_stack(record["stack_file"], filename=f"<{cf_stack} deployment {deployment}>")
    cf_status = watch.stack_status(cloud, cf_stack)
    if cf_status is None or cf_status in engine.PLACEHOLDER:
        raise StackError(f"{cf_stack} is not deployed in {environment.name} ({cloud.where})")
    text = tmpl.stack_file_of(engine.deployed_template_only(cloud, cf_stack))
    if text is None:
        raise StackError(f"{cf_stack} in {environment.name} was not deployed by stackerynb: its template "
                         "carries no stack file")
    return parse_stack(text, filename=f"<{cf_stack} as deployed>")
