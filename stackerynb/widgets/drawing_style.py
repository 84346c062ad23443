"""Canvas style entries for generic resource cards and reference edges (cytoscape.js), read by
``style.canvas_style``. The colours and sizes come from ``stackerynb.diagram.look``, which the
export uses too."""
from __future__ import annotations

from stackerynb.diagram.layout import LABEL_FONT
from stackerynb.diagram.look import REFERENCE_COLOUR


def drawing_style() -> list[dict]:
    """Cards (``node.card``: id over service and type, as wide as their text, in the service's
    colour) and reference edges (``edge.reference``: dashed, labelled with Ref/GetAtt/Sub)."""
    return [
        {"selector": "node.card", "style": {
            "shape": "round-rectangle", "width": "data(width)", "height": "data(height)",
            "background-color": "data(colour)", "background-image": "none",
            "text-valign": "center", "text-halign": "center", "text-margin-y": 0,
            "text-wrap": "wrap", "text-max-width": 600, "font-size": LABEL_FONT, "color": "#ffffff",
            "text-background-opacity": 0, "line-height": 1.3}},
        {"selector": "edge.reference", "style": {
            "width": 1.5, "line-color": REFERENCE_COLOUR, "line-style": "dashed",
            "line-dash-pattern": [6, 4], "curve-style": "bezier", "target-arrow-shape": "vee",
            "target-arrow-color": REFERENCE_COLOUR, "arrow-scale": 1.0, "label": "data(label)",
            "font-size": 10, "color": "#545b64", "text-rotation": "autorotate"}},
    ]
