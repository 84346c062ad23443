"""The local target: one AWS emulator (moto's server) on 127.0.0.1 per project, shared by every
kernel and command of the project and outliving them.

``target: local`` environments (and every environment when there is no ``environments.yaml``)
deploy here, so notebooks and the command line work without an AWS account. The emulator is a
background process started on first use (or by ``stackerynb local start``); its pid, port and
log live in ``<project>/.stackerynb/emulator/`` (the project is the git work tree holding the
stack, see ``stackerynb.deploy.project``). ``stackerynb local stop`` stops it.

Its state survives a restart as far as moto allows: the emulator records every request it
serves (moto's recorder) after seeding moto's random ids, and a restarted emulator replays the
recording, so stacks, functions, tables, deployment history and ids come back as they were.
``stackerynb local stop --reset`` forgets the saved state. An emulator that has served no request
for an hour stops by itself (``STACKERYNB_LOCAL_IDLE_MINUTES``; 0: never); the next use starts it
again with its state.

``STACKERYNB_LOCAL_ENDPOINT=http://127.0.0.1:5000`` points the local target at an emulator that
is already running instead (a ``moto_server`` of your own, or a test's).

The dummy credentials exist only on the boto3 session made here; the user's own environment
variables and AWS profiles are neither read nor changed.
"""
from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from dataclasses import dataclass
from pathlib import Path

from stackerynb.errors import StackError

ENDPOINT_VARIABLE = "STACKERYNB_LOCAL_ENDPOINT"
ACCESS_KEY = "stackerynb-local"  # any value works: the emulator does not check signatures
SECRET_KEY = "stackerynb-local"
INFO_FILE, LOG_FILE, RECORDING_FILE = "emulator.json", "emulator.log", "recording.jsonl"
IDLE_VARIABLE, DEFAULT_IDLE_MINUTES = "STACKERYNB_LOCAL_IDLE_MINUTES", 60.0
START_SECONDS = 120.0  # replaying a long recording takes a while on a busy machine

_lock = threading.Lock()


@dataclass(frozen=True)
class Emulator:
    """A running emulator of a project: its process id, URL and state folder."""

    pid: int
    endpoint: str
    folder: Path
    started: str = ""
    restored: int = 0  # requests replayed from the saved state when it started

    def lines(self) -> list[str]:
        return [f"local emulator of {self.folder.parent.parent}: running at {self.endpoint} (process {self.pid}, "
                f"since {self.started})" + (f", restored {self.restored} saved requests" if self.restored else "")]

    def __repr__(self) -> str:
        return "\n".join(self.lines())


def folder_of(project=None) -> Path:
    """``<project>/.stackerynb/emulator``."""
    from stackerynb.deploy.project import state_folder
    return state_folder(project, "emulator")


def _answers(endpoint: str, timeout: float = 2.0) -> bool:
    host, port = endpoint.rsplit("//", 1)[1].split(":")
    try:
        with socket.create_connection((host, int(port)), timeout=timeout):
            return True
    except OSError:
        return False


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    try:  # a zombie (exited, not yet reaped by a parent in this process) is not alive
        with open(f"/proc/{pid}/stat") as stat:
            return stat.read().split(")")[-1].split()[0] != "Z"
    except OSError:
        return True


def find(project=None) -> Emulator | None:
    """The project's running emulator, or None (a stale pid file is removed)."""
    folder = folder_of(project)
    info_path = folder / INFO_FILE
    try:
        info = json.loads(info_path.read_text())
    except (OSError, ValueError):
        return None
    running = Emulator(int(info["pid"]), info["endpoint"], folder, info.get("started", ""), info.get("restored", 0))
    if _alive(running.pid) and _answers(running.endpoint):
        return running
    if not _alive(running.pid):
        info_path.unlink(missing_ok=True)
    return None


def start(project=None, wait: float = START_SECONDS) -> Emulator:
    """The project's emulator, started in the background when it is not running."""
    with _lock:
        running = find(project)
        if running is not None:
            return running
        folder = folder_of(project)
        from stackerynb.deploy.project import stack_lock
        with stack_lock(project, "emulator-start", "starting the local emulator"):
            running = find(project)  # another process may have started it meanwhile
            if running is not None:
                return running
            with open(folder / LOG_FILE, "ab") as log:
                process = subprocess.Popen(
                    [sys.executable, "-c", "import sys; from stackerynb.deploy.local import serve; serve(sys.argv[1])",
                     str(folder)], stdin=subprocess.DEVNULL,
                    stdout=log, stderr=log, start_new_session=True, close_fds=True, cwd=str(folder))
            deadline = time.monotonic() + wait
            while time.monotonic() < deadline:
                running = find(project)
                if running is not None and running.pid == process.pid:
                    return running
                if process.poll() is not None:
                    raise StackError(f"the local emulator did not start (exit status {process.returncode}); "
                                     f"see {folder / LOG_FILE}")
                time.sleep(0.05)
            process.terminate()
            raise StackError(f"the local emulator did not start within {wait:.0f} s; see {folder / LOG_FILE}")


def stop(project=None, reset: bool = False, wait: float = 30.0) -> Emulator | None:
    """Stop the project's emulator (its state is kept for the next start unless ``reset``);
    returns what was stopped, or None when none was running."""
    with _lock:
        folder = folder_of(project)
        running = find(project)
        if running is not None:
            os.kill(running.pid, signal.SIGTERM)
            deadline = time.monotonic() + wait
            while _alive(running.pid):
                if time.monotonic() > deadline:
                    os.kill(running.pid, signal.SIGKILL)
                    break
                time.sleep(0.05)
            (folder / INFO_FILE).unlink(missing_ok=True)
        if reset:
            (folder / RECORDING_FILE).unlink(missing_ok=True)
        return running


def endpoint(project=None) -> str:
    """The emulator's URL: STACKERYNB_LOCAL_ENDPOINT when set, else the project's emulator,
    started when it is not running."""
    given = os.environ.get(ENDPOINT_VARIABLE)
    if given:
        return given.rstrip("/")
    return start(project).endpoint


def serve(folder) -> None:
    """Run the emulator in this process until SIGTERM (the process ``start`` makes): replay the
    saved recording, keep recording, publish pid and port in ``folder/emulator.json``."""
    folder = Path(folder)
    recording = folder / RECORDING_FILE
    os.environ["MOTO_RECORDER_FILEPATH"] = str(recording)
    os.environ.pop("MOTO_ENABLE_RECORDING", None)
    _quiet_emulator_logs()
    import requests
    from moto.moto_api import recorder
    from moto.server import ThreadedMotoServer

    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    url = f"http://{host}:{port}"
    restored = 0
    if recording.exists() and recording.stat().st_size:
        restored = sum(1 for _ in recording.open())
        recorder.replay_recording(target_host=url)  # not recorded again
    else:
        recording.write_text("")
        recorder.start_recording()
        # Seeded ids make a replay give every resource, change set and event the same id again.
        requests.post(f"{url}/moto-api/seed?a={int.from_bytes(os.urandom(4), 'big')}", timeout=30)
    recorder.start_recording()
    info = {"pid": os.getpid(), "endpoint": url, "started": time.strftime("%Y-%m-%d %H:%M:%S"),
            "restored": restored}
    temporary = folder / f".{INFO_FILE}.{os.getpid()}.tmp"
    temporary.write_text(json.dumps(info))
    os.replace(temporary, folder / INFO_FILE)
    threading.Thread(target=_warm_up, daemon=True).start()
    stopped = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stopped.set())
    signal.signal(signal.SIGINT, lambda *_: stopped.set())
    idle, began = idle_seconds(), time.time()
    while not stopped.wait(min(idle, 30.0) if idle else None):
        # Every request served is appended to the recording: its age is the time since the last one.
        if time.time() - max(recording.stat().st_mtime, began) > idle:
            break
    server.stop()
    try:
        if json.loads((folder / INFO_FILE).read_text()).get("pid") == os.getpid():
            (folder / INFO_FILE).unlink()
    except (OSError, ValueError):
        pass


def idle_seconds() -> float:
    """How long the emulator waits without a request before it stops (its state is kept for
    the next start): ``STACKERYNB_LOCAL_IDLE_MINUTES``, default 60; 0 means never."""
    try:
        minutes = float(os.environ.get(IDLE_VARIABLE, DEFAULT_IDLE_MINUTES))
    except ValueError:
        minutes = DEFAULT_IDLE_MINUTES
    return max(minutes, 0.0) * 60


def session(region: str):
    """A boto3 Session for the emulator: dummy credentials, the environment's region, and
    isolated from the user's AWS profile settings."""
    import boto3
    import botocore.session

    # No profile, config or credentials file: an AWS_PROFILE the user exported must not matter here.
    # (A path that never exists, rather than /dev/null: a machine where something replaced
    # /dev/null by a file must not break the local target.)
    nowhere = str(Path(__file__).with_name("no-aws-config-here"))
    core = botocore.session.Session(session_vars={
        "profile": (None, None, None, None),
        "config_file": (None, None, nowhere, None),
        "credentials_file": (None, None, nowhere, None),
    })
    return boto3.Session(aws_access_key_id=ACCESS_KEY, aws_secret_access_key=SECRET_KEY,
                         region_name=region, botocore_session=core)


def _warm_up() -> None:
    try:
        import moto.cloudformation.parsing  # noqa: F401 - imports every service CloudFormation can create
    except Exception:  # noqa: BLE001 - the first request imports it again and reports any error
        pass


def _quiet_emulator_logs() -> None:
    """Keep the emulator's request log and moto's "not supported" notes out of notebook output.

    The kit reports what the emulator skipped itself (see stackerynb/catalog/emulator.yaml).
    Loggers the user configured are left alone."""
    import logging
    import warnings
    for name in ("werkzeug", "moto"):
        logger = logging.getLogger(name)
        if logger.level == logging.NOTSET:
            logger.setLevel(logging.ERROR)
    warnings.filterwarnings("ignore", module=r"moto(\..*)?$")

