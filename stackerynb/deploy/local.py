"""The local target: an AWS emulator (moto's server) on 127.0.0.1, started once per process.

``target: local`` environments (and every environment when there is no ``environments.yaml``)
deploy here, so notebooks and ``make lab`` work without an AWS account. The emulator starts on
first use on a free port, warms up moto's CloudFormation in the background (importing it costs
about two seconds), lives as long as the kernel and stops at exit.

``STACKERYNB_LOCAL_ENDPOINT=http://127.0.0.1:5000`` points the local target at an emulator that
is already running instead (a ``moto_server`` you keep across kernel restarts, or a test's).

The dummy credentials exist only on the boto3 session made here; the user's own environment
variables and AWS profiles are neither read nor changed.
"""
from __future__ import annotations

import atexit
import logging
import os
import threading
import warnings

ENDPOINT_VARIABLE = "STACKERYNB_LOCAL_ENDPOINT"
ACCESS_KEY = "stackerynb-local"  # any value works: the emulator does not check signatures
SECRET_KEY = "stackerynb-local"

_lock = threading.Lock()
_server = None
_endpoint: str | None = None
_warm: threading.Thread | None = None


def endpoint() -> str:
    """The emulator's URL, starting it on first call (or the URL in STACKERYNB_LOCAL_ENDPOINT)."""
    given = os.environ.get(ENDPOINT_VARIABLE)
    if given:
        return given.rstrip("/")
    global _server, _endpoint, _warm
    with _lock:
        if _endpoint is None:
            _quiet_emulator_logs()
            from moto.server import ThreadedMotoServer

            server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
            server.start()
            host, port = server.get_host_and_port()
            _server, _endpoint = server, f"http://{host}:{port}"
            atexit.register(stop)
            _warm = threading.Thread(target=_warm_up, name="stackerynb-emulator-warm-up", daemon=True)
            _warm.start()
        return _endpoint


def running() -> bool:
    """True when this process started an emulator that is still up."""
    return _endpoint is not None


def wait_until_warm(timeout: float | None = None) -> None:
    """Block until moto's CloudFormation is imported (the first change set is slow otherwise)."""
    if _warm is not None:
        _warm.join(timeout)


def stop() -> None:
    """Stop the emulator this process started (its resources are gone afterwards)."""
    global _server, _endpoint
    with _lock:
        if _server is not None:
            try:
                _server.stop()
            except Exception:  # noqa: BLE001 - best effort at interpreter exit
                pass
        _server, _endpoint = None, None


def session(region: str):
    """A boto3 Session for the emulator: dummy credentials, the environment's region, and
    isolated from the user's AWS profile settings."""
    import boto3
    import botocore.session

    # No profile, config or credentials file: an AWS_PROFILE the user exported must not matter here.
    core = botocore.session.Session(session_vars={
        "profile": (None, None, None, None),
        "config_file": (None, None, os.devnull, None),
        "credentials_file": (None, None, os.devnull, None),
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
    for name in ("werkzeug", "moto"):
        logger = logging.getLogger(name)
        if logger.level == logging.NOTSET:
            logger.setLevel(logging.ERROR)
    warnings.filterwarnings("ignore", module=r"moto(\..*)?$")
