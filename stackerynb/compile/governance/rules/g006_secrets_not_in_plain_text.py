"""Secrets never appear as text in the template.

A value is judged by its name and by itself. Looked at: function and container environments
(curated nodes, raw Lambda and SAM functions), String SSM parameters (a config store's
values), literal master passwords, auth tokens and secret strings, and template parameters
with secret-looking names that are not NoEcho.

- **Names**: PASSWORD, PASS, PGPASSWORD, TOKEN, SECRET, API_KEY, STRIPE_KEY, AUTH_HEADER,
  PRIVATE_KEY... Names ending in _ARN, _NAME, _PATH, _HOST, ... point at a secret and are
  fine, and so are keys that name something (PARTITION_KEY, S3_KEY, KMS_KEY).
- **Values**: credentials inside URLs (``postgres://app:hunter2@db``), authorization header
  values (``Bearer ...``), private keys, well-known token formats (AWS access keys, Stripe,
  GitHub, Slack, JWTs), and long random-looking text (Shannon entropy per character).
"""
from __future__ import annotations

import math
import re
from collections import Counter

from stackerynb.compile.governance import SAM_WITH_POLICIES

ID = "G006"
DESCRIPTION = "Secrets are never in plain text"
SOURCE = "https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/security-best-practices.html#creds"

_WORDS = re.compile(r"[A-Z]+[0-9]*(?![a-z])|[A-Z]?[a-z]+[0-9]*|[0-9]+")  # DB_PASSWORD, apiKey, HTTPToken, S3_KEY
# a word that is (or, run together, contains) one of these makes a name secret: PGPASSWORD
SECRET_STEMS = ("password", "passwd", "passphrase", "secret", "token", "credential", "privatekey", "apikey")
SECRET_WORDS = {"pass", "pwd", "pw", "authorization", "cookie", "sessionkey", "signingkey", "dsn"}
POINTER_WORDS = {"arn", "name", "path", "host", "port", "url", "uri", "id", "region", "endpoint", "length", "ttl",
                 "file", "param", "parameter", "env", "var", "mode", "type", "enabled", "required", "policy"}
# "<what>_KEY" is secret unless <what> says the key names something (STRIPE_KEY yes, SORT_KEY no)
KEY_WORDS = {"key", "keys"}
NAMING_KEYS = {"partition", "sort", "hash", "range", "primary", "foreign", "object", "s3", "bucket", "cache",
               "kms", "public", "routing", "shard", "idempotency", "dedup", "deduplication", "group", "map",
               "lookup", "index", "table", "item", "row", "field", "attribute", "ssh", "cmk", "encryption",
               "message", "file", "prefix", "sort"}
AUTH_WORDS = {"auth", "basic", "bearer"}
AUTH_CARRIERS = {"header", "headers", "value", "string", "key", "secret"}

SECRET_PROPERTIES = {
    "AWS::RDS::DBInstance": "MasterUserPassword",
    "AWS::RDS::DBCluster": "MasterUserPassword",
    "AWS::ElastiCache::ReplicationGroup": "AuthToken",
    "AWS::SecretsManager::Secret": "SecretString",
}

# (what it is, pattern) for values that are secrets whatever they are called
SECRET_VALUES = [
    ("a password inside a URL", re.compile(r"^[a-z][a-z0-9+.-]*://[^/\s:@]*:(?!\$\{)[^/\s@]+@", re.I)),
    ("an authorization header value", re.compile(r"^(Bearer|Basic|Token|Digest)\s+\S{8,}", re.I)),
    ("a private key", re.compile(r"-----BEGIN [A-Z ]*PRIVATE KEY-----")),
    ("an AWS access key id", re.compile(r"\b(AKIA|ASIA)[0-9A-Z]{16}\b")),
    ("a Stripe key", re.compile(r"\b[rs]k_(live|test)_[0-9A-Za-z]{8,}")),
    ("a GitHub token", re.compile(r"\b(gh[pousr]_[0-9A-Za-z]{20,}|github_pat_[0-9A-Za-z_]{20,})")),
    ("a Slack token", re.compile(r"\bxox[abposr]-[0-9A-Za-z-]{10,}")),
    ("a JSON web token", re.compile(r"\beyJ[0-9A-Za-z_-]{8,}\.eyJ[0-9A-Za-z_-]{8,}\.[0-9A-Za-z_-]{8,}")),
]
RANDOM_TEXT = re.compile(r"[A-Za-z0-9+/=_\-]{20,}")
HEX_OR_UUID = re.compile(r"[0-9a-fA-F-]+")
ENTROPY_BITS = 4.0  # per character; English words and ids stay well below, random base64 above


def secret_like(name: str) -> bool:
    """True for names such as DB_PASSWORD, PGPASSWORD, STRIPE_KEY or AUTH_HEADER; false for
    DB_PASSWORD_ARN, TOKEN_BUCKET_HOST or PARTITION_KEY."""
    words = [w.lower() for w in _WORDS.findall(name)]
    if not words or words[-1] in POINTER_WORDS:
        return False
    joined = words + [a + b for a, b in zip(words, words[1:])]
    if any(stem in w for w in joined for stem in SECRET_STEMS) or SECRET_WORDS & set(joined):
        return True
    if words[-1] in KEY_WORDS:
        return len(words) > 1 and words[-2] not in NAMING_KEYS
    return bool(AUTH_WORDS & set(words) and (words[-1] in AUTH_CARRIERS or len(words) == 1))


def entropy(text: str) -> float:
    """Shannon entropy of ``text`` in bits per character."""
    counts = Counter(text)
    return -sum(c / len(text) * math.log2(c / len(text)) for c in counts.values())


def secret_value(text: str) -> str | None:
    """What kind of secret ``text`` looks like by itself, or None."""
    if text.startswith("{{resolve:"):
        return None
    for what, pattern in SECRET_VALUES:
        if pattern.search(text):
            return what
    for run in RANDOM_TEXT.findall(text):
        if (re.search(r"[A-Za-z]", run) and re.search(r"[0-9]", run) and not HEX_OR_UUID.fullmatch(run)
                and entropy(run) >= ENTROPY_BITS):
            return "random-looking text (like a generated key)"
    return None


def _literal(value) -> bool:
    return isinstance(value, str) and value != "" and not value.startswith("{{resolve:")


def _judge(name: str, value) -> str | None:
    """Why ``name = value`` is a secret in plain text, or None."""
    if not _literal(value):
        text = value.get("Fn::Sub") if isinstance(value, dict) else None
        if not isinstance(text, str):
            return None
        value = text  # Sub text: the literal parts are still written in the template
    found = secret_value(value)
    if found:
        return f"holds {found} in plain text"
    if secret_like(name):
        return "holds a secret in plain text (judged by its name)"
    return None


def _variables(context):
    """``(logical id, setting, name, value)`` of every environment variable in the template."""
    for lid, props in context.resources_of_type("AWS::Lambda::Function", *SAM_WITH_POLICIES):
        variables = (props.get("Environment") or {}).get("Variables") or {}
        if isinstance(variables, dict):
            for name, value in variables.items():
                yield lid, "environment", name, value
    for lid, props in context.resources_of_type("AWS::ECS::TaskDefinition"):
        for container in props.get("ContainerDefinitions", []):
            for pair in container.get("Environment", []) if isinstance(container, dict) else []:
                if isinstance(pair, dict):
                    yield lid, "environment", str(pair.get("Name", "")), pair.get("Value")
    for lid, props in context.resources_of_type("AWS::SSM::Parameter"):
        if props.get("Type") in ("String", "StringList"):
            name = str(props.get("Name", lid)).rsplit("/", 1)[-1]
            yield lid, "parameters", name, props.get("Value")


def check(context):
    advice = "keep it in a secret node and wire the secret to the node instead"
    for lid, setting, name, value in _variables(context):
        why = _judge(name, value)
        if why:
            label = "parameter" if setting == "parameters" else "environment variable"
            yield context.problem(lid, f"{label} {name} {why}; {advice}", setting=setting)
    for kind, prop in SECRET_PROPERTIES.items():
        for lid, props in context.resources_of_type(kind):
            if _literal(props.get(prop)):
                yield context.problem(lid, f"{prop} is written in the template; generate it in Secrets "
                                      "Manager and use a dynamic reference")
    for name, parameter in context.template.get("Parameters", {}).items():
        if secret_like(name) and isinstance(parameter, dict) and not parameter.get("NoEcho"):
            yield context.problem(None, f"template parameter {name} looks secret but is not NoEcho")
