"""Where the canvas looks: zoom and pan, kept in Python (plain data, no widgets).

ipycytoscape reports neither clicks on the background nor the browser's zoom and pan, so the
editor owns the view: the browser's own wheel zoom and drag pan are off, wheel and background
drags arrive through ipyevents (pixel coordinates inside the canvas), and every view change is
sent to cytoscape as a ``preset`` layout with ``zoom`` and ``pan``. Knowing the view exactly is
what turns a click on the background into the model position where a new node goes.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

NODE_HALF = 22  # half a node's width and height in model units (style: 44 x 44)
LABEL_PX = 12  # labels are drawn at least this tall on screen, up to MAX_LABEL model units
MAX_LABEL = 30
WHEEL_STEP = 1.1  # zoom factor of one wheel notch (cytoscape's default is about 2.5)
BUTTON_STEP = 1.25


@dataclass
class Viewport:
    """Zoom and pan of the canvas (cytoscape's meaning: rendered = model * zoom + pan) and the
    canvas size in pixels once the browser has told it (``known``)."""

    zoom: float = 1.0
    pan_x: float = 0.0
    pan_y: float = 0.0
    width: float = 0.0
    height: float = 0.0
    min_zoom: float = 0.05
    max_zoom: float = 3.0
    known: bool = False  # False until a fit with the browser's canvas size set zoom and pan

    def to_model(self, px: float, py: float) -> tuple[float, float]:
        """The model position under the canvas pixel ``(px, py)``."""
        return (px - self.pan_x) / self.zoom, (py - self.pan_y) / self.zoom

    def to_screen(self, x: float, y: float) -> tuple[float, float]:
        """The canvas pixel where the model position ``(x, y)`` is drawn."""
        return x * self.zoom + self.pan_x, y * self.zoom + self.pan_y

    def zoom_at(self, factor: float, px: float | None = None, py: float | None = None) -> None:
        """Zoom by ``factor`` keeping the model point under ``(px, py)`` (default: the centre)."""
        px = self.width / 2 if px is None else px
        py = self.height / 2 if py is None else py
        new = min(self.max_zoom, max(self.min_zoom, self.zoom * factor))
        mx, my = self.to_model(px, py)
        self.zoom = new
        self.pan_x, self.pan_y = px - mx * new, py - my * new

    def wheel(self, delta_y: float, delta_mode: int, px: float, py: float) -> None:
        """One wheel event: a gentle step per notch (a notch is about 100 pixels of deltaY)."""
        pixels = delta_y * (33 if delta_mode == 1 else 800 if delta_mode == 2 else 1)
        notches = max(-3.0, min(3.0, pixels / 100))
        self.zoom_at(WHEEL_STEP ** (-notches), px, py)

    def pan_by(self, dx: float, dy: float) -> None:
        self.pan_x += dx
        self.pan_y += dy

    def fit(self, box: tuple[float, float, float, float] | None, padding: float = 40,
            max_zoom: float = 1.5) -> None:
        """Show the model box ``(x1, y1, x2, y2)`` whole and centred (not closer than ``max_zoom``)."""
        if box is None or self.width <= 0 or self.height <= 0:
            return
        x1, y1, x2, y2 = box
        w, h = max(x2 - x1, 1.0), max(y2 - y1, 1.0)
        zoom = min((self.width - 2 * padding) / w, (self.height - 2 * padding) / h, max_zoom)
        self.zoom = min(self.max_zoom, max(self.min_zoom, zoom))
        self.pan_x = self.width / 2 - (x1 + x2) / 2 * self.zoom
        self.pan_y = self.height / 2 - (y1 + y2) / 2 * self.zoom
        self.known = True

    def resize(self, width: float, height: float) -> bool:
        """Take the canvas size the browser reported; True when it changed."""
        if width <= 0 or height <= 0 or (abs(width - self.width) < 1 and abs(height - self.height) < 1):
            return False
        if self.known:  # narrower or wider: what was in the middle stays there
            self.pan_x += (width - self.width) / 2
        self.width, self.height = float(width), float(height)
        return True

    def layout(self) -> dict:
        """The cytoscape layout that shows this view. Its ``positions`` table is empty: preset
        then moves no node (without one it re-sets every node where it already is)."""
        return {"name": "preset", "positions": {}, "fit": False, "animate": False,
                "zoom": round(self.zoom, 5), "pan": {"x": round(self.pan_x, 2), "y": round(self.pan_y, 2)}}

    def label_size(self) -> float:
        """Label font size in model units so labels are at least LABEL_PX tall on screen
        (in steps, so the stylesheet is not sent again for every wheel notch)."""
        wanted = LABEL_PX / self.zoom
        step = 1.25 ** math.ceil(math.log(max(wanted, LABEL_PX) / LABEL_PX, 1.25) - 1e-9)
        return round(min(MAX_LABEL, LABEL_PX * step), 2)


def bounding_box(positions) -> tuple[float, float, float, float] | None:
    """The model box around nodes at ``positions`` (their size and labels included)."""
    points = list(positions)
    if not points:
        return None
    xs = [p[0] for p in points]
    ys = [p[1] for p in points]
    return (min(xs) - NODE_HALF - 30, min(ys) - NODE_HALF - 30,
            max(xs) + NODE_HALF + 30, max(ys) + NODE_HALF + 40)
