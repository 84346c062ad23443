"""Expanding SAM offline: aws-sam-translator's own transform, run without calling AWS."""
from __future__ import annotations

import copy
import logging

from stackerynb.errors import StackError

SAM_TRANSFORM = "AWS::Serverless-2016-10-31"
# Properties SAM would upload from a local path (``sam package``); the expansion needs none of it.
_LOCAL_URIS = {
    "AWS::Serverless::Function": ("CodeUri",), "AWS::Serverless::LayerVersion": ("ContentUri",),
    "AWS::Serverless::StateMachine": ("DefinitionUri",), "AWS::Serverless::Api": ("DefinitionUri",),
    "AWS::Serverless::HttpApi": ("DefinitionUri",), "AWS::Serverless::GraphQLApi": ("SchemaUri",),
    "AWS::Serverless::Application": ("Location",),
}


def transforms(data: dict) -> list[str]:
    """The template's Transform names, as a list."""
    transform = data.get("Transform")
    names = transform if isinstance(transform, list) else [transform] if transform is not None else []
    return [n if isinstance(n, str) else repr(n) for n in names]


def is_sam(data: dict) -> bool:
    """True when the template asks for the SAM transform."""
    return any(n.startswith("AWS::Serverless") for n in transforms(data))


def serverless_resources(data: dict) -> list[str]:
    """Logical ids of ``AWS::Serverless::*`` resources (valid only under the SAM transform)."""
    return [lid for lid, r in (data.get("Resources") or {}).items()
            if isinstance(r, dict) and str(r.get("Type", "")).startswith("AWS::Serverless::")]


def expand_sam(data: dict, region: str = "us-east-1", *, force: bool = False) -> dict:
    """``data`` as plain CloudFormation: the SAM transform applied offline (local code paths
    stand in as S3 URIs). Templates without the SAM transform are returned as copies, unless
    ``force`` (expand ``AWS::Serverless`` resources even though the Transform is missing)."""
    data = copy.deepcopy(data)
    if not is_sam(data):
        if not (force and serverless_resources(data)):
            return data
        data["Transform"] = SAM_TRANSFORM
    import boto3  # samtranslator asks a session for the region (nothing is called)
    from samtranslator.parser.parser import Parser
    from samtranslator.translator.translator import Translator

    glob = (data.get("Globals") or {}).get("Function") or {}
    if isinstance(glob, dict) and isinstance(glob.get("CodeUri"), str) and not glob["CodeUri"].startswith("s3://"):
        glob["CodeUri"] = "s3://stackerynb-check/code.zip"
    for resource in (data.get("Resources") or {}).values():
        if not isinstance(resource, dict):
            continue
        for prop in _LOCAL_URIS.get(resource.get("Type"), ()):
            value = (resource.get("Properties") or {}).get(prop)
            if isinstance(value, str) and not value.startswith("s3://"):
                resource["Properties"][prop] = "s3://stackerynb-check/artifact.zip"
    for name in ("samtranslator", "samtranslator.metrics.metric", "samtranslator.feature_toggle.feature_toggle"):
        logging.getLogger(name).setLevel(logging.ERROR)
    translator = Translator(None, Parser(), boto_session=boto3.session.Session(region_name=region))
    try:
        return translator.translate(data, {}, get_managed_policy_map=lambda: {})
    except Exception as exc:  # samtranslator reports invalid SAM as its own exceptions
        raise StackError(f"the SAM transform refuses this template: {exc}") from None
