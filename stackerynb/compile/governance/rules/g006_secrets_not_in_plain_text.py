"""Secrets never appear as text in the template.

Flags literal values of secret-looking names (PASSWORD, TOKEN, API_KEY, ...) in function and
container environments and in String SSM parameters, literal master passwords, auth tokens
and secret strings, and template parameters with secret-looking names that are not NoEcho.
Names ending in _ARN, _NAME, _PATH, _HOST, ... point at a secret and are fine.
"""
from __future__ import annotations

import re

ID = "G006"
DESCRIPTION = "Secrets are never in plain text"
SOURCE = "https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/security-best-practices.html#creds"

_WORDS = re.compile(r"[A-Z]+(?![a-z])|[A-Z]?[a-z]+|[0-9]+")  # DB_PASSWORD, apiKey, HTTPToken
SECRET_WORDS = {"password", "passwd", "pwd", "secret", "token", "apikey", "credential", "credentials", "privatekey"}
POINTER_WORDS = {"arn", "name", "path", "host", "port", "url", "id", "region", "endpoint", "length", "ttl", "file"}
SECRET_PROPERTIES = {
    "AWS::RDS::DBInstance": "MasterUserPassword",
    "AWS::RDS::DBCluster": "MasterUserPassword",
    "AWS::ElastiCache::ReplicationGroup": "AuthToken",
    "AWS::SecretsManager::Secret": "SecretString",
}


def secret_like(name: str) -> bool:
    """True for names such as DB_PASSWORD or apiKey, false for DB_PASSWORD_ARN or TOKEN_BUCKET_HOST."""
    words = [w.lower() for w in _WORDS.findall(name)]
    if not words or words[-1] in POINTER_WORDS:
        return False
    joined = {a + b for a, b in zip(words, words[1:])}
    return bool(SECRET_WORDS & (set(words) | joined))


def _literal(value) -> bool:
    return isinstance(value, str) and value != "" and not value.startswith("{{resolve:")


def check(context):
    advice = "keep it in a secret node and wire the secret to the node instead"
    for lid, props in context.resources_of_type("AWS::Lambda::Function"):
        for name, value in props.get("Environment", {}).get("Variables", {}).items():
            if secret_like(name) and _literal(value):
                yield context.problem(lid, f"environment variable {name} holds a secret in plain text; {advice}",
                                      setting="environment")
    for lid, props in context.resources_of_type("AWS::ECS::TaskDefinition"):
        for container in props.get("ContainerDefinitions", []):
            for pair in container.get("Environment", []):
                if secret_like(str(pair.get("Name", ""))) and _literal(pair.get("Value")):
                    yield context.problem(lid, f"environment variable {pair['Name']} holds a secret in plain "
                                          f"text; {advice}", setting="environment")
    for lid, props in context.resources_of_type("AWS::SSM::Parameter"):
        name = str(props.get("Name", "")).rsplit("/", 1)[-1]
        if props.get("Type") == "String" and secret_like(name) and _literal(props.get("Value")):
            yield context.problem(lid, f"parameter {name} holds a secret in plain text; {advice}",
                                  setting="parameters")
    for kind, prop in SECRET_PROPERTIES.items():
        for lid, props in context.resources_of_type(kind):
            if _literal(props.get(prop)):
                yield context.problem(lid, f"{prop} is written in the template; generate it in Secrets "
                                      "Manager and use a dynamic reference")
    for name, parameter in context.template.get("Parameters", {}).items():
        if secret_like(name) and not parameter.get("NoEcho"):
            yield context.problem(None, f"template parameter {name} looks secret but is not NoEcho")
