"""References between resources, written once as ``Fn::Sub`` text and turned into the
simplest intrinsic function when emitted.

Node attributes (a table's ``arn``, a queue's ``url``) are kept as Sub templates such as
``${Orders.Arn}``; wire profiles compose them (``{arn}/index/*``) with plain string formatting,
and :func:`value` turns the result into ``Ref``, ``Fn::GetAtt``, ``Fn::Sub`` or a literal.
"""
from __future__ import annotations

import re

from troposphere import AWSHelperFn, GetAtt, Ref, Sub

_WHOLE = re.compile(r"\$\{([A-Za-z0-9]+)(?:\.([A-Za-z0-9.]+))?\}")
_ANY = re.compile(r"\$\{([A-Za-z0-9:]+)(?:\.[A-Za-z0-9.]+)?\}")

PARTITION_ARN = "arn:${AWS::Partition}"


def ref(logical_id: str) -> str:
    """``Ref`` to a resource, as Sub text."""
    return "${%s}" % logical_id


def att(logical_id: str, attribute: str) -> str:
    """``Fn::GetAtt`` of a resource attribute, as Sub text."""
    return "${%s.%s}" % (logical_id, attribute)


def arn(service: str, resource: str, *, region: bool = True, account: bool = True) -> str:
    """An ARN in this stack's partition, region and account, as Sub text."""
    return (f"{PARTITION_ARN}:{service}:{'${AWS::Region}' if region else ''}:"
            f"{'${AWS::AccountId}' if account else ''}:{resource}")


def literal(text: str) -> str:
    """Escape user text so it can sit inside Sub text unchanged."""
    return text.replace("${", "${!")


def text_value(text) -> "str | AWSHelperFn":
    """The CloudFormation value for text the user wrote (a setting), kept exactly as written.

    Every setting's text goes into the template through here. Text holding ``${`` becomes
    ``Fn::Sub`` with the ``${`` escaped as ``${!``: CloudFormation then writes ``${`` as it is,
    where a plain string would be read as a substitution by cfn-lint (E1029) and by tools.
    """
    return value(literal(text)) if isinstance(text, str) else text


def value(text) -> "str | AWSHelperFn":
    """The CloudFormation value for Sub text: a literal, ``Ref``, ``Fn::GetAtt`` or ``Fn::Sub``.

    Escaped ``${!`` stays in a ``Fn::Sub`` (which writes it as ``${``), never a plain string.
    """
    if not isinstance(text, str) or "${" not in text:
        return text
    whole = _WHOLE.fullmatch(text)
    if whole:
        name, attribute = whole.groups()
        return GetAtt(name, attribute) if attribute else Ref(name)
    if text.startswith("${AWS::") and _ANY.fullmatch(text):
        return Ref(text[2:-1])
    return Sub(text)


def referenced(text) -> set[str]:
    """Logical ids (not pseudo parameters) that Sub text refers to."""
    if not isinstance(text, str):
        return set()
    return {m.group(1) for m in _ANY.finditer(text) if "::" not in m.group(1)}
