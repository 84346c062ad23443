"""How each node looks, for the canvas and the export alike: colour, shape, icon and label.

Curated kinds take their display data from the catalogue (kinds.yaml). Generic resources (kind
``resource``, any CloudFormation type) are cards showing their id over their service and type,
coloured by the service's AWS category.
"""
from __future__ import annotations

import zlib
from dataclasses import dataclass

from stackerynb.catalog import kind as catalog_kind
from stackerynb.diagram.layout import card_lines, is_card, node_size

GENERIC_COLOUR = "#545b64"
REFERENCE_COLOUR = "#7d8998"
WIRE_COLOUR = "#8a8f98"
TIER_COLOUR = "#248814"

# AWS architecture icon colours by category, for the services seen most in templates; any
# other service gets one of them by a stable hash of its name.
SERVICE_COLOURS = {
    "Lambda": "#ed7100", "EC2": "#ed7100", "ECS": "#ed7100", "Batch": "#ed7100",
    "S3": "#3f8624", "EFS": "#3f8624", "Backup": "#3f8624",
    "DynamoDB": "#c925d1", "RDS": "#c925d1", "ElastiCache": "#c925d1", "Neptune": "#c925d1",
    "SQS": "#e7157b", "SNS": "#e7157b", "Events": "#e7157b", "StepFunctions": "#e7157b",
    "Pipes": "#e7157b", "Scheduler": "#e7157b", "AppSync": "#e7157b",
    "ApiGateway": "#8c4fff", "ApiGatewayV2": "#8c4fff", "CloudFront": "#8c4fff", "Route53": "#8c4fff",
    "IAM": "#dd344c", "Cognito": "#dd344c", "KMS": "#dd344c", "SecretsManager": "#dd344c",
    "Logs": "#e7157b", "CloudWatch": "#e7157b", "SSM": "#e7157b",
    "Kinesis": "#8c4fff", "KinesisFirehose": "#8c4fff", "Bedrock": "#01a88d", "SageMaker": "#01a88d",
}
_FALLBACK = ("#ed7100", "#3f8624", "#c925d1", "#e7157b", "#8c4fff", "#dd344c", "#01a88d", "#2e73b8")


def service_colour(service: str) -> str:
    """The card colour of an AWS service (``"SQS"``)."""
    return SERVICE_COLOURS.get(service) or _FALLBACK[zlib.crc32(service.encode()) % len(_FALLBACK)]


@dataclass(frozen=True)
class Look:
    """A node as drawn: ``shape`` a cytoscape shape name, ``label`` its text (two lines on a
    card), ``width``/``height`` its body, ``card`` True for a generic resource."""

    colour: str
    shape: str
    icon: str
    label: str
    width: float
    height: float
    card: bool = False
    service: str = ""
    type: str = ""


def look_of(node) -> Look:
    """How ``node`` is drawn."""
    width, height = node_size(node)
    if is_card(node):
        type_name = str(node.settings.get("type", ""))
        parts = type_name.split("::")
        service = parts[1] if len(parts) == 3 else ""
        return Look(service_colour(service) if service else GENERIC_COLOUR, "round-rectangle", "",
                    "\n".join(card_lines(node)), width, height, True, service, type_name)
    spec = catalog_kind(node.kind)
    if spec is None:
        return Look(GENERIC_COLOUR, "ellipse", "?", node.id, width, height)
    return Look(spec.colour, spec.shape, spec.icon, node.id, width, height)
