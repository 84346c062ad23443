"""The editor's widgets without a browser: what the canvas sends to cytoscape, the palette, the
toolbar, the problems list and the Save / Compile / Deploy actions (real compiler, real local
deploy)."""
from __future__ import annotations

import json

import pytest

from stackerynb import Stack
from stackerynb.catalog import kinds
from stackerynb.widgets import StackEditor
from stackerynb.widgets.canvas import ANCHOR, StackCanvas


class Recorder:
    """Keeps every message a widget sends to the browser (wraps its comm's ``send``)."""

    def __init__(self, widget):
        self.sent = []
        widget.comm.send = lambda data=None, buffers=None, **_: self.sent.append(data)


def record(widget):
    return Recorder(widget)


def pointer(kind, x, y, **extra):
    """An ipyevents mouse event on an 800 x 500 canvas."""
    return {"type": kind, "relativeX": x, "relativeY": y, "button": 0, "buttons": 1,
            "boundingRectWidth": 800, "boundingRectHeight": 500, **extra}


def click(canvas, x, y, **extra):
    canvas._mouse_event(pointer("mousedown", x, y, **extra))
    canvas._mouse_event(pointer("mouseup", x, y, **extra))


def orders_stack():
    s = Stack("orders")
    s.add("rest_api", "Api", position=(0, 0))
    s.add("function", "GetOrder", memory=512, position=(200, 0))
    s.add("table", "Orders", position=(400, 0))
    s.connect("Api", "GetOrder")
    s.connect("GetOrder", "Orders", access="read")
    return s


@pytest.fixture
def editor():
    ed = StackEditor(orders_stack())
    yield ed
    ed.close()


def drawn(canvas: StackCanvas) -> dict:
    graph = canvas.widget.graph
    return {w.data["id"]: w for w in [*graph.nodes, *graph.edges] if not w.removed}


def test_the_canvas_draws_the_stack_with_a_preset_layout_and_the_catalogue_style(editor):
    canvas = editor.canvas
    ids = set(drawn(canvas))
    assert ids == {ANCHOR, "Api", "GetOrder", "Orders", "Api->GetOrder", "GetOrder->Orders"}
    assert drawn(canvas)["GetOrder"].position == {"x": 200.0, "y": 0.0}
    assert canvas.widget.cytoscape_layout["name"] == "preset"
    assert "stackerynb-canvas" in canvas.widget._dom_classes
    selectors = {rule["selector"]: rule for rule in canvas.widget.cytoscape_style}
    for spec in kinds():
        style = selectors[f'node[kind = "{spec.name}"]']["style"]
        assert (style["background-color"], style["shape"]) == (spec.colour, spec.shape)


def test_element_lists_only_grow_and_removed_elements_are_hidden_in_place(editor):
    canvas, stack = editor.canvas, editor.stack
    nodes_before = list(canvas.widget.graph.nodes)
    edges_before = list(canvas.widget.graph.edges)
    old = canvas.live_widget("GetOrder")
    stack.rename("GetOrder", "FetchOrder")
    nodes, edges = list(canvas.widget.graph.nodes), list(canvas.widget.graph.edges)
    assert nodes[:len(nodes_before)] == nodes_before and edges[:len(edges_before)] == edges_before
    assert old.removed and old.classes == "gone" and old.data["id"].startswith("gone")
    gone_edges = [e for e in edges if e.removed]
    assert len(gone_edges) == 2 and all(e.data["source"] == ANCHOR == e.data["target"] for e in gone_edges)
    assert set(drawn(canvas)) == {ANCHOR, "Api", "FetchOrder", "Orders", "Api->FetchOrder", "FetchOrder->Orders"}
    # a fresh view draws every widget in the lists: no two live ids may collide
    all_ids = [w.data["id"] for w in [*nodes, *edges]]
    assert len(all_ids) == len(set(all_ids))


def test_every_layout_the_canvas_sends_moves_no_node(editor):
    """ipycytoscape runs the layout over the whole graph after every added element and every
    view change: each layout we send has an empty positions table, so preset moves nothing."""
    canvas, stack = editor.canvas, editor.stack
    sent = []
    canvas.widget.observe(lambda change: sent.append(change["new"]), "cytoscape_layout")
    layouts = [canvas.widget.cytoscape_layout]
    canvas._mouse_event({"type": "mouseenter", "boundingRectWidth": 800, "boundingRectHeight": 500})
    canvas._key_or_wheel({"type": "wheel", "deltaY": -100, "deltaMode": 0, "relativeX": 400,
                          "relativeY": 250, "boundingRectWidth": 800, "boundingRectHeight": 500})
    stack.add("queue", "Jobs", position=(600, 0))
    canvas.forget_view()
    layouts += sent
    assert len(layouts) >= 3 and all(layout["name"] == "preset" and layout["positions"] == {}
                                     for layout in layouts)


def test_an_addition_before_the_view_is_known_does_not_refit_the_whole_graph(editor):
    canvas, stack = editor.canvas, editor.stack
    assert canvas.widget.cytoscape_layout["fit"] is True  # the first view fits itself
    stack.add("queue", "Jobs", position=(600, 0))
    assert canvas.widget.cytoscape_layout == {"name": "preset", "positions": {}, "animate": False, "fit": False}
    canvas.fit()  # a fit asked for (a new view, the Fit button) still fits
    assert canvas.widget.cytoscape_layout["fit"] is True


def test_element_widgets_are_plain_and_report_selection_without_observers(editor):
    canvas = editor.canvas
    widget = canvas.live_widget("Orders")
    assert type(widget.data) is dict and type(widget.position) is dict  # no spectate model
    assert not widget._trait_notifiers.get("selected")  # no observer per widget
    widget.selected = True  # what the browser syncs back on a click
    assert "Orders" in editor.gestures.selection
    widget.selected = False
    assert "Orders" not in editor.gestures.selection


def test_one_settings_edit_sends_one_update_to_one_element(editor):
    canvas, stack = editor.canvas, editor.stack
    comms = {eid: record(w) for eid, w in drawn(canvas).items()}
    graph_comm = record(canvas.widget.graph)
    stack.set("GetOrder", memory=2048)
    sent = {eid: c.sent for eid, c in comms.items() if c.sent}
    assert list(sent) == ["GetOrder"] and len(sent["GetOrder"]) == 1
    assert sent["GetOrder"][0]["state"]["data"]["settings"] == {"memory": 2048}
    assert graph_comm.sent == []  # no list change, no relayout


def test_positions_dragged_in_the_browser_reach_its_model_so_undo_can_move_them_back(editor):
    canvas, gestures, stack = editor.canvas, editor.gestures, editor.stack
    comm = record(canvas.live_widget("Api"))
    gestures.grab({"data": {"id": "Api"}, "position": {"x": 0, "y": 0}})
    gestures.release({"data": {"id": "Api"}, "position": {"x": 80, "y": 30}})
    assert stack.layout["Api"] == (80, 30)
    assert canvas.live_widget("Api").position == {"x": 80.0, "y": 30.0}
    # the browser's model is told (drags are not synced back): were it left at (0, 0), the
    # undo below would send (0, 0) as "no change" and the node would stay where it was dropped
    assert comm.sent[-1]["state"]["position"] == {"x": 80.0, "y": 30.0}
    stack.undo()
    assert comm.sent[-1]["state"]["position"] == {"x": 0.0, "y": 0.0}
    stack.move("Api", 10, 10)  # from Python: the browser must be told
    assert comm.sent and comm.sent[-1]["state"]["position"] == {"x": 10.0, "y": 10.0}


def test_browser_events_reach_the_stack_through_the_widget_callbacks(editor):
    widget, stack = editor.canvas.widget, editor.stack
    stack.add("queue", "Jobs", position=(400, 200))

    def event(kind, name, element_id, x=None, y=None):
        data = {"data": {"id": element_id}}
        if x is not None:
            data["position"] = {"x": x, "y": y}
        widget._handle_interaction(widget, {"widget": kind, "event": name, "data": data}, [])

    editor.toolbar.connect.value = True
    event("node", "tap", "GetOrder")
    event("node", "tap", "Jobs")
    assert stack.wire("GetOrder", "Jobs") is not None
    editor.toolbar.connect.value = False
    assert not editor.gestures.connect_mode
    event("node", "tapstart", "Jobs", 400, 200)
    event("node", "tapend", "Jobs", 460, 260)
    assert stack.layout["Jobs"] == (460, 260)
    event("edge", "tap", "GetOrder->Jobs")
    editor.toolbar.delete.click()
    assert stack.wire("GetOrder", "Jobs") is None


def test_each_new_view_and_the_fit_button_refit_the_drawing(editor):
    widget = editor.canvas.widget
    sent = record(widget).sent
    heights = []
    widget.layout.observe(lambda change: heights.append(change["new"]), "height")
    widget._view_count = 1  # what the browser reports when it displays a view
    editor.toolbar.fit.click()
    assert [m["content"] for m in sent if m.get("method") == "custom"] == [{"name": "layout"}] * 2
    assert heights == ["calc(560px + 0px)", "560px"]  # same height, new value: the view re-measures


def test_palette_has_every_kind_in_its_colour_and_adds_on_click(editor):
    palette = editor.palette
    curated = [k for k in kinds() if k.name != "resource"]  # any CloudFormation type: by search
    assert list(palette.buttons) == [k.name for k in curated]
    for spec in curated:
        button = palette.buttons[spec.name]
        assert button.style.button_color == spec.colour and spec.icon in button.description
    palette.buttons["topic"].click()
    assert "Topic1" not in editor.stack and editor.gestures.picked_kind == "topic"
    assert "stackerynb-placing" in editor.canvas.widget._dom_classes  # crosshair cursor
    # the browser reports a click on the canvas's background, in pixels inside the canvas
    canvas = editor.canvas
    canvas.view.resize(800, 500)
    canvas.view.zoom, canvas.view.pan_x, canvas.view.pan_y, canvas.view.known = 0.5, 100, 50, True
    click(canvas, 400, 300)
    assert editor.stack.node("Topic1").kind == "topic"
    assert editor.stack.layout["Topic1"] == (600, 500)  # (400 - 100) / 0.5, (300 - 50) / 0.5
    assert "Topic1" in drawn(editor.canvas)
    assert editor.form.node_id == "Topic1"
    assert editor.gestures.picked_kind is None
    assert "stackerynb-placing" not in editor.canvas.widget._dom_classes


def test_gesture_errors_show_in_the_message_area(editor):
    editor.toolbar.delete.click()  # nothing selected
    assert "Select a node or a wire first" in editor.messages.value
    assert "stackerynb-message-error" in editor.messages.value


def test_problems_list_follows_the_stack(editor):
    assert "No problems." in editor.problems.value
    editor.stack.add("bastion", "Jump")
    assert "Jump.network" in editor.problems.value and len(editor.problems.problems) == 1
    editor.stack.remove("Jump")
    assert "No problems." in editor.problems.value


def test_auto_layout_button_records_positions(editor):
    stack = editor.stack
    stack.move("Orders", -999, -999)
    editor.toolbar.auto_layout.click()
    xs = {n: stack.layout[n][0] for n in ("Api", "GetOrder", "Orders")}
    assert xs["Api"] < xs["GetOrder"] < xs["Orders"]


def test_save_writes_the_stack_file_with_the_canvas_positions(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    stack = orders_stack()
    stack.add("queue", "Jobs")  # no position yet: the canvas picks one
    editor = StackEditor(stack)
    editor.actions.save_button.click()
    path = tmp_path / "stacks" / "orders.yaml"
    assert "Saved" in editor.actions.output.value and path.exists()
    loaded = Stack.load(path)
    assert loaded.layout["Jobs"] == editor.sync.position("Jobs")
    assert [n.id for n in loaded.nodes] == [n.id for n in stack.nodes]
    editor.close()


def test_compile_shows_the_template_and_the_permissions_table(editor):
    editor.actions.compile_button.click()
    out = editor.actions.output.value
    assert "stackerynb-compiled" in out and "Permissions" in out
    template = json.loads(editor.actions.template_json)
    types = {r["Type"] for r in template["Resources"].values()}
    assert {"AWS::Lambda::Function", "AWS::DynamoDB::Table", "AWS::ApiGateway::RestApi"} <= types
    table = editor.actions.permissions
    assert "GetOrder -> Orders" in set(table["wire"].dropna())
    assert "GetOrder -&gt; Orders" in out or "GetOrder -> Orders" in out


def test_compile_refusal_is_shown_not_raised(editor):
    editor.stack.add("bastion", "Jump")  # invalid: a bastion must sit in a network
    editor.actions.compile_button.click()
    out = editor.actions.output.value
    assert "stackerynb-error" in out and "Jump" in out
    assert editor.actions.template_json is None


@pytest.mark.slow
def test_deploy_previews_the_change_set_and_confirm_executes_it(tmp_path, monkeypatch, local_target):
    # local_target: the session's emulator, not a project emulator that would outlive the test
    monkeypatch.chdir(tmp_path)
    stack = orders_stack()
    stack.save(tmp_path / "stacks" / "orders.yaml")
    editor = StackEditor(stack)
    deployment = editor.actions.deploy()
    assert deployment is not None and deployment.status == "prepared"
    panel = editor.actions.deploy_panel
    assert panel in editor.actions.children and panel.confirm.deployment is deployment
    assert "GetOrder" in panel.confirm.preview.value  # the change set lists the function
    assert not panel.confirm.confirm_button.disabled
    panel.confirm.confirm_button.click()
    deployment.wait(timeout=120)
    assert deployment.status == "succeeded"
    editor.close()


def test_deploy_to_an_unknown_environment_says_so(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "environments.yaml").write_text("dev: {target: local}\n")
    stack = orders_stack()
    editor = StackEditor(stack)
    assert editor.actions.environment.options == ("dev",)
    editor.actions.environment.options = ["dev", "staging"]
    editor.actions.environment.value = "staging"
    assert editor.actions.deploy() is None
    error = editor.actions.deploy_panel.confirm.error.value
    assert "unknown environment" in error and "staging" in error and "defines: dev" in error
    editor.close()


def test_the_git_bar_sits_below_the_canvas_and_save_clears_its_unsaved_marker(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    stack = orders_stack()
    stack.save()
    editor = StackEditor(stack)
    assert editor.children[-1] is editor.git_bar  # its height changes: below, so the canvas never moves
    stack.set("GetOrder", memory=1024)
    assert "unsaved" in editor.git_bar.unsaved_label.value
    editor.actions.save_button.click()
    assert editor.git_bar.unsaved_label.value == ""
    assert StackEditor(stack, git=False).git_bar is None
    editor.close()


def test_editor_close_stops_following_the_stack_and_closes_its_widgets():
    stack = orders_stack()
    editor = StackEditor(stack)
    node = editor.canvas.live_widget("Api")
    editor.close()
    stack.add("queue", "Jobs")
    assert "Jobs" not in editor.sync.elements
    assert node.comm is None and editor.palette.buttons["function"].comm is None


def known_view(canvas, zoom=1.0, pan=(100, 100)):
    canvas._mouse_event(pointer("mouseenter", 1, 1, buttons=0))  # the browser tells the size: fit
    canvas.view.zoom, (canvas.view.pan_x, canvas.view.pan_y) = zoom, pan
    return canvas.view


def test_the_first_pointer_event_fits_the_view_and_wheel_zoom_is_sent_as_a_preset_layout(editor):
    canvas = editor.canvas
    assert canvas.widget.user_zooming_enabled is False and canvas.widget.user_panning_enabled is False
    canvas._mouse_event(pointer("mouseenter", 1, 1, buttons=0))
    assert canvas.view.known and canvas.widget.cytoscape_layout["fit"] is False
    zoom = canvas.widget.cytoscape_layout["zoom"]
    canvas._key_or_wheel({"type": "wheel", "deltaY": -100, "deltaMode": 0, "relativeX": 400,
                          "relativeY": 250, "boundingRectWidth": 800, "boundingRectHeight": 500})
    assert canvas.widget.cytoscape_layout["zoom"] == pytest.approx(zoom * 1.1, rel=1e-3)
    editor.toolbar.zoom_out.click()
    assert canvas.widget.cytoscape_layout["zoom"] == pytest.approx(zoom * 1.1 / 1.25, rel=1e-3)
    canvas.view.zoom = 0.5
    editor.toolbar.zoom_out.click()  # zoomed out: labels grow in model units, stay readable
    fonts = [r["style"]["font-size"] for r in canvas.widget.cytoscape_style if r["selector"] == "node"]
    assert fonts[0] * canvas.view.zoom >= 12


def test_dragging_the_background_pans_and_dragging_a_node_does_not(editor):
    canvas = editor.canvas
    view = known_view(canvas)
    canvas._mouse_event(pointer("mousedown", 700, 400))  # empty: model (600, 300)
    canvas._mouse_move(pointer("mousemove", 720, 390))
    assert canvas.widget.cytoscape_layout["pan"] == {"x": 120, "y": 90}
    canvas._mouse_event(pointer("mouseup", 750, 380))
    assert (view.pan_x, view.pan_y) == (150, 80)
    canvas._mouse_event(pointer("mousedown", 150 + 200, 80))  # on GetOrder (200, 0)
    canvas._mouse_event(pointer("mouseup", 150 + 260, 80))
    assert (view.pan_x, view.pan_y) == (150, 80)  # cytoscape drags the node instead
    canvas._mouse_event(pointer("mousedown", 700, 400, shiftKey=True))  # shift: no pan
    canvas._mouse_event(pointer("mouseup", 760, 400, shiftKey=True))
    assert (view.pan_x, view.pan_y) == (150, 80)


def test_a_click_on_a_node_or_wire_is_not_a_background_click(editor):
    canvas, gestures = editor.canvas, editor.gestures
    known_view(canvas)
    gestures.pick("queue")
    click(canvas, 100 + 200, 100 + 3)  # on GetOrder
    click(canvas, 100 + 100, 100 + 1)  # on the wire Api -> GetOrder
    assert gestures.picked_kind == "queue" and "Queue1" not in editor.stack
    click(canvas, 100 + 300, 100 + 200)
    assert editor.stack.layout["Queue1"] == (300, 200)


def test_keys_over_the_canvas_undo_redo_and_delete(editor):
    canvas, stack = editor.canvas, editor.stack
    stack.set("GetOrder", memory=1024)
    assert editor.toolbar.undo.disabled is False and editor.toolbar.redo.disabled is True
    canvas._key_or_wheel({"type": "keydown", "key": "z", "ctrlKey": True})
    assert stack.node("GetOrder").settings["memory"] == 512
    assert editor.toolbar.redo.disabled is False
    canvas._key_or_wheel({"type": "keydown", "key": "z", "metaKey": True, "shiftKey": True})
    assert stack.node("GetOrder").settings["memory"] == 1024
    canvas.live_widget("Orders").selected = True  # what the browser syncs back on a click
    # keys typed into a field (the form) while the pointer rests on the canvas are the field's
    for tag in ("INPUT", "TEXTAREA", "SELECT"):
        canvas._key_or_wheel({"type": "keydown", "key": "Backspace", "target": {"tagName": tag}})
    assert "Orders" in stack
    assert not canvas.keys.prevent_default_action and canvas.wheel.prevent_default_action
    canvas._key_or_wheel({"type": "keydown", "key": "Delete", "target": {"tagName": "DIV"}})
    assert "Orders" not in stack
    editor.toolbar.undo.click()
    assert "Orders" in stack and stack.wire("GetOrder", "Orders") is not None


def test_resizing_the_canvas_in_the_browser_makes_cytoscape_measure_it_again(editor):
    canvas = editor.canvas
    known_view(canvas, zoom=0.8, pan=(10, 20))
    canvas._mouse_event(pointer("mouseenter", 1, 1, buttons=0, boundingRectHeight=700))
    assert canvas.widget.layout.height == "700px"  # ipycytoscape calls cy.resize() on this
    assert canvas.widget.cytoscape_layout["zoom"] == 0.8  # the view stays as it was


def test_dropping_a_node_on_another_snaps_it_back_in_the_browser(editor):
    canvas, gestures = editor.canvas, editor.gestures
    editor.stack.add("queue", "Jobs", position=(400, 200))
    comm = record(canvas.live_widget("Api"))
    gestures.grab({"data": {"id": "Api"}, "position": {"x": 0, "y": 0}})
    gestures.release({"data": {"id": "Api"}, "position": {"x": 200, "y": 5}})  # onto GetOrder: wired already, refused and put back
    assert editor.stack.layout["Api"] == (0, 0)
    assert comm.sent and comm.sent[0]["state"]["position"]["x"] == pytest.approx(0, abs=0.01)


def test_open_moves_the_editor_into_a_jupyterlab_tab_and_close_brings_it_back(editor):
    from stackerynb.widgets import studio
    sent = []
    app = studio.frontend()
    app.shell.send = lambda content, buffers=None: sent.append(content)
    parts = list(editor.children)
    widgets_before = len(editor.canvas.widget.graph.nodes) + len(editor.canvas.widget.graph.edges)
    opened = editor.open()
    assert sent[0]["func"] == "add" and sent[0]["payload"]["area"] == "main"
    assert sent[0]["payload"]["serializedWidget"] == "IPY_MODEL_" + opened.panel.model_id
    assert opened.panel.title.label == "Studio: orders"
    # the same editor, moved: no second canvas built, the tab shows its parts, a note stays inline
    assert opened.editor is editor and editor.studio is opened
    assert list(opened.body.children) == parts and editor.children == (editor._placeholder,)
    assert len(editor.canvas.widget.graph.nodes) + len(editor.canvas.widget.graph.edges) == widgets_before
    assert editor.canvas.widget.layout.height == studio.STUDIO_HEIGHT and editor.side.layout.flex == "0 1 420px"
    assert editor.canvas.view.known is False and editor.canvas.widget.cytoscape_layout["fit"] is True
    editor.stack.move("Api", 5, 5)  # it still follows the stack
    assert editor.canvas.live_widget("Api").position == {"x": 5.0, "y": 5.0}
    editor._placeholder.children[1].click()  # "Show the editor here"
    assert editor.studio is None and list(editor.children) == parts and opened.body.children == ()
    assert editor.canvas.widget.layout.height == "560px" and editor.side.layout.flex == "1 1 100%"
    assert opened.panel.comm is None  # the tab is closed
    again = editor.open()  # opens again; closing the editor closes its tab too
    editor.close()
    assert again.panel.comm is None


def test_a_studio_of_its_own_builds_an_editor_for_the_tab():
    from stackerynb.widgets.studio import Studio
    stack = orders_stack()
    opened = Studio(stack)
    assert opened.body.children == (opened.editor,) and opened.editor.stack is stack
    opened.close()
    assert opened.editor.comm is None


def test_the_editor_starts_without_importing_pandas_and_ipycytoscape_still_takes_dataframes():
    """ipycytoscape imports pandas and networkx for DataFrame and networkx graphs only (about a
    second of the editor's start): the canvas keeps them out, and they load if such a graph is
    used after all."""
    import subprocess
    import sys
    code = ("import sys\nfrom stackerynb import Stack\nfrom stackerynb.widgets import StackEditor\n"
            "s = Stack('x'); s.add('function', 'F', position=(0, 0)); StackEditor(s)\n"
            "print('pandas' in sys.modules, 'networkx' in sys.modules)\n"
            "import ipycytoscape.cytoscape, pandas as pd, networkx as nx\n"
            "print(ipycytoscape.cytoscape.pd.DataFrame is pd.DataFrame, ipycytoscape.cytoscape.nx.Graph is nx.Graph)\n"
            "import ipycytoscape\n"
            "g = nx.Graph(); g.add_edge('a', 'b')\n"
            "print(len(ipycytoscape.CytoscapeWidget(g).graph.nodes))\n")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120, check=True)
    assert out.stdout.split("\n")[:3] == ["False False", "True True", "2"]
