"""The canvas stylesheet (cytoscape.js), built from the catalogue's display data: each kind's
colour and shape, with its icon drawn inside the node. Plain data, no widgets."""
from __future__ import annotations

from urllib.parse import quote

from stackerynb.catalog import kinds
from stackerynb.widgets.drawing_style import drawing_style

SELECTED = "#0972d3"
ERROR = "#d13212"
WARNING = "#f2a900"
WIRE = "#8a8f98"


def icon_image(icon: str) -> str:
    """An SVG data URI showing ``icon`` in white, used as the node's background image."""
    svg = ("<svg xmlns='http://www.w3.org/2000/svg' width='40' height='40'>"
           "<text x='20' y='21' font-size='22' text-anchor='middle' dominant-baseline='middle' "
           f"fill='white' font-family='sans-serif'>{_xml(icon)}</text></svg>")
    return "data:image/svg+xml;utf8," + quote(svg)


def _xml(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("'", "&apos;")


# Labels sit on a light rounded plate so they read on the light and on the dark JupyterLab
# theme alike (cytoscape draws on a canvas and cannot use the theme's CSS variables; the
# canvas's background itself follows the theme, see THEME_CSS).
LABEL_PLATE = {"text-background-color": "#ffffff", "text-background-opacity": 0.85,
               "text-background-padding": 2, "text-background-shape": "round-rectangle"}

THEME_CSS = """
.stackerynb-canvas { background: var(--jp-layout-color0, #ffffff);
  border: 1px solid var(--jp-border-color2, #e0e0e0); border-radius: 2px;
  resize: vertical; overflow: hidden; min-height: 240px; }
.stackerynb-editor { color: var(--jp-ui-font-color1, #16191f); }
.stackerynb-side { min-width: 0; }
.stackerynb-canvas.stackerynb-placing { cursor: crosshair; }
"""


def canvas_style(label_size: float = 12) -> list[dict]:
    """The stylesheet: kinds, compound networks and tiers, problems, selection, wires.
    ``label_size`` is the node label font size in model units (the editor raises it when the
    view is zoomed out, so labels stay readable)."""
    scale = label_size / 12
    style = [
        {"selector": "node", "style": {
            "label": "data(label)", "text-valign": "bottom", "text-halign": "center",
            "text-margin-y": 4, "font-size": label_size, "color": "#16191f", "width": 44,
            "height": 44, "background-color": "#879196", "text-wrap": "wrap",
            "text-max-width": round(140 * scale), "border-width": 0, **LABEL_PLATE}},
    ]
    for spec in kinds():
        style.append({"selector": f'node[kind = "{spec.name}"]', "style": {
            "background-color": spec.colour, "shape": spec.shape,
            "background-image": icon_image(spec.icon), "background-fit": "none",
            "background-width": 40, "background-height": 40, "background-clip": "none"}})
    style += [
        {"selector": "node.network:parent", "style": {
            "background-opacity": 0.06, "background-image": "none", "shape": "round-rectangle",
            "border-width": 2, "border-style": "dashed", "border-color": "#248814",
            "text-valign": "top", "text-halign": "center", "text-margin-y": -4,
            "font-size": label_size, "padding": 18}},
        {"selector": "node.tier", "style": {
            "label": "data(label)", "background-color": "#248814", "background-opacity": 0.04,
            "shape": "round-rectangle", "border-width": 1, "border-style": "dotted",
            "border-color": "#248814", "text-valign": "top", "text-halign": "left",
            "text-margin-x": 60, "text-margin-y": 14, "font-size": round(10 * scale, 2),
            "color": "#1d6b10", "padding": 14}},
        {"selector": "node.problem-warning", "style": {"border-width": 4, "border-color": WARNING}},
        {"selector": "node.problem-error", "style": {"border-width": 4, "border-color": ERROR}},
        {"selector": "node.connect-source", "style": {
            "border-width": 5, "border-style": "double", "border-color": SELECTED}},
        {"selector": "node.chosen", "style": {
            "underlay-color": SELECTED, "underlay-opacity": 0.25, "underlay-padding": 8}},
        {"selector": "node.stack-node:selected", "style": {
            "underlay-color": SELECTED, "underlay-opacity": 0.35, "underlay-padding": 10,
            "border-width": 3, "border-color": SELECTED}},
        {"selector": "edge", "style": {
            "width": 2, "line-color": WIRE, "curve-style": "bezier", "target-arrow-shape": "triangle",
            "target-arrow-color": WIRE, "arrow-scale": 1.2, "label": "data(label)",
            "font-size": round(10 * scale, 2), "color": "#545b64", "text-rotation": "autorotate",
            **LABEL_PLATE}},
        {"selector": "edge.chosen, edge:selected", "style": {
            "line-color": SELECTED, "target-arrow-color": SELECTED, "width": 4}},
        {"selector": ".gone", "style": {"display": "none"}},
    ]
    return style + drawing_style()  # generic resource cards and reference edges (after "edge")
