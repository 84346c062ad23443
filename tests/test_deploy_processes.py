"""The local target across processes: one emulator per project that outlives each command, shared
by every command; two processes deploying the same stack never undo each other silently.

Every command here is a real separate ``python -m stackerynb`` process; the emulator they share
is the project's own background process, stopped (and its saved state removed) at the end."""
from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from stackerynb import Stack

ROOT = Path(__file__).resolve().parents[1]
pytestmark = pytest.mark.filterwarnings("ignore::UserWarning")


@pytest.fixture
def project(tmp_path, monkeypatch):
    """A project folder (a git work tree marker) whose emulator is stopped afterwards."""
    from stackerynb.deploy import local
    monkeypatch.delenv(local.ENDPOINT_VARIABLE, raising=False)
    subprocess.run(["git", "init", "-q", str(tmp_path)], check=True)
    yield tmp_path
    local.stop(tmp_path, reset=True)
    assert local.find(tmp_path) is None


def environ():
    env = {k: v for k, v in os.environ.items() if k != "STACKERYNB_LOCAL_ENDPOINT"}
    env["PYTHONPATH"] = str(ROOT) + os.pathsep + env.get("PYTHONPATH", "")
    env["PYTHONWARNINGS"] = "ignore"
    return env


def cli(project, *args, stdin=None, timeout=300):
    return subprocess.run([sys.executable, "-m", "stackerynb", *map(str, args)], cwd=project, env=environ(),
                          input=stdin, capture_output=True, text=True, timeout=timeout)


def start_cli(project, *args):
    return subprocess.Popen([sys.executable, "-m", "stackerynb", *map(str, args)], cwd=project, env=environ(),
                            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE)


def read_until(stream, text: str, timeout: float = 300) -> str:
    """Bytes from ``stream`` until ``text`` appears (a prompt has no newline to wait for)."""
    seen, deadline = b"", time.monotonic() + timeout
    while text.encode() not in seen:
        chunk = os.read(stream.fileno(), 1)
        if not chunk or time.monotonic() > deadline:
            raise AssertionError(f"{text!r} never came; got {seen.decode(errors='replace')!r}")
        seen += chunk
    return seen.decode()


def design(folder: Path, extra: str) -> Path:
    """The stack ``shop`` with a function and one more node (``extra``), saved in ``folder``."""
    folder.mkdir(parents=True, exist_ok=True)
    stack = Stack("shop")
    stack.add("function", "Fn")
    stack.add("queue" if extra.startswith("Q") else "topic", extra)
    stack.save(folder / "shop.yaml")
    return folder / "shop.yaml"


def test_commands_share_one_emulator_that_outlives_them(project):
    from stackerynb.deploy import local
    path = design(project, "Queue")
    never = design(project / "other", "Topic")

    done = cli(project, "deploy", path, "--yes")
    assert done.returncode == 0, done.stderr
    assert done.stdout.count("shop-dev in dev (local emulator, us-east-1): succeeded") == 1
    assert done.stdout.count("AWS::SQS::Queue") == 1  # the change table once, the summary once
    emulator = local.find(project)
    assert emulator is not None  # still running after the command ended

    status = cli(project, "status", path)
    assert status.returncode == 0 and "shop-dev in dev (local emulator, us-east-1): deployed" in status.stdout
    history = cli(project, "deployments", path)
    assert history.returncode == 0 and "succeeded" in history.stdout and "True" in history.stdout
    shown = cli(project, "local", "status")
    assert shown.returncode == 0 and f"process {emulator.pid}" in shown.stdout

    untouched = cli(project, "deployments", never, "--env", "test")
    assert untouched.returncode == 0 and "Traceback" not in untouched.stderr
    assert "shop has no deployments in test" in untouched.stdout

    gone = cli(project, "destroy", path, "--yes")
    assert gone.returncode == 0 and "destroyed" in gone.stdout, gone.stderr
    assert "not deployed" in cli(project, "status", path).stdout
    assert local.find(project).pid == emulator.pid  # every command used the same emulator

    stopped = cli(project, "local", "stop")
    assert stopped.returncode == 0 and "stopped the local emulator" in stopped.stdout
    assert local.find(project) is None
    assert cli(project, "local", "status").returncode == 3


def test_state_survives_an_emulator_restart(project):
    path = design(project, "Queue")
    assert cli(project, "deploy", path, "--yes").returncode == 0
    assert cli(project, "local", "stop").returncode == 0
    assert cli(project, "local", "start").returncode == 0
    status = cli(project, "status", path)
    assert "deployed" in status.stdout and "not deployed" not in status.stdout, status.stdout + status.stderr
    assert cli(project, "destroy", path, "--yes").returncode == 0


def test_a_change_set_whose_base_moved_is_refused(project):
    """Processes A then B prepare an edit of the same deployed stack and wait at their prompts;
    A confirms first. B's change set was computed against the stack before A's edit:
    executing it would undo A's edit behind a preview that never showed it, so it is refused."""
    first = cli(project, "deploy", design(project / "start", "Queue"), "--yes")
    assert first.returncode == 0, first.stderr
    edit_a = design(project / "kernel-a", "Queue2")  # +Queue2 -Queue
    edit_b = design(project / "kernel-b", "Topic")  # +Topic -Queue
    prompt = "Execute this change set on shop-dev (dev)? [y/N]"
    a = start_cli(project, "deploy", edit_a)
    read_until(a.stdout, prompt)
    b = start_cli(project, "deploy", edit_b)  # prepared after A: a later deployment id than A's
    read_until(b.stdout, prompt)
    out, err = a.communicate(b"y\n", timeout=300)
    assert a.returncode == 0, err.decode()
    out, err = b.communicate(b"y\n", timeout=300)
    assert b.returncode == 1, out.decode() + err.decode()
    assert "prepared against another version of the stack" in err.decode()

    table = Stack.load(edit_a).deployments("dev")
    assert sorted(table["status"]) == ["expired", "succeeded", "succeeded"]
    assert table.loc[table["current"], "changes"].tolist() == ["+1 ~0 -1"]
    assert [n.id for n in Stack.load(edit_a).deployed("dev").nodes] == ["Fn", "Queue2"]  # A's edit stands


def test_a_second_process_waits_for_the_deploy_lock(project):
    """While one process holds the stack's deploy lock, another deploy says whom it waits for and
    finishes only after the lock is released; its preview is computed after the first one ran."""
    from stackerynb.deploy.engine import lock_key
    from stackerynb.deploy.project import stack_lock
    from stackerynb.deploy.target import connect
    path = design(project, "Queue")
    stack = Stack.load(path)
    cloud = connect(stack.environment("dev"), project=project)
    with stack_lock(project, lock_key(cloud, "shop-dev"), "a test holding the lock"):
        waiting = start_cli(project, "deploy", path, "--yes")
        read_until(waiting.stderr, "waiting for a test holding the lock")
        assert waiting.poll() is None
    out, err = waiting.communicate(timeout=300)
    assert waiting.returncode == 0, err.decode()
    assert "succeeded" in out.decode()


def test_an_idle_emulator_stops_by_itself_and_comes_back_with_its_state(project, monkeypatch):
    from stackerynb.deploy import local
    path = design(project, "Queue")
    stack = Stack.load(path)
    assert stack.deploy("dev", yes=True, quiet=True).status == "succeeded"
    local.stop(project)
    monkeypatch.setenv(local.IDLE_VARIABLE, "0.05")  # 3 s without a request
    assert stack.status("dev").state == "deployed"
    first = local.find(project)
    deadline = time.monotonic() + 120
    while local._alive(first.pid):
        assert time.monotonic() < deadline, "the idle emulator did not stop"
        time.sleep(0.2)
    assert local.find(project) is None
    monkeypatch.delenv(local.IDLE_VARIABLE)
    assert stack.status("dev").state == "deployed"  # started again on first use, state replayed
    assert local.find(project).pid != first.pid
