"""Deploying stacks: package, compile, change set, confirm, execute, follow, record.

The functions here are what ``stack.deploy(env)`` and friends call; each takes the stack and an
Environment (or an environment name, resolved beside the stack file)::

    deployment = stack.deploy("dev")            # preview + Confirm button (notebook) / prompt (terminal);
                                                # production environments ask for the stack name
    deploy(stack, "dev", confirm=callback, reporter=progress)  # your own question and progress drawing
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
from stackerynb.deploy.confirm import Confirmation
from stackerynb.deploy.deployment import Deployment
from stackerynb.deploy.packaging import write_starter
from stackerynb.deploy.progress import DeployEvent, NullReporter, ProgressReporter, TqdmReporter, default_reporter
from stackerynb.deploy.state import StackStatus

__all__ = ["deploy", "prepare", "deployments", "deployed", "status", "destroy", "write_starter",
           "Deployment", "Confirmation", "StackStatus", "ProgressReporter", "TqdmReporter", "NullReporter", "DeployEvent"]


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
           confirm: Confirmation | None = None, quiet: bool = False, template=None,
           **compile_options) -> Deployment:
    """Prepare, ask, execute and follow; returns the Deployment.

    ``yes=True`` executes without asking, holding the project's deploy lock from preparing to the
    end (a second process deploying the same stack waits, then prepares against the result).
    Otherwise ``confirm(deployment, environment)`` decides (see ``confirm.Confirmation``; default:
    the change set is printed and a terminal asks; where nobody can be asked the deploy is
    refused before anything is done). ``reporter`` draws the progress (default: a tqdm bar)."""
    from stackerynb.deploy import engine
    environment = _environment(stack, environment)
    if not yes and confirm is None:
        confirm = _confirm.terminal(f"deploying {stack.name} to {environment.name}")
    reporter = reporter or default_reporter(quiet)
    deployment = engine.prepare(stack, environment, reporter=reporter, quiet=quiet, template=template,
                                then_execute=yes, **compile_options)
    if yes or deployment.status != "prepared":
        return deployment
    return _decide(deployment, confirm(deployment, environment), reporter, quiet)


def _decide(deployment: Deployment, answer: bool | None, reporter, quiet: bool) -> Deployment:
    if answer is None:
        return deployment  # the confirmation took it over
    if answer:
        return deployment.execute(reporter=reporter, quiet=quiet)
    return deployment.cancel()


def destroy(stack, environment="dev", *, yes: bool = False, reporter: ProgressReporter | None = None,
            confirm: Confirmation | None = None, quiet: bool = False) -> Deployment:
    """Tear the stack down in ``environment`` after an explicit confirmation (``yes=True``, or
    ``confirm(teardown, environment)``; default: typing the stack name in a terminal)."""
    from stackerynb.deploy import engine
    environment = _environment(stack, environment)
    if not yes and confirm is None:
        confirm = _confirm.terminal(f"destroying {stack.name} in {environment.name}")
    teardown = engine.prepare_destroy(stack, environment)
    if teardown.status != "prepared":
        return teardown
    if yes:
        return teardown.execute(reporter=reporter, quiet=quiet)
    return _decide(teardown, confirm(teardown, environment), reporter, quiet)


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
