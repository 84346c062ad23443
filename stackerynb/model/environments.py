"""Environments (dev/test/prod, named by the user): where a stack deploys and with which values.

They live in ``environments.yaml`` next to the stack files::

    dev:
      target: local            # local (embedded AWS emulator, the default) or aws
      region: us-east-1
    prod:
      target: aws
      region: eu-west-1
      profile: prod-admin      # AWS profile; or leave it out to use the default credential chain
      production: true         # governance violations block compiles and deploys
      parameters: {DomainName: example.com}
      config:                  # config_store values per node, overriding the node's defaults
        Settings: {LogLevel: warn}

With no ``environments.yaml`` at all, every environment name means the local target, so a
newcomer's first ``stack.deploy("dev")`` works without an AWS account.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from stackerynb.errors import StackError
from stackerynb.store.files import load_yaml, read_text

FILENAME = "environments.yaml"
ENV_NAME = re.compile(r"[a-z][a-z0-9-]{0,19}")
TARGETS = ("local", "aws")
KEYS = ("target", "region", "profile", "production", "parameters", "config", "account")
REGION = re.compile(r"[a-z]{2}(-gov|-iso[a-z]*)?-[a-z]+-\d")


@dataclass(frozen=True)
class Environment:
    """One deployment environment. ``target`` is ``local`` (the embedded emulator) or ``aws``."""

    name: str
    target: str = "local"
    region: str = "us-east-1"
    profile: str | None = None
    production: bool = False
    parameters: dict[str, Any] = field(default_factory=dict)
    config: dict[str, dict[str, Any]] = field(default_factory=dict)
    account: str | None = None

    @property
    def is_local(self) -> bool:
        """True when deploys go to the embedded emulator."""
        return self.target == "local"


def _check_name(name) -> None:
    if not isinstance(name, str) or not ENV_NAME.fullmatch(name):
        raise StackError(f"environment name {name!r} must be lower case letters, digits and dashes, "
                         "starting with a letter, at most 20 characters (it becomes part of AWS names)")


def _build(name: str, raw: Any, where: str) -> Environment:
    _check_name(name)
    if raw is None:
        raw = {}
    if not isinstance(raw, dict):
        raise StackError(f"{where}: environment {name}: expected a mapping of settings, found {raw!r}")
    unknown = [k for k in raw if k not in KEYS]
    if unknown:
        raise StackError(f"{where}: environment {name}: unknown key {unknown[0]!r}; expected one of {', '.join(KEYS)}")
    target = raw.get("target", "local")
    if target not in TARGETS:
        raise StackError(f"{where}: environment {name}: target {target!r} must be one of {', '.join(TARGETS)}")
    region = raw.get("region", "us-east-1")
    if not isinstance(region, str) or not REGION.fullmatch(region):
        raise StackError(f"{where}: environment {name}: region {region!r} is not an AWS region name like us-east-1")
    production = raw.get("production", False)
    if not isinstance(production, bool):
        raise StackError(f"{where}: environment {name}: production must be true or false")
    for key in ("parameters", "config"):
        if not isinstance(raw.get(key, {}), dict):
            raise StackError(f"{where}: environment {name}: {key} must be a mapping")
    for node_id, values in raw.get("config", {}).items():
        if not isinstance(values, dict):
            raise StackError(f"{where}: environment {name}: config for {node_id} must be a mapping of parameter values")
    profile = raw.get("profile")
    if profile is not None and not isinstance(profile, str):
        raise StackError(f"{where}: environment {name}: profile must be an AWS profile name")
    account = raw.get("account")
    return Environment(name=name, target=target, region=region, profile=profile, production=production,
                       parameters=dict(raw.get("parameters", {})), config=dict(raw.get("config", {})),
                       account=None if account is None else str(account))


def load_environments(folder: str | Path | None) -> dict[str, Environment] | None:
    """Environments defined in ``folder/environments.yaml``; None when there is no such file."""
    if folder is None:
        return None
    path = Path(folder) / FILENAME
    if not path.exists():
        return None
    text = read_text(path, "environments file")
    raw = load_yaml(text, str(path))
    if raw is None:
        return {}
    if not isinstance(raw, dict):
        raise StackError(f"{path}: expected environment names mapped to their settings")
    return {str(name): _build(str(name), values, str(path)) for name, values in raw.items()}


def resolve_environment(env: "str | Environment", folder: str | Path | None = None) -> Environment:
    """Turn an environment name into an Environment, using ``folder/environments.yaml`` if any.

    An unknown name is refused with the list of defined ones; with no file, any valid name is
    a local environment.
    """
    if isinstance(env, Environment):
        return env
    _check_name(env)
    defined = load_environments(folder)
    if defined is None:
        return Environment(name=env)
    if env not in defined:
        known = ", ".join(defined) or "none"
        raise StackError(f"unknown environment {env!r}; {Path(folder) / FILENAME} defines: {known}")
    return defined[env]
