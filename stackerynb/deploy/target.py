"""Where a deployment goes: a boto3 session, clients and account for one Environment.

``connect(env)`` refuses clearly, before anything is created, when the region is not an AWS
region, the AWS profile does not exist, there are no credentials, the credentials are
rejected, or they belong to another account than the environment names.
"""
from __future__ import annotations

import functools
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from stackerynb.deploy import local
from stackerynb.errors import StackError
from stackerynb.model.environments import Environment

PARTITIONS = ("aws", "aws-cn", "aws-us-gov")
# Clients of the emulator are made once per process: creating one costs more than a request.
# (AWS clients are made per connect, so changed credentials or profiles are picked up.)
_local_clients: dict[tuple, object] = {}
# The emulator's account, asked once per process and endpoint (it cannot change while it runs;
# AWS credentials are checked on every connect, as a profile's may have).
_local_accounts: dict[tuple, str] = {}
# The emulator's boto3 session per region, made when a first client is (a session costs ~30 ms,
# more than a request to the emulator; sessions are not thread-safe, so it is only used under the lock).
_local_sessions: dict[str, object] = {}
_local_lock = threading.Lock()  # guards the three caches above and every Cloud's client creation


@dataclass
class Cloud:
    """A connected target: session, endpoint (the emulator's URL, None for AWS) and account."""

    environment: Environment
    session: Any  # None for the emulator: its shared session is made with the first client
    endpoint: str | None
    account: str
    _clients: dict = field(default_factory=dict, repr=False)

    @property
    def is_local(self) -> bool:
        return self.endpoint is not None

    @property
    def region(self) -> str:
        return self.environment.region

    @property
    def where(self) -> str:
        """``local emulator, us-east-1`` or ``AWS account 1234..., eu-west-1`` for messages."""
        if self.is_local:
            return f"local emulator, {self.region}"
        return f"AWS account {self.account}, {self.region}"

    def client(self, service: str):
        """A boto3 client for ``service``, made once per Cloud (once per process for the emulator).
        Safe to call from several threads (a deploy reads and uploads beside its packaging)."""
        client = self._clients.get(service)
        if client is not None:
            return client
        with _local_lock:
            if service not in self._clients:
                if self.is_local:
                    key = (self.endpoint, self.region, service)
                    if key not in _local_clients:
                        _local_clients[key] = self._new_client(service)
                    self._clients[service] = _local_clients[key]
                else:
                    self._clients[service] = self._new_client(service)
            return self._clients[service]

    def _new_client(self, service: str):
        """A new client (called with ``_local_lock`` held)."""
        from botocore.config import Config

        from stackerynb import __version__
        # One attempt on the emulator: a retried ExecuteChangeSet must never run twice.
        retries = {"total_max_attempts": 1} if self.is_local else {"mode": "standard", "max_attempts": 6}
        config = Config(retries=retries, connect_timeout=5, read_timeout=60,
                        user_agent_extra=f"stackerynb/{__version__}")
        session = self.session
        if session is None:
            session = _local_sessions.get(self.region)
            if session is None:
                session = _local_sessions[self.region] = local.session(self.region)
        return session.client(service, endpoint_url=self.endpoint, config=config)


def stack_name(stack_or_name, environment: Environment) -> str:
    """The CloudFormation stack name for a design in an environment: ``<stack>-<env>``."""
    name = stack_or_name if isinstance(stack_or_name, str) else stack_or_name.name
    return f"{name}-{environment.name}"


@functools.lru_cache(maxsize=None)
def known_regions() -> frozenset[str]:
    """Every region of the commercial, China and GovCloud partitions (no network).

    Read from botocore's small ``partitions.json`` (well under a millisecond) rather than from a
    session's endpoint data (~0.3 s with the boto3 import, on every deploy)."""
    import json
    from importlib.util import find_spec

    package = find_spec("botocore")  # located, not imported
    path = Path(package.submodule_search_locations[0]) / "data" / "partitions.json"
    data = json.loads(path.read_text(encoding="utf-8"))
    return frozenset(region for partition in data["partitions"] if partition["id"] in PARTITIONS
                     for region in partition["regions"] if not region.endswith("-global"))  # aws-global: no region


def check_region(environment: Environment) -> None:
    """Refuse a region that does not exist (a typo deploys nowhere, so stop before doing anything)."""
    regions = known_regions()
    if environment.region not in regions:
        from stackerynb.model.rules import suggest
        raise StackError(f"environment {environment.name}: region {environment.region!r} is not an AWS region"
                         f"{suggest(environment.region, sorted(regions))}; nothing was changed")


def connect(environment: Environment, project=None) -> Cloud:
    """Open the environment's target, checking region, credentials and account first.

    ``project`` is a folder of the project (the stack's folder): a local target uses the
    project's emulator, started when it is not running."""
    check_region(environment)
    if environment.is_local:
        cloud = Cloud(environment, None, local.endpoint(project), account="")
    else:
        cloud = Cloud(environment, _aws_session(environment), None, account="")
    if cloud.is_local:
        key = (cloud.endpoint, cloud.region)
        if key not in _local_accounts:
            _local_accounts[key] = _account(cloud)
        cloud.account = _local_accounts[key]
    else:
        cloud.account = _account(cloud)
    if environment.account and cloud.account != environment.account and not cloud.is_local:
        raise StackError(f"environment {environment.name} is AWS account {environment.account}, but the "
                         f"credentials{_profile_note(environment)} are for account {cloud.account}; nothing was changed")
    return cloud


def _profile_note(environment: Environment) -> str:
    return f" of profile {environment.profile!r}" if environment.profile else ""


def _aws_session(environment: Environment):
    import boto3
    from botocore.exceptions import BotoCoreError, ProfileNotFound

    try:
        session = boto3.Session(profile_name=environment.profile, region_name=environment.region)
        credentials = session.get_credentials()
    except ProfileNotFound:
        raise StackError(f"environment {environment.name}: AWS profile {environment.profile!r} does not exist "
                         "(see ~/.aws/config); nothing was changed") from None
    except BotoCoreError as exc:
        raise StackError(f"environment {environment.name}: cannot read AWS credentials{_profile_note(environment)}: "
                         f"{exc}; nothing was changed") from None
    if credentials is None:
        raise StackError(f"environment {environment.name}: no AWS credentials found{_profile_note(environment)}. "
                         "Run `aws configure` or `aws sso login`, or set a profile in environments.yaml; "
                         "nothing was changed")
    return session


def _account(cloud: Cloud) -> str:
    from botocore.exceptions import BotoCoreError, ClientError

    try:
        return cloud.client("sts").get_caller_identity()["Account"]
    except ClientError as exc:
        code = exc.response.get("Error", {}).get("Code", "")
        raise StackError(f"environment {cloud.environment.name}: AWS refused the credentials"
                         f"{_profile_note(cloud.environment)} ({code}: {exc.response['Error'].get('Message', '')}); "
                         "nothing was changed") from None
    except BotoCoreError as exc:
        raise StackError(f"environment {cloud.environment.name}: cannot reach AWS STS in {cloud.region} ({exc}); "
                         "nothing was changed") from None


def aws_error(exc: Exception, doing: str) -> StackError:
    """A StackError for a failed AWS call: what we were doing and what AWS said (no credentials)."""
    from botocore.exceptions import ClientError
    if isinstance(exc, ClientError):
        error = exc.response.get("Error", {})
        out = StackError(f"{doing} failed: {error.get('Code', 'error')}: {error.get('Message', '')}".rstrip(": "))
    else:
        out = StackError(f"{doing} failed: {emulator_message(exc) or exc}")
    out.original = exc  # what the call raised (e.g. the emulator being gone), for callers that must tell
    return out


def emulator_message(exc: Exception) -> str | None:
    """The message inside an emulator error botocore could not parse (moto answers some
    CloudFormation failures with a JSON or HTML body where XML is expected)."""
    import json
    import re

    text = str(exc)
    match = re.search(r"b'(\{.*\})'", text, re.S)
    if match:
        try:
            body = json.loads(match.group(1).encode().decode("unicode_escape"))
            message = body.get("message") or body.get("Message")
            kind = body.get("__type", "").rsplit("#", 1)[-1]
            if message:
                return f"{kind}: {message}" if kind else message
        except (ValueError, AttributeError):
            pass
    if "Internal Server Error" in text or "500" in text and "<html" in text.lower():
        return "the emulator failed with an internal error (moto could not create it from these properties)"
    return None
