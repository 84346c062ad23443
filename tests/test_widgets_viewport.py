"""The canvas's view in plain Python: pixels to model positions and back, a gentle wheel, fit,
and labels kept readable when zoomed out."""
from __future__ import annotations

import pytest

from stackerynb.widgets.viewport import LABEL_PX, Viewport, bounding_box


def view(zoom=0.5, pan=(100, 50)) -> Viewport:
    v = Viewport(width=800, height=500, known=True)
    v.zoom, (v.pan_x, v.pan_y) = zoom, pan
    return v


def test_pixels_and_model_positions_convert_both_ways():
    v = view()
    assert v.to_model(400, 300) == (600, 500)
    assert v.to_screen(600, 500) == (400, 300)


def test_zooming_keeps_the_point_under_the_pointer_and_a_wheel_notch_is_gentle():
    v = view()
    before = v.to_model(300, 200)
    v.wheel(-100, 0, 300, 200)  # one notch towards the user: zoom in
    assert 1.0 < v.zoom / 0.5 <= 1.1 + 1e-9
    assert v.to_model(300, 200) == pytest.approx(before)
    v.wheel(3, 1, 300, 200)  # line mode (Firefox): 3 lines = one notch out
    assert v.zoom == pytest.approx(0.5, rel=0.02)
    for _ in range(200):
        v.zoom_at(2)
    assert v.zoom == v.max_zoom


def test_fit_shows_the_whole_box_centred_and_not_too_close():
    v = Viewport(width=1000, height=600)
    box = bounding_box([(0, 0), (2000, 400)])
    v.fit(box)
    assert v.known
    x1, y1 = v.to_screen(box[0], box[1])
    x2, y2 = v.to_screen(box[2], box[3])
    assert x1 >= 39 and x2 <= 961 and y1 >= 0 and y2 <= 600
    assert (x1 + x2) / 2 == pytest.approx(500) and (y1 + y2) / 2 == pytest.approx(300)
    v.fit(bounding_box([(5, 5)]))
    assert v.zoom == 1.5  # one node is not blown up to fill the canvas


@pytest.mark.parametrize("zoom", [0.4, 0.5, 0.7, 0.9, 1.0, 2.0])
def test_labels_are_at_least_12_pixels_on_screen_down_to_zoom_04(zoom):
    v = view(zoom=zoom)
    assert v.label_size() * zoom >= LABEL_PX - 1e-6
    assert v.label_size() <= 30


def test_the_layout_sent_to_cytoscape_keeps_positions_and_sets_the_view():
    # an empty positions table: preset moves no node (ipycytoscape runs the layout over the
    # whole graph on every view change and every added element)
    assert view().layout() == {"name": "preset", "positions": {}, "fit": False, "animate": False,
                               "zoom": 0.5, "pan": {"x": 100, "y": 50}}


def test_a_narrower_canvas_keeps_what_was_in_the_middle():
    v = view()
    middle = v.to_model(400, 250)
    assert v.resize(600, 500)
    assert v.to_model(300, 250) == pytest.approx(middle)
