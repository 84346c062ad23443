"""The studio in JupyterLab in headless Chromium: room to work (full-width canvas, resizable,
readable labels, zoom buttons, a gentle wheel, the theme followed, the form not cut off), direct
manipulation (place where clicked, drop a node onto another to wire them, shift-click and move
together, Shift+drag box select, Delete, Ctrl/Cmd+Z and Shift+Ctrl/Cmd+Z), undo of every kind of edit, and the studio
in a tab of its own.

One notebook for the module; themes and window sizes change between tests (each at least
once, with an assertion that depends on it). Every test leaves the stack as it found it.
"""
from __future__ import annotations

import time

import pytest

from labdriver import CANVAS_CLASS, NotebookPage, wait_until

pytestmark = [pytest.mark.browser, pytest.mark.slow]

NOTEBOOK = "studio.ipynb"
CELLS = [
    "from stackerynb import Stack\n"
    "from stackerynb.widgets import StackEditor\n"
    "stack = Stack('shop')\n"
    "stack.add('rest_api', 'Api', position=(0, 0))\n"
    "stack.add('function', 'GetOrder', memory=512, position=(220, 0))\n"
    "stack.add('table', 'Orders', position=(440, 0))\n"
    "stack.add('queue', 'Jobs', position=(220, 200))\n"
    "stack.connect('Api', 'GetOrder')\n"
    "stack.connect('GetOrder', 'Orders', access='read')\n"
    "stack.history.clear()",
    "editor = StackEditor(stack, git=False)\neditor",
]
LIGHT, DARK = "JupyterLab Light", "JupyterLab Dark"


@pytest.fixture(scope="module")
def session(jupyterlab, browser):
    jupyterlab.write_notebook(NOTEBOOK, CELLS)
    page = browser.new_page(viewport={"width": 1600, "height": 1000})
    nb = NotebookPage(jupyterlab, page, NOTEBOOK).open()
    nb.run_all()
    nb.wait_canvas(4)
    kernel = jupyterlab.kernel_client(NOTEBOOK)
    yield nb, kernel
    kernel.close()
    page.close()


@pytest.fixture
def studio(session):
    """The notebook, at the start of each test: nothing selected or picked, no history, the
    canvas scrolled into view and its view known to Python."""
    nb, kernel = session
    kernel.run("editor.gestures.pick(None); editor.gestures.escape(); stack.history.clear()")
    enter_canvas(nb, kernel)
    yield nb, kernel
    kernel.run("stack.history.clear()")


def set_window(nb, kernel, width: int, theme: str) -> None:
    nb.page.set_viewport_size({"width": width, "height": 1000})
    nb.page.evaluate("(theme) => window.jupyterapp.commands.execute('apputils:change-theme', {theme})", theme)
    light = "true" if theme == LIGHT else "false"
    nb.page.wait_for_function(f"document.body.dataset.jpThemeLight === '{light}'", timeout=20_000)
    canvas_settled(nb)  # JupyterLab lays out after the resize: measure the canvas once it has
    enter_canvas(nb, kernel)
    nb.page.locator("button.stackerynb-fit").first.click()
    wait_until(lambda: views_agree(nb, kernel), what="the fitted view")


def canvas_settled(nb) -> None:
    """Wait until the canvas's box is the same two animation frames apart (JupyterLab lays its
    panels out a frame or more after a window resize; a pointer event before that would tell
    Python the old size, and Fit would fit the old canvas)."""
    script = (f"() => new Promise(done => requestAnimationFrame(() => requestAnimationFrame(() => {{"
              f"const b = document.querySelector('.{CANVAS_CLASS}').getBoundingClientRect();"
              f"done([b.x, b.y, b.width, b.height]); }})))")
    seen = [None]

    def stable() -> bool:
        box = nb.page.evaluate(script)
        same = box == seen[0]
        seen[0] = box
        return same
    wait_until(stable, what="the canvas's box after the window resize")


def enter_canvas(nb, kernel) -> None:
    """Scroll the canvas into view and put the pointer on it, then wait until the browser shows
    the view Python keeps (the first pointer event tells Python the canvas size)."""
    canvas = nb.page.locator(f".{CANVAS_CLASS}").first
    canvas.scroll_into_view_if_needed()
    box = canvas.bounding_box()
    nb.page.mouse.move(box["x"] + 3, box["y"] + 3)
    nb.page.mouse.move(box["x"] + 6, box["y"] + 6)
    wait_until(lambda: kernel.value("editor.canvas.view.known"), what="the view known to Python")
    wait_until(lambda: views_agree(nb, kernel), what="the browser showing Python's view")


def views_agree(nb, kernel) -> bool:
    python = kernel.value("[editor.canvas.view.zoom, editor.canvas.view.pan_x, editor.canvas.view.pan_y]")
    zoom, pan = nb.cy("return [cy.zoom(), cy.pan()]")
    return abs(zoom - python[0]) < 1e-3 and abs(pan["x"] - python[1]) < 0.5 and abs(pan["y"] - python[2]) < 0.5


def nodes(nb) -> set[str]:
    return set(nb.cy("return cy.nodes('.stack-node').map(n => n.id())"))


def edges(nb) -> set[str]:
    return set(nb.cy("return cy.edges('.wire').map(e => e.id())"))


def position(nb, node_id):
    return nb.cy("const p = cy.getElementById(arg).position(); return [Math.round(p.x), Math.round(p.y)];", node_id)


def selected(nb) -> list[str]:
    return nb.cy("return cy.$(':selected').map(e => e.id())")


def message(nb) -> str:
    return nb.page.locator(".stackerynb-message").first.inner_text()


def press(nb, keys: str) -> None:
    """Press keys with the pointer over the canvas (where ipyevents listens for them)."""
    box = nb.page.locator(f".{CANVAS_CLASS}").first.bounding_box()
    nb.page.mouse.move(box["x"] + 8, box["y"] + 8)
    nb.page.keyboard.press(keys)


def label_pixels(nb) -> list[float]:
    return nb.cy("return cy.nodes('.stack-node').map(n => parseFloat(n.renderedStyle('font-size')))")


# ------------------------------------------------------------------ room to work
@pytest.mark.parametrize("width,theme", [(1024, DARK), (1600, LIGHT)])
def test_the_canvas_fills_the_width_follows_the_theme_and_the_form_fits(studio, width, theme):
    nb, kernel = studio
    set_window(nb, kernel, width, theme)
    canvas = nb.page.locator(f".{CANVAS_CLASS}").first.bounding_box()
    palette = nb.page.locator(".stackerynb-palette").first.bounding_box()
    editor = nb.page.locator(".stackerynb-editor").first.bounding_box()
    # the canvas takes the width the palette leaves (not a 300-400 px strip)
    assert canvas["width"] >= editor["width"] - palette["width"] - 40
    assert canvas["height"] >= 500
    background = nb.page.evaluate(f"getComputedStyle(document.querySelector('.{CANVAS_CLASS}')).backgroundColor")
    if theme == DARK:
        channels = [int(c) for c in background[background.index("(") + 1:-1].split(",")[:3]]
        assert max(channels) < 80, background  # not a white block in the dark theme
    else:
        assert background == "rgb(255, 255, 255)"
    # the settings form of a selected node is on screen in full, not cut off at the right
    nb.click_node("GetOrder")
    memory = nb.page.locator(".stackerynb-setting-memory input").first
    memory.wait_for(timeout=10_000)
    memory.scroll_into_view_if_needed()
    side = nb.page.locator(".stackerynb-side").first.bounding_box()
    assert side["x"] >= 0 and side["x"] + side["width"] <= width
    field = memory.bounding_box()
    assert field["x"] + field["width"] <= width
    set_window(nb, kernel, 1600, LIGHT)


def test_thirty_nodes_fit_with_labels_at_least_12_pixels_and_zoom_buttons_and_wheel(studio):
    nb, kernel = studio
    kernel.run("with stack.batch():\n"
               "    for i in range(26):\n"
               "        stack.add('function', f'Fn{i}', position=(600 + (i % 6) * 170, (i // 6) * 150))")
    wait_until(lambda: len(nodes(nb)) == 30, what="30 nodes drawn")
    nb.page.locator("button.stackerynb-fit").first.click()
    wait_until(lambda: views_agree(nb, kernel) and nb.cy("return cy.zoom()") < 0.9, what="the fitted view")
    wait_until(lambda: min(label_pixels(nb)) >= 12, what="labels of at least 12 px")
    # every node is in view after Fit
    inside = nb.cy("const w = cy.width(), h = cy.height(); return cy.nodes('.stack-node').every("
                   "n => { const p = n.renderedPosition(); return p.x > 0 && p.x < w && p.y > 0 && p.y < h; })")
    assert inside
    zoom = nb.cy("return cy.zoom()")
    nb.page.locator("button.stackerynb-zoom-in").first.click()
    wait_until(lambda: nb.cy("return cy.zoom()") > zoom * 1.2, what="zoomed in")
    nb.page.locator("button.stackerynb-zoom-out").first.click()
    wait_until(lambda: abs(nb.cy("return cy.zoom()") - zoom) < 1e-3, what="zoomed out again")
    # one wheel notch is a gentle step (was 2.5x), around the pointer
    box = nb.page.locator(f".{CANVAS_CLASS}").first.bounding_box()
    nb.page.mouse.move(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    nb.page.mouse.wheel(0, -100)
    wait_until(lambda: nb.cy("return cy.zoom()") > zoom * 1.01, what="the wheel to zoom")
    assert nb.cy("return cy.zoom()") <= zoom * 1.11
    kernel.run("stack.undo()")  # the 26 additions were one step
    wait_until(lambda: len(nodes(nb)) == 4, what="the batch undone")


def test_the_canvas_resizes_from_its_corner_and_clicks_still_land(studio):
    nb, kernel = studio
    canvas = nb.page.locator(f".{CANVAS_CLASS}").first
    box = canvas.bounding_box()
    nb.page.mouse.move(box["x"] + box["width"] - 3, box["y"] + box["height"] - 3)
    nb.page.mouse.down()
    nb.page.mouse.move(box["x"] + box["width"] - 3, box["y"] + box["height"] + 140, steps=6)
    nb.page.mouse.up()
    wait_until(lambda: canvas.bounding_box()["height"] > box["height"] + 100, what="a taller canvas")
    enter_canvas(nb, kernel)
    wait_until(lambda: nb.cy("return cy.height()") > box["height"] + 100, what="cytoscape to re-measure")
    # Fit now uses the new height: the drawing is centred in the taller canvas
    nb.page.locator("button.stackerynb-fit").first.click()
    centred = ("const b = cy.nodes('.stack-node').renderedBoundingBox({includeLabels: false});"
               "return Math.abs((b.y1 + b.y2) / 2 - cy.height() / 2);")
    wait_until(lambda: nb.cy(centred) < 25, what="the fit centred in the new height")
    nb.click_node("Jobs")  # a click after the resize still hits the node under the pointer
    wait_until(lambda: kernel.value("sorted(editor.gestures.selection)") == ["Jobs"], what="Jobs selected")
    kernel.run(f"editor.canvas.widget.layout.height = '{round(box['height'])}px'")


def test_dragging_the_background_pans_the_view_python_keeps(studio):
    nb, kernel = studio
    box = nb.page.locator(f".{CANVAS_CLASS}").first.bounding_box()
    x, y = box["x"] + 0.85 * box["width"], box["y"] + 0.85 * box["height"]  # empty background
    pan = nb.cy("return cy.pan()")
    nb.page.mouse.move(x, y)
    nb.page.mouse.down()
    nb.page.mouse.move(x - 120, y - 70, steps=6)
    nb.page.mouse.up()
    wait_until(lambda: abs(nb.cy("return cy.pan().x") - (pan["x"] - 120)) < 1
               and abs(nb.cy("return cy.pan().y") - (pan["y"] - 70)) < 1, what="the view panned")
    # the browser pans as the pointer moves; Python's view follows when the release reaches it
    wait_until(lambda: views_agree(nb, kernel), what="Python's view to follow the pan")
    assert kernel.value("[stack.layout['Api'], stack.layout['Jobs']]") == [[0, 0], [220, 200]]  # nothing moved
    nb.page.locator("button.stackerynb-fit").first.click()
    wait_until(lambda: views_agree(nb, kernel), what="the fitted view")


# ------------------------------------------------------------- direct manipulation
def test_a_picked_kind_is_placed_where_the_canvas_is_clicked_and_undo_removes_it(studio):
    nb, kernel = studio
    nb.page.locator(".stackerynb-kind-topic").first.click()
    wait_until(lambda: kernel.value("editor.gestures.picked_kind") == "topic", what="the pick")
    enter_canvas(nb, kernel)
    box = nb.page.locator(f".{CANVAS_CLASS}").first.bounding_box()
    x, y = box["x"] + 0.85 * box["width"], box["y"] + 0.85 * box["height"]  # an empty spot
    zoom, pan = nb.cy("return [cy.zoom(), cy.pan()]")
    expected = ((x - box["x"] - pan["x"]) / zoom, (y - box["y"] - pan["y"]) / zoom)
    nb.page.mouse.click(x, y)
    wait_until(lambda: "Topic1" in nodes(nb), what="Topic1 on the canvas")
    where = kernel.value("stack.layout['Topic1']")
    assert abs(where[0] - expected[0]) <= 3 and abs(where[1] - expected[1]) <= 3  # where the click was
    drawn = nb.cy("return cy.getElementById('Topic1').renderedPosition()")
    assert abs(box["x"] + drawn["x"] - x) <= 3 and abs(box["y"] + drawn["y"] - y) <= 3
    press(nb, "Control+z")
    wait_until(lambda: "Topic1" not in nodes(nb), what="the addition undone")
    assert kernel.value("'Topic1' in stack") is False
    press(nb, "Control+Shift+z")
    wait_until(lambda: "Topic1" in nodes(nb), what="the addition redone")
    kernel.run("stack.remove('Topic1')")


def test_dropping_a_node_onto_another_wires_them_and_undo_unwires(studio):
    nb, kernel = studio
    start = position(nb, "Jobs")
    nb.drag_node("Jobs", *_offset(nb, "Jobs", "GetOrder"))
    wait_until(lambda: "Jobs->GetOrder" in edges(nb), what="the wire drawn")
    assert kernel.value("stack.wire('Jobs', 'GetOrder') is not None")
    wait_until(lambda: position(nb, "Jobs") == start, what="Jobs put back where it was")
    assert "Wired Jobs -> GetOrder" in message(nb)
    # a refused pair says why, as connect mode does, and changes nothing
    nb.drag_node("Orders", *_offset(nb, "Orders", "Api"))
    wait_until(lambda: "a table can wire to: function" in message(nb), what="the refusal")
    assert "Orders->Api" not in edges(nb)
    wait_until(lambda: position(nb, "Orders") == [440, 0], what="Orders put back")
    nb.page.locator("button.stackerynb-undo").first.click()
    wait_until(lambda: "Jobs->GetOrder" not in edges(nb), what="the wire undone")
    assert kernel.value("stack.wire('Jobs', 'GetOrder') is None")


def test_shift_click_selects_several_that_move_together_and_undo_in_one_step(studio):
    nb, kernel = studio
    nb.click_node("Api")
    x, y = nb.node_point("Orders")
    nb.page.keyboard.down("Shift")
    nb.page.mouse.click(x, y)
    nb.page.keyboard.up("Shift")
    wait_until(lambda: kernel.value("sorted(editor.gestures.selection)") == ["Api", "Orders"],
               what="two nodes selected")
    zoom = nb.cy("return cy.zoom()")
    nb.drag_node("Orders", 40, 60)
    dx, dy = round(40 / zoom), round(60 / zoom)
    wait_until(lambda: kernel.value("[stack.layout['Api'], stack.layout['Orders']]")
               == [[dx, dy], [440 + dx, dy]], what="both moved in Python", timeout=10)
    assert position(nb, "Api") == [dx, dy] and position(nb, "GetOrder") == [220, 0]
    press(nb, "Control+z")
    wait_until(lambda: position(nb, "Api") == [0, 0] and position(nb, "Orders") == [440, 0],
               what="both moved back on the canvas")
    assert kernel.value("[stack.layout['Api'], stack.layout['Orders']]") == [[0, 0], [440, 0]]


def test_shift_drag_on_the_background_box_selects_and_delete_and_undo_act_on_the_box(studio):
    """Shift + drag draws a selection box (adding to the selection, as Shift-click does): the
    three nodes inside it (of five) are selected in Python, the view does not pan, Delete removes them in one step and Ctrl+Z brings them back."""
    nb, kernel = studio
    kernel.run("stack.add('topic', 'Extra', position=(660, 200)); stack.history.clear()")
    nb.page.locator("button.stackerynb-fit").first.click()
    wait_until(lambda: "Extra" in nodes(nb) and views_agree(nb, kernel), what="five nodes fitted")
    inside = ["GetOrder", "Jobs", "Orders"]
    for node_id in ["Api", "Extra", *inside]:
        nb.node_point(node_id)  # each steadily in view
    nb.page.mouse.click(*nb.model_point(100, 150))  # an empty spot: nothing selected (Shift adds)
    wait_until(lambda: selected(nb) == [] and kernel.value("sorted(editor.gestures.selection)") == [],
               what="an empty selection")
    bb = nb.cy("const b = cy.collection(arg.map(i => cy.getElementById(i))).renderedBoundingBox();"
               " return [b.x1, b.y1, b.x2, b.y2];", inside)
    box = nb.page.locator(f".{CANVAS_CLASS}").first.bounding_box()
    x1, y1, x2, y2 = box["x"] + bb[0] - 12, box["y"] + bb[1] - 12, box["x"] + bb[2] + 12, box["y"] + bb[3] + 12
    assert box["x"] < x1 and x2 < box["x"] + box["width"] and box["y"] < y1 and y2 < box["y"] + box["height"]
    pan = nb.cy("return cy.pan()")
    nb.page.mouse.move(x1, y1)
    nb.page.keyboard.down("Shift")
    nb.page.mouse.down()
    nb.page.mouse.move((x1 + x2) / 2, (y1 + y2) / 2, steps=4)
    nb.page.mouse.move(x2, y2, steps=4)
    nb.page.mouse.up()
    nb.page.keyboard.up("Shift")
    wait_until(lambda: kernel.value("sorted(i for i in editor.gestures.selection if i in stack)") == inside,
               what=f"the three boxed nodes selected in Python (the canvas has {selected(nb)})")
    assert sorted(n for n in selected(nb) if n in inside + ["Api", "Extra"]) == inside
    assert nb.cy("return cy.pan()") == pan and views_agree(nb, kernel)  # a box, not a pan
    press(nb, "Delete")
    wait_until(lambda: nodes(nb) == {"Api", "Extra"}, what="the boxed nodes deleted")
    assert edges(nb) == set() and kernel.value("sorted(n.id for n in stack.nodes)") == ["Api", "Extra"]
    press(nb, "Control+z")
    wait_until(lambda: nodes(nb) == {"Api", "Extra", *inside}
               and edges(nb) == {"Api->GetOrder", "GetOrder->Orders"}, what="all three back with their wires")
    assert kernel.value("[stack.layout[i] for i in ('GetOrder', 'Jobs', 'Orders')]") == [[220, 0], [220, 200], [440, 0]]
    kernel.run("stack.remove('Extra'); stack.history.clear()")
    nb.page.locator("button.stackerynb-fit").first.click()
    wait_until(lambda: "Extra" not in nodes(nb) and views_agree(nb, kernel), what="the four nodes fitted")


def test_delete_key_removes_the_selection_with_its_wires_and_undo_brings_it_back(studio):
    nb, kernel = studio
    nb.click_node("GetOrder")
    wait_until(lambda: kernel.value("sorted(editor.gestures.selection)") == ["GetOrder"],
               what=f"GetOrder alone selected (the canvas has {selected(nb)})")
    press(nb, "Delete")
    wait_until(lambda: "GetOrder" not in nodes(nb), what="GetOrder deleted")
    assert edges(nb) == set() and kernel.value("'GetOrder' in stack") is False
    press(nb, "Control+z")
    wait_until(lambda: "GetOrder" in nodes(nb) and edges(nb) == {"Api->GetOrder", "GetOrder->Orders"},
               what="GetOrder back with both wires")
    assert position(nb, "GetOrder") == [220, 0]
    nb.click_node("Jobs")
    wait_until(lambda: kernel.value("sorted(editor.gestures.selection)") == ["Jobs"], what="Jobs selected")
    press(nb, "Backspace")
    wait_until(lambda: "Jobs" not in nodes(nb), what="Backspace deletes too")
    press(nb, "Meta+z")  # Cmd+Z on a Mac
    wait_until(lambda: "Jobs" in nodes(nb), what="Jobs back")


def test_python_edits_are_undone_on_the_canvas_too(studio):
    """Rename, a settings change, a wire's access, a disconnect: made in Python, undone with the
    toolbar and the keys, each seen on the canvas."""
    nb, kernel = studio
    kernel.run("stack.rename('Jobs', 'Work')")
    wait_until(lambda: "Work" in nodes(nb) and "Jobs" not in nodes(nb), what="the rename drawn")
    press(nb, "Control+z")
    wait_until(lambda: "Jobs" in nodes(nb) and "Work" not in nodes(nb), what="the rename undone")
    kernel.run("stack.set('GetOrder', memory=2048)")
    memory = "return cy.getElementById('GetOrder').data('settings').memory"
    wait_until(lambda: nb.cy(memory) == 2048, what="the setting drawn")
    nb.page.locator("button.stackerynb-undo").first.click()
    wait_until(lambda: nb.cy(memory) == 512, what="the setting undone")
    kernel.run("stack.configure('GetOrder', 'Orders', access='write')")
    label = "return cy.getElementById('GetOrder->Orders').data('label')"
    wait_until(lambda: nb.cy(label) == "write", what="the wire's access drawn")
    press(nb, "Control+z")
    wait_until(lambda: nb.cy(label) == "read", what="the wire's access undone")
    kernel.run("stack.disconnect('Api', 'GetOrder')")
    wait_until(lambda: "Api->GetOrder" not in edges(nb), what="the disconnect drawn")
    press(nb, "Control+z")
    wait_until(lambda: "Api->GetOrder" in edges(nb), what="the disconnect undone")
    nb.page.locator("button.stackerynb-redo").first.click()
    wait_until(lambda: "Api->GetOrder" not in edges(nb), what="the disconnect redone")
    press(nb, "Control+z")
    wait_until(lambda: "Api->GetOrder" in edges(nb), what="undone again")
    assert nb.widget_errors() == []


# --------------------------------------------------------------------- the studio
def test_open_shows_the_studio_in_a_tab_of_its_own_that_follows_the_stack(studio):
    nb, kernel = studio
    started = time.monotonic()
    kernel.run("studio = editor.open()")  # the editor moves into the tab
    tab_canvas = nb.page.locator(f".stackerynb-studio .{CANVAS_CLASS}")
    nb.page.wait_for_function(
        "(cls) => { const el = document.querySelector('.stackerynb-studio .' + cls);"
        " const cy = el && el._cyreg && el._cyreg.cy; return !!cy && cy.nodes('.stack-node').length >= 4; }",
        arg=CANVAS_CLASS, timeout=30_000, polling=100)
    assert time.monotonic() - started < 10
    box = tab_canvas.bounding_box()
    assert box["width"] > 500 and box["height"] > 500  # full size, not a blank tab
    assert nb.page.evaluate("window.jupyterapp.shell.currentWidget.title.label") == "Studio: shop"
    kernel.run("stack.add('secret', 'Key', position=(0, 200))")
    wait_until(lambda: nb.page.evaluate(
        "() => document.querySelector('.stackerynb-studio .stackerynb-canvas')._cyreg.cy"
        ".getElementById('Key').length") == 1, what="an edit from Python in the studio")
    # the editor moved there (one canvas in the page); the notebook keeps a note with a way back
    assert nb.page.locator(f".{CANVAS_CLASS}").count() == 1
    assert kernel.value("studio.editor is editor")
    kernel.run("stack.undo()")
    nb.page.locator(".lm-DockPanel-tabBar .lm-TabBar-tab", has_text=NOTEBOOK).first.click()
    nb.page.get_by_text("Show the editor here").click()
    nb.page.wait_for_selector(".stackerynb-studio", state="detached", timeout=20_000)
    nb.wait_canvas(4)  # back inline, drawn, and clicks land again
    enter_canvas(nb, kernel)
    nb.click_node("Jobs")
    wait_until(lambda: kernel.value("editor.sync.selected") == "Jobs", what="a click on the canvas back inline")


def _offset(nb, source: str, target: str) -> tuple[float, float]:
    sx, sy = nb.node_point(source)
    tx, ty = nb.node_point(target)
    return tx - sx, ty - sy
