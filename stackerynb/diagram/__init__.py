"""The stack as a picture, in plain Python: where every node goes (``layout``) and the drawing
written to an SVG or PNG file (``render``). The canvas and the export both take their positions
and group boxes from here, so they draw the same picture.

Imports neither ipywidgets nor boto3; matplotlib is imported only when a file is rendered.
"""
from __future__ import annotations

from stackerynb.diagram.layout import (
    Box, complete_positions, group_boxes, layered_layout, network_band, spot_in_network, free_spot,
)

__all__ = ["Box", "complete_positions", "group_boxes", "layered_layout", "network_band",
           "spot_in_network", "free_spot", "render_diagram"]


def render_diagram(stack, path, positions=None):
    """Write ``stack`` drawn as on the canvas to ``path`` (.svg or .png); see ``render``."""
    from stackerynb.diagram.render import render_diagram as render
    return render(stack, path, positions=positions)
