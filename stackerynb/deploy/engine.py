"""The deployment engine: prepare (package, compile, change set), execute, cancel, destroy.

Order of work in ``prepare``, chosen so that every refusal happens before anything changes:
connect (region, credentials, account) -> package (zip, hash) and compile, while the stack's
state (busy, stuck, what runs now) and the artifacts bucket are looked up beside them -> refuse
a busy or stuck stack, then a design that does not compile -> "no changes"? -> create the
artifacts bucket if absent -> change set, while the new code is sent beside it -> record. The
change set is executed only once every package is stored; a package that cannot be stored drops
the change set, so nothing changed.
"""
from __future__ import annotations

import getpass
import threading
import time
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import contextmanager
from datetime import datetime, timezone

from stackerynb.deploy import changeset, emulator, history, packaging, template as tmpl, watch
from stackerynb.deploy.artifacts import Artifacts
from stackerynb.deploy.deployment import Deployment
from stackerynb.deploy.progress import DeployEvent, ProgressReporter, default_reporter
from stackerynb.deploy.redact import Redactor, secret_values
from stackerynb.deploy.target import Cloud, aws_error, connect, stack_name
from stackerynb.errors import StackError

DEPLOYED = ("CREATE_COMPLETE", "UPDATE_COMPLETE", "UPDATE_ROLLBACK_COMPLETE", "IMPORT_COMPLETE",
            "IMPORT_ROLLBACK_COMPLETE")
PLACEHOLDER = ("REVIEW_IN_PROGRESS", "ROLLBACK_COMPLETE")  # hold no resources; removed before a first deploy
STUCK = ("CREATE_FAILED", "ROLLBACK_FAILED", "DELETE_FAILED", "UPDATE_FAILED", "UPDATE_ROLLBACK_FAILED",
         "IMPORT_ROLLBACK_FAILED")
SUCCESS = ("CREATE_COMPLETE", "UPDATE_COMPLETE")


class Plan:
    """What executing a prepared deployment needs. Holds parameter values, so it never prints them."""

    def __init__(self, **values):
        self.__dict__.update(values)

    def __repr__(self) -> str:
        return f"<Plan for {getattr(self, 'cf_stack', '?')}>"


class Phases:
    """Seconds spent per phase (for the result and the benchmark)."""

    def __init__(self):
        self.seconds: dict[str, float] = {}

    @contextmanager
    def __call__(self, name: str):
        start = time.perf_counter()
        try:
            yield
        finally:
            self.seconds[name] = self.seconds.get(name, 0.0) + time.perf_counter() - start


def now() -> datetime:
    return datetime.now(timezone.utc)


def new_id(moment: datetime) -> str:
    """A deployment id: the UTC time to the millisecond, sortable (``20261123-130726-123``)."""
    return moment.strftime("%Y%m%d-%H%M%S-") + f"{moment.microsecond // 1000:03d}"


def poll_seconds(cloud: Cloud) -> float:
    return 0.05 if cloud.is_local else 2.0


# ------------------------------------------------------------------------ checks
_running: set[tuple] = set()  # (endpoint or account, region, stack) executing in this process
_running_lock = threading.Lock()


def _key(cloud: Cloud, cf_stack: str) -> tuple:
    return (cloud.endpoint or cloud.account, cloud.region, cf_stack)


@contextmanager
def _exclusive(cloud: Cloud, cf_stack: str):
    """Hold the stack for this process while executing (the emulator answers before anyone could
    see the stack busy, so CloudFormation's own status cannot serialise two runs here)."""
    key = _key(cloud, cf_stack)
    with _running_lock:
        if key in _running:
            raise StackError(f"{cf_stack} ({cloud.where}) is being deployed or destroyed from this session "
                             "right now; nothing was changed: wait for it to finish")
        _running.add(key)
    try:
        yield
    finally:
        with _running_lock:
            _running.discard(key)


def lock_key(cloud: Cloud, cf_stack: str) -> str:
    """The name of a stack's deploy lock: the stack and where it is deployed."""
    return f"{cf_stack}.{'local' if cloud.is_local else cloud.account}.{cloud.region}"


def hold(folder, cloud: Cloud, cf_stack: str, doing: str, reporter: ProgressReporter | None = None):
    """The project's lock on ``cf_stack`` in this target (see ``project.stack_lock``): a second
    process deploying or destroying the same stack waits for this one, and is told why."""
    from stackerynb.deploy.project import stack_lock
    on_wait = (lambda text: reporter.message(text, "warning")) if reporter is not None else None
    return stack_lock(folder, lock_key(cloud, cf_stack), doing, on_wait)


def refuse_if_running_here(cloud: Cloud, cf_stack: str) -> None:
    if _key(cloud, cf_stack) in _running:
        raise StackError(f"{cf_stack} ({cloud.where}) is being deployed or destroyed from this session "
                         "right now; nothing was changed: wait for it to finish")


def refuse_if_busy(status: str | None, cf_stack: str, cloud: Cloud) -> None:
    """Refuse while another operation runs on the stack (someone else's deploy, a teardown...)."""
    if status is not None and not watch.settled(status):
        raise StackError(f"{cf_stack} ({cloud.where}) is {status}: another deployment or teardown is running. "
                         f"Nothing was changed; wait for it to finish (stack.status({cloud.environment.name!r}) "
                         "tells where it stands) and deploy again")


def refuse_if_stuck(status: str | None, cf_stack: str, cloud: Cloud) -> None:
    if status in STUCK:
        raise StackError(f"{cf_stack} ({cloud.where}) is {status} and needs attention before it can be deployed: "
                         "fix the cause shown by stack.status() in the AWS console (or continue the rollback), "
                         "or destroy the stack. Nothing was changed")


def git_facts(stack) -> dict:
    """sha, branch and dirty flag of what is being deployed (``sha`` is "none" outside git)."""
    from stackerynb.store import gitstore
    try:
        info = gitstore.vcs_info(stack.path, stack)
    except Exception as exc:  # noqa: BLE001 - a broken repository must not block a deploy
        return {"git_sha": "none", "branch": None, "dirty": True, "detail": f"git information unavailable: {exc}"}
    return {"git_sha": info.get("sha") or "none", "branch": info.get("branch"), "dirty": bool(info.get("dirty")),
            "detail": info.get("detail"), "in_git": info.get("sha") is not None}


def compile_template(stack, environment, packages: dict, bucket: str, options: dict) -> dict:
    """The compiled template as a dict, with function code pointing at the packaged objects."""
    from stackerynb.compile import compile_stack
    locations = {node: (bucket, package.key) for node, package in packages.items()}
    return tmpl.template_dict(compile_stack(stack, environment, code_locations=locations, **options))


def deployed_template(cloud: Cloud, cf_stack: str, described: dict | None = None) -> tuple[dict | None, list[dict]]:
    """The template and parameters the stack runs now (None, [] when there is none).
    ``described``: the stack's description when the caller has it (saves a request)."""
    from botocore.exceptions import BotoCoreError, ClientError
    cf = cloud.client("cloudformation")
    try:
        body = cf.get_template(StackName=cf_stack, TemplateStage="Original")["TemplateBody"]
        stacks = [described] if described is not None else cf.describe_stacks(StackName=cf_stack)["Stacks"]
    except ClientError as exc:
        if "does not exist" in exc.response.get("Error", {}).get("Message", ""):
            return None, []
        raise aws_error(exc, f"reading the deployed template of {cf_stack}") from None
    except BotoCoreError as exc:
        raise aws_error(exc, f"reading the deployed template of {cf_stack}") from None
    parameters = [{"ParameterKey": p["ParameterKey"], "ParameterValue": p.get("ParameterValue", "")}
                  for p in (stacks[0].get("Parameters") or [])] if stacks else []
    return tmpl.parse_body(body), parameters


def deployed_template_only(cloud: Cloud, cf_stack: str) -> dict | None:
    """The template the stack runs now (None when there is none), without its parameters."""
    return deployed_template(cloud, cf_stack, described={})[0]


def _strings(value) -> set[str]:
    """Every text value inside a template (to find the code keys it points at)."""
    if isinstance(value, str):
        return {value}
    if isinstance(value, dict):
        return set().union(*map(_strings, value.values())) if value else set()
    if isinstance(value, list):
        return set().union(*map(_strings, value)) if value else set()
    return set()


def _same_parameters(template: dict, given: list[dict], deployed: list[dict], secret: set[str], local: bool) -> bool:
    if secret and not local:
        return False  # AWS masks NoEcho values, so only CloudFormation can tell whether they changed
    now_values = {name: str(spec.get("Default")) for name, spec in template.get("Parameters", {}).items()
                  if isinstance(spec, dict) and "Default" in spec}
    now_values.update({p["ParameterKey"]: p["ParameterValue"] for p in given})
    before = {p["ParameterKey"]: p["ParameterValue"] for p in deployed}
    return now_values == before


def _delete_and_wait(cloud: Cloud, cf_stack: str) -> None:
    cf = cloud.client("cloudformation")
    try:
        cf.delete_stack(StackName=cf_stack)
    except Exception as exc:  # noqa: BLE001
        raise aws_error(exc, f"removing the empty stack {cf_stack}") from None
    deadline = time.monotonic() + 600
    for pause in watch.pauses(poll_seconds(cloud)):
        if watch.stack_status(cloud, cf_stack) in (None, "DELETE_COMPLETE"):
            return
        if time.monotonic() > deadline:
            raise StackError(f"{cf_stack} was not removed within 10 minutes")
        time.sleep(pause)


# ----------------------------------------------------------------------- prepare
def prepare(stack, environment, *, reporter: ProgressReporter | None = None, quiet: bool = False,
            template=None, then_execute: bool = False, **compile_options) -> Deployment:
    """Package, compile and create the change set without executing it.

    Returns a Deployment that is ``prepared`` (``.changes`` previews the change set; run it with
    ``.execute()``) or ``no changes``. ``template`` deploys that template (troposphere Template,
    dict or JSON) instead of compiling the stack; it still carries the stack file and facts.
    ``then_execute=True`` runs a prepared deployment at once, without releasing the deploy lock.
    """
    if template is not None and environment.production:
        raise StackError(f"environment {environment.name} is production: it deploys compiled stacks only "
                         "(governance checks the compiled design), not a template given by hand")
    reporter = reporter or default_reporter(quiet)
    clock = Phases()
    cf_stack = stack_name(stack, environment)
    with clock("connect"):
        cloud = connect(environment, project=stack.folder)
        refuse_if_running_here(cloud, cf_stack)
    with hold(stack.folder, cloud, cf_stack, f"deploying {cf_stack}", reporter):
        deployment = _prepare_held(stack, environment, reporter, clock, cloud, cf_stack, template, compile_options,
                                   then_execute)
        if then_execute and deployment.status == history.PREPARED:
            return execute(deployment, reporter=reporter)
        if deployment.status != history.PREPARED:
            reporter.finish(deployment)  # nothing more will be drawn: clear the phase lines
        return deployment


def _running_now(cloud: Cloud, cf_stack: str) -> tuple[str | None, dict | None, list[dict]]:
    """The stack's status, and the template and parameters it runs when it is deployed (what the
    new design is compared with, and whose code packages need no upload)."""
    described = watch.describe_stack(cloud, cf_stack)
    existing = described["StackStatus"] if described else None
    if existing not in DEPLOYED:  # busy, stuck or absent: no template to read (and busy is refused)
        return existing, None, []
    previous, previous_parameters = deployed_template(cloud, cf_stack, described)
    return existing, previous, previous_parameters


def _refuse_by_state(existing: str | None, cf_stack: str, cloud: Cloud) -> None:
    refuse_if_busy(existing, cf_stack, cloud)
    refuse_if_stuck(existing, cf_stack, cloud)


def _prepare_held(stack, environment, reporter: ProgressReporter, clock: Phases, cloud: Cloud, cf_stack: str,
                  template, compile_options: dict, then_execute: bool = False) -> Deployment:
    artifacts = Artifacts(cloud)
    # Requests wait on the network (or the emulator) while packaging and compiling keep the CPU
    # busy, so the reads run beside them, and the code is sent while CloudFormation computes the
    # change set. Nothing is created or sent before the design has compiled and the stack's state
    # allows the deploy; the change set is executed only after every package is stored.
    with ThreadPoolExecutor(max_workers=2, thread_name_prefix="stackerynb-deploy") as beside:
        running = beside.submit(_running_now, cloud, cf_stack)
        bucket_known = beside.submit(artifacts.look_up)
        try:
            git = git_facts(stack)
            # Package, compile and check parameters before touching the account: a design that
            # cannot compile is refused with nothing created or uploaded.
            with clock("package"):
                reporter.phase("packaging function code")
                packages = {} if template is not None else packaging.package_functions(stack)
            with clock("compile"):
                reporter.phase("compiling")
                compiled = (tmpl.template_dict(template) if template is not None
                            else compile_template(stack, environment, packages, artifacts.bucket, compile_options))
                parameters = tmpl.parameters_for(compiled, environment.parameters, environment.name)
        except StackError:
            _refuse_by_state(running.result()[0], cf_stack, cloud)  # a busy or stuck stack is said first
            raise
        with clock("connect"):
            existing, previous, previous_parameters = running.result()
        _refuse_by_state(existing, cf_stack, cloud)
        if git["dirty"] and git.get("in_git"):
            reporter.message(f"deploying uncommitted edits ({git.get('detail') or 'dirty work tree'}); "
                             "the deployment is recorded as dirty", "warning")

        record = _new_record(stack, environment, cloud, cf_stack, git, packages, compiled)
        facts = {key: record[key] for key in ("id", "git_sha", "branch", "dirty", "user", "started", "kit_version",
                                              "environment")}
        body = tmpl.stamp(compiled, record["stack_file"], facts)
        if cloud.is_local:
            body = emulator.stand_in(body)
        secret = tmpl.secret_parameters(compiled)
        redact = Redactor(secret_values(parameters, secret))
        with clock("connect"):
            bucket_known.result()  # a failed look-up is reported here, before anything changes

        if previous is not None and tmpl.design_of(previous) == tmpl.design_of(body) and _same_parameters(
                compiled, parameters, previous_parameters, secret, cloud.is_local):
            return _no_changes(record, clock, f"{cf_stack} already runs this design: nothing to deploy")

        first = existing not in DEPLOYED
        with clock("package"):
            artifacts.ensure()
        sending = beside.submit(packaging.upload, packages, artifacts,
                                stored=_strings(previous) if previous is not None else ())
        with clock("change set"):
            reporter.phase("creating change set")
            if existing in PLACEHOLDER:
                reporter.message(f"removing {cf_stack} ({existing}): it holds no resources, left by an earlier "
                                 "first deployment that did not complete")
                _delete_and_wait(cloud, cf_stack)
            description = _change_set(cloud, artifacts, record, body, parameters, facts, first, redact)
        with clock("upload"):  # what is left to send once the change set is there
            _code_sent(sending, cloud, cf_stack, description, first)
        record["packages"] = _package_facts(packages)
        if description is None:
            return _no_changes(record, clock, f"CloudFormation found nothing to change in {cf_stack}")

    changes = changeset.resource_changes(description)
    rows = changeset.rows(changes, cloud.is_local, emulator.not_created_types() if cloud.is_local else {})
    record.update(change_set_id=description["ChangeSetId"], changes=rows,
                  created=sum(r["action"] == "Add" for r in rows), changed=sum(r["action"] == "Modify" for r in rows),
                  deleted=sum(r["action"] == "Remove" for r in rows), phases=clock.seconds)
    if not (then_execute and cloud.is_local):  # executed at once on the project's emulator: the
        history.save(artifacts, record)         # "in progress" record is the next thing written
    plan = Plan(cloud=cloud, artifacts=artifacts, cf_stack=cf_stack, change_set_id=description["ChangeSetId"],
                folder=stack.folder, fresh=then_execute,
                template=body, parameters=parameters, previous=previous, previous_parameters=previous_parameters,
                changes=changes, redact=redact, first=first, has_outputs=bool(compiled.get("Outputs")))
    deployment = Deployment(record, plan)
    deployment.phases = clock.seconds
    return deployment


def _new_record(stack, environment, cloud: Cloud, cf_stack: str, git: dict, packages: dict, compiled: dict) -> dict:
    """The deployment's record: everything shown and stored about it (parameter names, never values)."""
    from stackerynb import __version__
    started = now()
    deployment_id = new_id(started)
    return {
        "id": deployment_id, "kind": "deploy", "stack": stack.name, "cf_stack": cf_stack,
        "environment": environment.name, "target": environment.target, "region": environment.region,
        "where": cloud.where, "status": history.PREPARED, "change_set": f"stackerynb-{deployment_id}",
        "change_set_id": None, "git_sha": git["git_sha"], "branch": git["branch"], "dirty": git["dirty"],
        "dirty_detail": git.get("detail"), "user": _user(), "kit_version": __version__,
        "started": started.isoformat(timespec="seconds"), "finished": None, "duration_s": None,
        "parameters": sorted(compiled.get("Parameters", {})),
        "packages": _package_facts(packages),
        "not_created": emulator.not_created(compiled.get("Resources", {})) if cloud.is_local else [],
        "stack_file": stack.dumps(),
    }


def _package_facts(packages: dict) -> dict:
    return {n: {"source": p.source, "key": p.key, "uploaded": p.uploaded} for n, p in packages.items()}


def _code_sent(sending: Future, cloud: Cloud, cf_stack: str, description: dict | None, first: bool) -> None:
    """Wait for the code packages; when one could not be stored, drop the change set made meanwhile
    (and the empty stack a first change set made) and refuse: nothing was changed."""
    try:
        sending.result()
    except Exception as exc:
        if description is not None:
            changeset.delete(cloud, description["ChangeSetId"])
            if first:
                _delete_and_wait(cloud, cf_stack)
        if isinstance(exc, StackError):
            raise StackError(f"{exc}; nothing was changed") from None
        raise


def _no_changes(record: dict, clock: Phases, message: str) -> Deployment:
    record.update(status=history.NO_CHANGES, changes=[], created=0, changed=0, deleted=0, phases=clock.seconds)
    return Deployment(record, message=message)


def _change_set(cloud: Cloud, artifacts: Artifacts, record: dict, body: dict, parameters: list[dict], facts: dict,
                first: bool, redact: Redactor) -> dict | None:
    """Create the change set and wait for it; None when CloudFormation finds nothing to change."""
    cf_stack = record["cf_stack"]
    text = tmpl.body_text(body)
    url = None
    if len(text.encode("utf-8")) > changeset.INLINE_LIMIT:
        key = f"templates/{cf_stack}/{record['id']}.json"
        artifacts.put(key, text.encode("utf-8"), "application/json")
        url = artifacts.url(key)
    description_text = (f"stackerynb deployment {record['id']} of {record['stack']} "
                        f"(git {record['git_sha'][:12]}{', dirty' if record['dirty'] else ''})")
    try:
        change_set_id = changeset.create(cloud, cf_stack, record["change_set"], None if url else text, url,
                                         parameters, tmpl.tags(facts), first, description_text)
    except StackError as exc:
        raise StackError(redact(str(exc)) + "; nothing was changed") from None
    description = changeset.wait(cloud, change_set_id, poll=poll_seconds(cloud))
    if description["Status"] != "FAILED":
        return description
    changeset.delete(cloud, change_set_id)
    if first:
        _delete_and_wait(cloud, cf_stack)  # the empty stack CloudFormation made for the change set
    if changeset.no_changes(description):
        return None
    raise StackError(f"CloudFormation refused the change set for {cf_stack}: "
                     f"{redact(description.get('StatusReason') or 'no reason given')}; nothing was changed")


def _user() -> str:
    try:
        return getpass.getuser()
    except Exception:  # noqa: BLE001 - no login name in some containers
        return "unknown"


# ----------------------------------------------------------------------- execute
def execute(deployment: Deployment, reporter: ProgressReporter | None = None, quiet: bool = False) -> Deployment:
    """Run a prepared deployment and follow it to the end; records every step."""
    plan = deployment._plan
    reporter = reporter or default_reporter(quiet)
    verb = "destroying" if deployment.kind == "destroy" else "executing"
    with _exclusive(plan.cloud, plan.cf_stack), \
            hold(plan.folder, plan.cloud, plan.cf_stack, f"{verb} deployment {deployment.id} of {plan.cf_stack}", reporter):
        try:
            if deployment.kind == "destroy":
                return _execute_destroy(deployment, reporter)
            return _execute_deploy(deployment, reporter)
        except Exception as exc:
            if plan.cloud.is_local and emulator.unreachable(getattr(exc, "original", exc)):
                raise StackError(f"the local emulator ({plan.cloud.endpoint}) stopped answering while {verb} "
                                 f"deployment {deployment.id} of {plan.cf_stack}: start it again with "
                                 "`stackerynb local start` (it restores its saved state); then "
                                 f"stack.status({deployment.environment!r}) tells where the stack stands") from None
            raise


def _execute_deploy(deployment: Deployment, reporter: ProgressReporter) -> Deployment:
    plan = deployment._plan
    cloud, record = plan.cloud, deployment.record
    if getattr(plan, "fresh", False) and cloud.is_local:
        # Prepared a moment ago under the project's deploy lock, still held, and the emulator is
        # the project's own: nothing else can have changed the stack since it was read.
        status, running = None, plan.previous
    else:
        status = watch.stack_status(cloud, plan.cf_stack)
        refuse_if_busy(status, plan.cf_stack, cloud)
        running = deployed_template(cloud, plan.cf_stack)[0] if status in DEPLOYED else None
    if running != plan.previous:
        # The change set was computed against another template than the one running now: executing
        # it would silently undo what ran in between (CloudFormation applies it to the new base).
        ran = (tmpl.facts_of(running) or {}).get("id") if running is not None else None
        what = (f"deployment {ran} ran" if ran else "it was changed outside this deployment" if running is not None
                else "it was destroyed")
        record.update(status=history.EXPIRED, reason=f"{plan.cf_stack} changed after this change set was prepared "
                                                     f"({what}); its preview no longer says what it would do")
        history.save(plan.artifacts, record)
        changeset.delete(cloud, plan.change_set_id)
        raise StackError(f"deployment {deployment.id} of {plan.cf_stack} was prepared against another version of the "
                         f"stack: {what} since. Nothing was changed: prepare it again to see what it would change now")
    record.update(status=history.IN_PROGRESS, executed=now().isoformat(timespec="seconds"))
    history.save(plan.artifacts, record)
    start, since = time.perf_counter(), now()
    try:
        reporter.phase("executing change set")
        reporter.start(len(plan.changes), f"{plan.cf_stack} -> {deployment.environment}")
        error = _start_execution(cloud, plan, deployment)
        if cloud.is_local:
            succeeded, failure, note = _finish_local(cloud, plan, deployment, reporter, error)
        else:
            final, events = watch.follow(cloud, plan.cf_stack, since, deployment.id, reporter, plan.redact,
                                         poll=poll_seconds(cloud))
            deployment.event_log.extend(events)
            succeeded = final in SUCCESS
            failure = None if succeeded else watch.first_failure(events)
            note = None if succeeded else f"CloudFormation rolled the stack back ({final}); the previous deployment stays current"
        duration = time.perf_counter() - start
        deployment.phases["execute"] = duration
        record.update(status=history.SUCCEEDED if succeeded else history.FAILED,
                      finished=now().isoformat(timespec="seconds"), duration_s=round(duration, 3),
                      phases=deployment.phases)
        if failure is not None:
            record["failure"] = {"logical_id": failure.logical_id, "type": failure.type,
                                 "reason": plan.redact(failure.reason)}
        if note:
            record["reason"] = note
        if succeeded and plan.has_outputs and cloud.is_local:
            # The emulator reports no outputs after a change set (moto 5): the record is stored
            # while they are asked for, and stored again only when some came.
            with ThreadPoolExecutor(max_workers=1, thread_name_prefix="stackerynb-outputs") as beside:
                asking = beside.submit(_outputs, cloud, plan)
                record["outputs"] = {}
                history.save(plan.artifacts, record)
            if _take_outputs(deployment, asking.result(), cloud):
                history.save(plan.artifacts, record)
        else:
            if succeeded and plan.has_outputs:
                _take_outputs(deployment, _outputs(cloud, plan), cloud)
            history.save(plan.artifacts, record)
    except KeyboardInterrupt:
        record.update(status=history.INTERRUPTED,
                      reason="stopped following it (interrupted); CloudFormation carries on without the kit: "
                             f"stack.status({deployment.environment!r}) tells where it stands")
        try:
            history.save(plan.artifacts, record)
        finally:
            reporter.message(record["reason"], "warning")
        raise
    reporter.finish(deployment)
    return deployment


def _start_execution(cloud: Cloud, plan: Plan, deployment: Deployment) -> Exception | None:
    """ExecuteChangeSet. On the emulator the call does the whole work and its error is the
    failure (returned); on AWS a refusal (e.g. someone else's update started) is raised."""
    from botocore.exceptions import BotoCoreError, ClientError
    from botocore.parsers import ResponseParserError
    cf = cloud.client("cloudformation")
    try:
        cf.execute_change_set(ChangeSetName=plan.change_set_id, StackName=plan.cf_stack,
                              ClientRequestToken=deployment.id)
    except (ClientError, BotoCoreError, ResponseParserError) as exc:
        if cloud.is_local:
            return exc  # moto answers some failures with bodies botocore cannot parse
        error = plan.redact(str(aws_error(exc, f"executing change set {deployment.record['change_set']}")))
        deployment.record.update(status=history.PREPARED, reason=error + "; nothing was changed")
        history.save(plan.artifacts, deployment.record)
        raise StackError(error + "; nothing was changed") from None
    return None


def _finish_local(cloud: Cloud, plan: Plan, deployment: Deployment, reporter: ProgressReporter,
                  error: Exception | None):
    not_created = emulator.not_created_types()
    if error is None:
        for event in watch.emulated_events(plan.changes, not_created):
            deployment.event_log.append(event)
            reporter.event(event)
        return True, None, None
    if emulator.unreachable(error):
        raise error
    recovery = emulator.recover(cloud, plan.cf_stack, deployment.id, plan.template, plan.parameters,
                                plan.previous, plan.previous_parameters, plan.changes, error)
    failure = recovery.failure
    action = next((c.get("Action") for c in plan.changes if c.get("LogicalResourceId") == failure.logical_id), None)
    status = "UPDATE_FAILED" if action == "Modify" or (action is None and not plan.first) else "CREATE_FAILED"
    event = DeployEvent(now(), failure.logical_id or plan.cf_stack, failure.type or watch.STACK_TYPE,
                        status, plan.redact(failure.reason), "emulator")
    deployment.event_log.append(event)
    reporter.event(event)
    note = recovery.note
    if plan.previous and recovery.restored:
        note += "; the previous deployment stays current"
    deployment.record["restored"] = recovery.restored
    return False, failure, plan.redact(note)


def _outputs(cloud: Cloud, plan: Plan) -> dict[str, str] | None:
    """The stack's outputs now (redacted), or None when they cannot be read."""
    try:
        stacks = cloud.client("cloudformation").describe_stacks(StackName=plan.cf_stack)["Stacks"]
    except Exception:  # noqa: BLE001 - outputs are a convenience
        return None
    return {o["OutputKey"]: plan.redact(o.get("OutputValue", "")) for o in (stacks[0].get("Outputs") or [])}


def _take_outputs(deployment: Deployment, outputs: dict[str, str] | None, cloud: Cloud) -> bool:
    """Keep ``outputs`` on the deployment and its record; True when there are any."""
    if outputs is None:
        return False
    deployment.outputs = outputs
    deployment.record["outputs"] = outputs  # kept with the record: the studio shows past outputs too
    if not outputs and cloud.is_local:
        deployment.message = "the local emulator does not report stack outputs after a change set"
    return bool(outputs)


def cancel(deployment: Deployment) -> Deployment:
    """Delete a prepared change set (and the empty stack a first change set created)."""
    plan = deployment._plan
    if plan is not None and getattr(plan, "change_set_id", None):
        changeset.delete(plan.cloud, plan.change_set_id)
        if plan.first and watch.stack_status(plan.cloud, plan.cf_stack) == "REVIEW_IN_PROGRESS":
            _delete_and_wait(plan.cloud, plan.cf_stack)
        deployment.record["status"] = history.CANCELLED
        deployment.record["finished"] = now().isoformat(timespec="seconds")
        history.save(plan.artifacts, deployment.record)
    else:
        deployment.record["status"] = history.CANCELLED
    return deployment


# ----------------------------------------------------------------------- destroy
def prepare_destroy(stack, environment) -> Deployment:
    """A teardown of the stack in ``environment``, waiting for ``.execute()``."""
    cloud = connect(environment, project=stack.folder)
    cf_stack = stack_name(stack, environment)
    refuse_if_running_here(cloud, cf_stack)
    status = watch.stack_status(cloud, cf_stack)
    started = now()
    record = {"id": new_id(started), "kind": "destroy", "stack": stack.name, "cf_stack": cf_stack,
              "environment": environment.name, "target": environment.target, "region": environment.region,
              "where": cloud.where, "status": history.PREPARED, "user": _user(),
              "started": started.isoformat(timespec="seconds"), "changes": []}
    if status is None:
        record["status"] = history.NOT_DEPLOYED
        return Deployment(record, message=f"{cf_stack} is not deployed in {environment.name}: nothing to destroy")
    refuse_if_busy(status, cf_stack, cloud)
    from botocore.exceptions import BotoCoreError, ClientError
    try:
        resources = cloud.client("cloudformation").describe_stack_resources(StackName=cf_stack)["StackResources"]
    except (ClientError, BotoCoreError):
        resources = []
    record["changes"] = [{"action": "Remove", "logical_id": r.get("LogicalResourceId") or "?", "type": r.get("ResourceType", ""),
                          "replacement": "", "note": ""} for r in resources if r.get("LogicalResourceId")]
    record["deleted"] = len(record["changes"])
    return Deployment(record, Plan(cloud=cloud, artifacts=Artifacts(cloud), cf_stack=cf_stack, folder=stack.folder,
                                   redact=Redactor(), first=False, changes=[]))


def _execute_destroy(deployment: Deployment, reporter: ProgressReporter) -> Deployment:
    plan, record = deployment._plan, deployment.record
    cloud = plan.cloud
    refuse_if_busy(watch.stack_status(cloud, plan.cf_stack), plan.cf_stack, cloud)
    if plan.artifacts.exists():
        record["status"] = history.IN_PROGRESS
        history.save(plan.artifacts, record)
    start, since = time.perf_counter(), now()
    try:
        reporter.phase(f"destroying {plan.cf_stack}")
        reporter.start(len(record.get("changes", [])), f"destroy {plan.cf_stack}")
        vpcs = emulator.stack_vpcs(cloud, plan.cf_stack) if cloud.is_local else []
        swept: list[str] = []
        try:
            cloud.client("cloudformation").delete_stack(StackName=plan.cf_stack, ClientRequestToken=deployment.id)
        except Exception as exc:  # noqa: BLE001
            if not (vpcs and "DependencyViolation" in emulator.error_reason(exc)):
                raise aws_error(exc, f"deleting {plan.cf_stack}") from None
            swept = emulator.sweep_vpcs(cloud, vpcs)
        if cloud.is_local:
            final = watch.stack_status(cloud, plan.cf_stack)
            for row in record.get("changes", []):
                event = DeployEvent(now(), row["logical_id"], row["type"], "DELETE_COMPLETE", source="emulator")
                deployment.event_log.append(event)
                reporter.event(event)
        else:
            final, events = watch.follow(cloud, plan.cf_stack, since, deployment.id, reporter, plan.redact,
                                         poll=poll_seconds(cloud))
            deployment.event_log.extend(events)
        gone = final in (None, "DELETE_COMPLETE")
        if gone:
            deployment.message = (f"the artifacts bucket {plan.artifacts.bucket} is kept: it holds the function code "
                                  f"and deployment history of environment {deployment.environment}")
            if swept:
                deployment.message += (f"; the emulator left {len(swept)} network pieces behind (network interfaces "
                                       "of NAT gateways and instances, and the VPC they kept alive): the kit removed them")
        record.update(status=history.DESTROYED if gone else history.FAILED,
                      finished=now().isoformat(timespec="seconds"),
                      duration_s=round(time.perf_counter() - start, 3))
        if not gone:
            failure = watch.first_failure(deployment.event_log)
            if failure:
                record["failure"] = {"logical_id": failure.logical_id, "type": failure.type, "reason": failure.reason}
            record["reason"] = f"the stack is {final}"
        if plan.artifacts.exists():
            history.save(plan.artifacts, record)
    except KeyboardInterrupt:
        record.update(status=history.INTERRUPTED, reason="stopped following the teardown (interrupted); "
                      f"stack.status({deployment.environment!r}) tells where it stands")
        if plan.artifacts.exists():
            history.save(plan.artifacts, record)
        reporter.message(record["reason"], "warning")
        raise
    reporter.finish(deployment)
    return deployment
