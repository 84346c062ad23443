"""Deploying stacks: package, compile, change set, confirm, execute, follow, record.

The functions here are what ``stack.deploy(env)`` and friends call; each takes the stack and an
Environment (or an environment name, resolved beside the stack file)::

    deployment = stack.deploy("dev")            # preview + Confirm button (notebook) / prompt (terminal);
                                                # production environments ask for the stack name
    deployment = stack.deploy("dev", yes=True)  # no question; returns the finished Deployment
    prepared = stack.prepare("dev")             # change set only; prepared.execute() later
    stack.deployments("dev")                    # history DataFrame (current and previous)
    stack.deployed("dev")                       # the Stack as deployed
    stack.status("dev")                         # where it stands (e.g. after an interrupt)
    stack.destroy("dev")                        # teardown after an explicit confirmation

``target: local`` environments deploy to the embedded emulator (see ``local``); anything the
emulator does not really create is listed in the result.
"""
from __future__ import annotations

from stackerynb.deploy import confirm as _confirm
from stackerynb.deploy.deployment import Deployment
from stackerynb.deploy.packaging import write_starter
from stackerynb.deploy.progress import DeployEvent, NullReporter, ProgressReporter, TqdmReporter
from stackerynb.deploy.state import StackStatus

__all__ = ["deploy", "prepare", "deployments", "deployed", "status", "destroy", "write_starter",
           "Deployment", "StackStatus", "ProgressReporter", "TqdmReporter", "NullReporter", "DeployEvent"]


def _environment(stack, environment):
    from stackerynb.model.environments import resolve_environment
    return resolve_environment(environment, stack.folder)


def prepare(stack, environment="dev", *, reporter: ProgressReporter | None = None, quiet: bool = False,
            template=None, **compile_options) -> Deployment:
    """Package, compile and create the change set without executing it (Stackery's "prepare
    deployment"). The result is ``prepared`` (run it with ``.execute()``, drop it with
    ``.cancel()``) or ``no changes``."""
    from stackerynb.deploy import engine
    return engine.prepare(stack, _environment(stack, environment), reporter=reporter, quiet=quiet,
                          template=template, **compile_options)


def deploy(stack, environment="dev", *, yes: bool = False, reporter: ProgressReporter | None = None,
           quiet: bool = False, template=None, **compile_options) -> Deployment:
    """Prepare, show the change set, ask, execute and follow; returns the Deployment.

    ``yes=True`` executes without asking. Otherwise a notebook shows the preview with Confirm and
    Cancel buttons (execution runs on click, with live progress in the same panel; the returned
    Deployment follows along), and a terminal asks on stdin. Where nobody can be asked, the
    deploy is refused before anything is done."""
    environment = _environment(stack, environment)
    how = _confirm.mode(yes, f"deploying {stack.name} to {environment.name}")
    if how == _confirm.NOTEBOOK:
        panel = _confirm.notebook_panel(danger=environment.production)
        try:
            deployment = prepare(stack, environment, reporter=reporter or panel.progress, quiet=quiet,
                                 template=template, **compile_options)
        except Exception as exc:
            panel.fail(exc)
            raise
        _confirm.attach(deployment, panel)
        return deployment
    from stackerynb.deploy.progress import default_reporter
    reporter = reporter or default_reporter(quiet)  # one bar for preparing and executing
    deployment = prepare(stack, environment, reporter=reporter, quiet=quiet, template=template, **compile_options)
    if deployment.status != "prepared":
        return deployment
    if how == _confirm.YES:
        return deployment.execute(reporter=reporter, quiet=quiet)
    print(repr(deployment))
    if _confirm.ask_to_execute(deployment, environment):
        return deployment.execute(reporter=reporter, quiet=quiet)
    return deployment.cancel()


def destroy(stack, environment="dev", *, yes: bool = False, reporter: ProgressReporter | None = None,
            quiet: bool = False) -> Deployment:
    """Tear the stack down in ``environment`` after an explicit confirmation (``yes=True``, the
    notebook's Destroy button, or typing the stack name in a terminal)."""
    from stackerynb.deploy import engine
    environment = _environment(stack, environment)
    how = _confirm.mode(yes, f"destroying {stack.name} in {environment.name}")
    teardown = engine.prepare_destroy(stack, environment)
    if teardown.status != "prepared":
        return teardown
    if how == _confirm.YES:
        return teardown.execute(reporter=reporter, quiet=quiet)
    if how == _confirm.NOTEBOOK:
        _confirm.attach(teardown, _confirm.notebook_panel(danger=True))
        return teardown
    print(repr(teardown))
    if _confirm.ask_typed(f"This deletes every resource of {teardown.stack_name} ({environment.name}).",
                          teardown.stack_name):
        return teardown.execute(reporter=reporter, quiet=quiet)
    return teardown.cancel()


def deployments(stack, environment="dev"):
    """Current and previous deployments of the stack to ``environment`` as a DataFrame."""
    from stackerynb.deploy import state
    return state.deployments(stack, _environment(stack, environment))


def deployed(stack, environment="dev", deployment: str | None = None):
    """The Stack as it is deployed in ``environment`` (or as an earlier ``deployment`` id had it)."""
    from stackerynb.deploy import state
    return state.deployed(stack, _environment(stack, environment), deployment)


def status(stack, environment="dev") -> StackStatus:
    """Where the stack stands in ``environment``."""
    from stackerynb.deploy import state
    return state.status(stack, _environment(stack, environment))
