"""The stack drawn as on the canvas, to an SVG or PNG file, in Python with matplotlib (no
browser): the same positions (``layout.complete_positions``), shapes, colours, icons, labels,
group boxes, wires with arrows and dashed reference edges.

One model unit is one pixel at the canvas's zoom 1 (``scale`` enlarges a PNG); SVG text stays
text, so labels can be searched and read by tools.
"""
from __future__ import annotations

import functools
import io
import math
from pathlib import Path

from stackerynb.catalog import kind as catalog_kind
from stackerynb.diagram.layout import (
    BOX_LABEL, LABEL_FONT, LABEL_GAP, boxed_networks, complete_positions, footprint, group_boxes,
)
from stackerynb.diagram.look import REFERENCE_COLOUR, TIER_COLOUR, WIRE_COLOUR, look_of
from stackerynb.errors import StackError

FORMATS = ("svg", "png")
PADDING = 40  # model units around the drawing (the canvas fits with the same padding)
ERROR, WARNING = "#d13212", "#f2a900"
PX_TO_PT = 72 / 100  # figures are made at 100 dpi: one model unit is one pixel


def _shape_points(shape: str, w: float, h: float) -> list[tuple[float, float]] | None:
    """Outline of a cytoscape shape of size ``w`` x ``h`` around (0, 0), y down; None for the
    shapes drawn as patches of their own (ellipse, rectangles)."""
    hw, hh = w / 2, h / 2

    def regular(n: int, start: float) -> list[tuple[float, float]]:
        return [(hw * math.cos(start + 2 * math.pi * k / n), hh * math.sin(start + 2 * math.pi * k / n))
                for k in range(n)]

    table = {
        "triangle": [(0, -hh), (hw, hh), (-hw, hh)],
        "diamond": [(0, -hh), (hw, 0), (0, hh), (-hw, 0)],
        "hexagon": regular(6, 0),
        "octagon": regular(8, math.pi / 8),
        "round-octagon": regular(8, math.pi / 8),
        "pentagon": regular(5, -math.pi / 2),
        "round-pentagon": regular(5, -math.pi / 2),
        "tag": [(-hw, -hh), (hw * 0.5, -hh), (hw, 0), (hw * 0.5, hh), (-hw, hh)],
        "round-tag": [(-hw, -hh), (hw * 0.5, -hh), (hw, 0), (hw * 0.5, hh), (-hw, hh)],
        "vee": [(-hw, -hh), (0, -hh * 0.33), (hw, -hh), (0, hh)],
        "rhomboid": [(-hw, -hh), (hw * 0.66, -hh), (hw, hh), (-hw * 0.66, hh)],
    }
    return table.get(shape)


def _node_patch(look, x: float, y: float, border: str | None):
    from matplotlib.patches import Ellipse, FancyBboxPatch, Polygon

    w, h = look.width, look.height
    style = dict(facecolor=look.colour, edgecolor=border or look.colour, linewidth=(3 if border else 0.5) * PX_TO_PT,
                 zorder=3)
    points = _shape_points(look.shape, w, h)
    if points is not None:
        return Polygon([(x + px, y + py) for px, py in points], closed=True, **style)
    if look.shape == "ellipse":
        return Ellipse((x, y), w, h, **style)
    rounding = 0 if look.shape == "rectangle" else min(w, h) * (0.25 if look.shape == "barrel" else 0.15)
    return FancyBboxPatch((x - w / 2 + rounding, y - h / 2 + rounding), w - 2 * rounding, h - 2 * rounding,
                          boxstyle=f"round,pad={rounding}", **style)


def _clip(a, b, half_a, half_b):
    """The wire from ``a`` to ``b`` shortened to the two bodies' edges (boxes of the given halves)."""
    dx, dy = b[0] - a[0], b[1] - a[1]
    length = math.hypot(dx, dy) or 1.0

    def reach(half):
        hw, hh = half
        # distance from the centre to the box edge along the wire's direction
        tx = hw / abs(dx / length) if dx else math.inf
        ty = hh / abs(dy / length) if dy else math.inf
        return min(tx, ty)

    ra, rb = reach(half_a), reach(half_b)
    if ra + rb >= length:
        return a, b
    return ((a[0] + dx / length * ra, a[1] + dy / length * ra),
            (b[0] - dx / length * rb, b[1] - dy / length * rb))


def draw(stack, positions=None):
    """A matplotlib Figure of ``stack`` as the canvas draws it (``positions``: what the canvas
    shows; default the stack's own, completed as the canvas completes them)."""
    from matplotlib.figure import Figure
    from matplotlib.patches import FancyArrowPatch, FancyBboxPatch

    from stackerynb.model.references import reference_edges

    positions = complete_positions(stack, positions)
    boxed = boxed_networks(stack)
    boxes = group_boxes(stack, positions)
    shown = [n for n in stack.nodes if n.id not in boxed and n.id in positions]
    rects = [footprint(n, positions[n.id]) for n in shown] + \
            [(b.rect[0], b.rect[1] - BOX_LABEL, b.rect[2], b.rect[3]) for b in boxes]
    if not rects:
        rects = [(-60.0, -40.0, 60.0, 40.0)]
    x1 = min(r[0] for r in rects) - PADDING
    y1 = min(r[1] for r in rects) - PADDING
    x2 = max(r[2] for r in rects) + PADDING
    y2 = max(r[3] for r in rects) + PADDING
    fig = Figure(figsize=((x2 - x1) / 100, (y2 - y1) / 100), dpi=100)
    ax = fig.add_axes((0, 0, 1, 1))
    ax.set_xlim(x1, x2)
    ax.set_ylim(y2, y1)  # y grows downwards, as on the canvas
    ax.set_axis_off()
    ax.set_aspect("equal")
    font = LABEL_FONT * PX_TO_PT

    for box in boxes:  # networks under their tiers
        bx1, by1, bx2, by2 = box.rect
        network = box.kind == "network"
        ax.add_artist(FancyBboxPatch((bx1 + 6, by1 + 6), bx2 - bx1 - 12, by2 - by1 - 12, boxstyle="round,pad=6",
                                    facecolor=TIER_COLOUR, alpha=0.06 if network else 0.04, edgecolor="none",
                                    zorder=0 if network else 1))
        ax.add_artist(FancyBboxPatch((bx1 + 6, by1 + 6), bx2 - bx1 - 12, by2 - by1 - 12, boxstyle="round,pad=6",
                                    facecolor="none", edgecolor=TIER_COLOUR, linewidth=(2 if network else 1) * PX_TO_PT,
                                    linestyle="--" if network else ":", zorder=0 if network else 1))
        if network:
            ax.text((bx1 + bx2) / 2, by1 - 4, box.label, ha="center", va="bottom", fontsize=font,
                    color="#16191f", zorder=6)
        else:
            ax.text(bx1 + 6, by1 + 4, box.label, ha="left", va="top", fontsize=font * 10 / 12,
                    color="#1d6b10", zorder=6)

    half = {n.id: (look_of(n).width / 2, look_of(n).height / 2) for n in shown}
    edges = [(w.source, w.target, w.access or "", False) for w in stack.wires]
    edges += [(s, t, how, True) for s, t, how in reference_edges(stack)]
    for source, target, label, reference in edges:
        if source not in half or target not in half:
            continue
        a, b = _clip(positions[source], positions[target], half[source], half[target])
        colour = REFERENCE_COLOUR if reference else WIRE_COLOUR
        ax.add_artist(FancyArrowPatch(a, b, arrowstyle="-|>" if not reference else "->",
                                     mutation_scale=14 * PX_TO_PT * 1.4, color=colour,
                                     linewidth=(1.5 if reference else 2) * PX_TO_PT,
                                     linestyle="--" if reference else "-", zorder=2,
                                     shrinkA=0, shrinkB=0))
        if label:
            angle = math.degrees(math.atan2(-(b[1] - a[1]), b[0] - a[0]))
            if angle > 90 or angle < -90:
                angle += 180
            ax.text((a[0] + b[0]) / 2, (a[1] + b[1]) / 2, label, ha="center", va="center",
                    fontsize=font * 10 / 12, color="#545b64", rotation=angle, rotation_mode="anchor",
                    zorder=2.5, bbox=dict(boxstyle="round,pad=0.15", facecolor="white", edgecolor="none", alpha=0.85))

    flagged = _flagged(stack)
    for node in shown:
        x, y = positions[node.id]
        look = look_of(node)
        severity = flagged.get(node.id)
        ax.add_artist(_node_patch(look, x, y, ERROR if severity == "error" else WARNING if severity else None))
        if look.card:  # one label of two lines, as the canvas draws it
            ax.text(x, y, look.label, ha="center", va="center", ma="center", fontsize=font,
                    linespacing=1.3, color="white", zorder=5)
            continue
        if look.icon:
            ax.text(x, y, _icon(look, node), ha="center", va="center", fontsize=22 * PX_TO_PT, color="white", zorder=5)
        ax.text(x, y + look.height / 2 + LABEL_GAP, look.label, ha="center", va="top", fontsize=font,
                color="#16191f", zorder=5,
                bbox=dict(boxstyle="round,pad=0.15", facecolor="white", edgecolor="none", alpha=0.85))
    return fig


@functools.cache
def _has_glyph(text: str) -> bool:
    """Whether matplotlib's default font draws every character of ``text``."""
    from matplotlib import font_manager
    from matplotlib.ft2font import FT2Font

    font = FT2Font(font_manager.findfont(font_manager.FontProperties()))
    return all(font.get_char_index(ord(c)) for c in text)


def _icon(look, node) -> str:
    """The kind's icon, or the first letter of its label where the font lacks the symbol."""
    if _has_glyph(look.icon):
        return look.icon
    spec = catalog_kind(node.kind)
    return (spec.label if spec else node.kind)[:1].upper()


def _flagged(stack) -> dict[str, str]:
    flagged: dict[str, str] = {}
    for problem in stack.problems():
        if problem.node is not None and flagged.get(problem.node) != "error":
            flagged[problem.node] = "error" if problem.severity == "error" else "warning"
    return flagged


def render_bytes(stack, fmt: str, positions=None, scale: float = 1.0) -> bytes:
    """The drawing as ``fmt`` ("svg" or "png") file contents; ``scale`` multiplies PNG pixels."""
    import matplotlib

    if fmt not in FORMATS:
        raise StackError(f"cannot draw a diagram as {fmt!r}: choose {' or '.join(FORMATS)}")
    fig = draw(stack, positions)
    buffer = io.BytesIO()
    # SVG text stays text (searchable, and the viewer's fonts); no date, fixed ids: the same
    # design always gives the same file.
    with matplotlib.rc_context({"svg.fonttype": "none", "svg.hashsalt": "stackerynb"}):
        metadata = {"Date": None} if fmt == "svg" else {"Software": "stackerynb"}
        fig.savefig(buffer, format=fmt, dpi=100 * scale, metadata=metadata)
    return buffer.getvalue()


def render_diagram(stack, path, positions=None, scale: float = 1.0) -> Path:
    """Write ``stack`` drawn as on the canvas to ``path``: SVG or PNG by its suffix. Atomic (a
    reader never sees half a file); refused with a StackError, writing nothing, for another
    suffix, a folder or anything that is not a regular file. Returns the path written."""
    from stackerynb.store.files import require_regular_file, write_atomically

    path = Path(path)
    fmt = path.suffix.lower().lstrip(".")
    if fmt not in FORMATS:
        raise StackError(f"{path}: a diagram is written as .svg or .png, not {path.suffix or 'a file without suffix'}; "
                         "nothing was written")
    require_regular_file(path, "diagram file")
    data = render_bytes(stack, fmt, positions, scale)
    return write_atomically(path, data)
