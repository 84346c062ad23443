"""Honest drawing in JupyterLab in headless Chromium: group boxes as cytoscape draws them hold
exactly their members, a node placed in a network stays in view, and the palette's search
filters as one types and adds a generic resource drawn as a card."""
from __future__ import annotations

import pytest

from labdriver import CANVAS_CLASS, NotebookPage, wait_until

pytestmark = [pytest.mark.browser, pytest.mark.slow]

NOTEBOOK = "drawing.ipynb"
CELLS = [
    "from stackerynb import Stack\n"
    "from stackerynb.catalog import kind\n"
    "from stackerynb.widgets import StackEditor\n"
    "stack = Stack('drawing')\n"
    "for k in range(4):\n"
    "    stack.add('function', f'Fn{k}')\n"
    "stack.add('rest_api', 'Api')\n"
    "stack.add('queue', 'Jobs')\n"
    "stack.add('table', 'Orders')\n"
    "stack.add('virtual_network', 'Vpc')\n"
    "stack.add('database', 'Db', network='Vpc')\n"
    "stack.add('bastion', 'Jump', network='Vpc')\n"
    "stack.add('function', 'Inner', network='Vpc')\n"
    "stack.connect('Api', 'Fn0')\n"
    "stack.connect('Fn0', 'Jobs')\n"
    "stack.connect('Jobs', 'Fn1')\n"
    "stack.connect('Fn1', 'Orders')\n"
    "stack.connect('Fn2', 'Inner')\n"
    "stack.connect('Inner', 'Db')",
    "editor = StackEditor(stack, git=False)\neditor",
]
NODES = 11  # stack nodes drawn (the network is a box)

# For every compound box: the stack nodes whose drawn box (body and label) overlaps it, and
# the nodes inside it. Both as cytoscape itself lays them out.
BOX_CONTENTS = """
const boxes = cy.nodes(':parent');
const out = {};
boxes.forEach(box => {
    const b = box.boundingBox({includeLabels: false});
    const covered = cy.nodes('.stack-node').filter(n => !n.isParent()).filter(n => {
        const r = n.boundingBox({includeLabels: true});
        return r.x1 < b.x2 && b.x1 < r.x2 && r.y1 < b.y2 && b.y1 < r.y2;
    }).map(n => n.id()).sort();
    const members = box.descendants('.stack-node').map(n => n.id()).sort();
    out[box.id()] = [covered, members];
});
return out;
"""

IN_VIEW = """
const n = cy.getElementById(arg); if (n.empty()) return null; const p = n.renderedPosition();
return [p.x, p.y, cy.width(), cy.height(), n.parent().id() || null];
"""


@pytest.fixture(scope="module")
def session(jupyterlab, browser):
    jupyterlab.write_notebook(NOTEBOOK, CELLS)
    page = browser.new_page(viewport={"width": 1500, "height": 1100})
    nb = NotebookPage(jupyterlab, page, NOTEBOOK).open()
    nb.run_all()
    nb.wait_canvas(NODES)
    page.locator(f".{CANVAS_CLASS}").scroll_into_view_if_needed()
    kernel = jupyterlab.kernel_client(NOTEBOOK)
    yield nb, kernel
    kernel.close()
    nb.shut_down()


def box_contents(nb) -> dict:
    return nb.cy(BOX_CONTENTS)


def test_group_boxes_hold_exactly_their_members_as_drawn(session):
    nb, kernel = session
    kernel.run("editor.gestures.auto_layout()")
    wait_until(lambda: nb.cy("return cy.getElementById('Inner').position('x')")
               == kernel.value("stack.layout['Inner'][0]"), what="the auto layout on the canvas")
    contents = box_contents(nb)
    assert {"Vpc", "Vpc::private", "Vpc::public"} <= set(contents)
    for box, (covered, members) in contents.items():
        assert covered == members, f"{box} covers {covered} but holds {members}"
    assert contents["Vpc"][1] == ["Db", "Inner", "Jump"]
    # the check sees a box drawn over a node that is not in it (Orders dragged onto Db's spot)
    before = kernel.value("stack.layout['Orders']")
    kernel.run("stack.move('Orders', stack.layout['Db'][0] + 30, stack.layout['Db'][1])")
    wait_until(lambda: "Orders" in box_contents(nb)["Vpc::private"][0], what="the seeded overlap seen")
    kernel.run(f"stack.move('Orders', {before[0]}, {before[1]})")
    wait_until(lambda: "Orders" not in box_contents(nb)["Vpc"][0], what="Orders back in its place")


CROWD = """
ox = max((x for x, _ in editor.sync.positions().values()), default=0) + 600
stack.add('virtual_network', 'Net2', position=(ox, 0))
stack.add('database', 'Db2', network='Net2', position=(ox, 0))
for k, (x, y) in enumerate([(-190, 0), (190, 0), (0, -165), (-190, 110)]):
    stack.add('function', f'Out{k}', position=(ox + x, y))  # all round the network's member
stack.add('function', 'Mover', position=(ox + 380, 220))
"""


def test_placing_a_node_in_a_network_keeps_it_in_view_and_the_boxes_exact(session):
    nb, kernel = session
    kernel.run(CROWD)
    nb.wait_canvas(NODES + 6)
    nb.page.locator("button.stackerynb-fit").click()
    nb.node_point("Mover")  # waits until the fitted view has settled with Mover in it
    kernel.run("editor.gestures.place('Mover', 'Net2')")  # what the settings form's network list does
    x, y, width, height, parent = wait_until(
        lambda: (v := nb.cy(IN_VIEW, "Mover")) and v[4] == "Net2::private" and v, what="Mover inside the network")
    assert 0 <= x <= width and 0 <= y <= height, f"Mover drawn at {x},{y} outside the {width}x{height} canvas"
    wait_until(lambda: nb.cy("return cy.getElementById('Mover').position('x')")
               == kernel.value("stack.layout['Mover'][0]"), what="Mover at its new spot")
    # the nearest free grid cell (the old rule) grew the box over Out2; this spot covers no one
    for box, (covered, members) in box_contents(nb).items():
        assert covered == members, f"{box} covers {covered} but holds {members}"


def test_palette_search_filters_as_one_types_and_adds_a_generic_card(session):
    nb, kernel = session
    if not kernel.value("kind('resource') is not None"):
        pytest.skip("the generic resource kind is not in the catalogue of this build yet")
    search = nb.page.locator(".stackerynb-palette-search input")
    search.click()
    search.press_sequentially("state mach", delay=30)
    types = nb.page.locator(".stackerynb-palette-type")
    wait_until(lambda: "StateMachine" in types.all_inner_texts(), what="the search result")
    assert nb.page.locator(".stackerynb-kind-function").count() == 0  # filtered out
    assert all("State" in t or "Machine" in t for t in types.all_inner_texts() if t.strip())
    types.filter(has_text="StateMachine").first.click()
    wait_until(lambda: nb.cy("return cy.getElementById('StateMachine1').length") == 1,
               what="the new node on the canvas")
    card = nb.cy("const n = cy.getElementById('StateMachine1');"
                 "return [n.hasClass('card'), n.data('label'), n.width() > 100];")
    assert card == [True, "StateMachine1\nStepFunctions · StateMachine", True]
    assert kernel.value("stack.node('StateMachine1').settings['type']") == "AWS::StepFunctions::StateMachine"
    search.fill("")
    wait_until(lambda: nb.page.locator(".stackerynb-kind-function").count() == 1, what="the full palette back")


def test_references_no_wire_explains_are_drawn_dashed(session):
    nb, kernel = session
    kernel.run("stack.set('Fn3', properties={'Environment': {'Variables': {'T': {'Ref': 'Orders'}}}})")
    edge = "Fn3~>Orders"
    wait_until(lambda: nb.cy("return cy.getElementById(arg).length", edge) == 1, what="the reference edge")
    looks = nb.cy("const e = cy.getElementById(arg); return [e.style('line-style'), e.data('label'),"
                  " e.source().id(), e.target().id()];", edge)
    assert looks == ["dashed", "Ref", "Fn3", "Orders"]
    kernel.run("stack.connect('Fn3', 'Orders')")  # a wire now explains it: the dashed edge goes
    wait_until(lambda: nb.cy("return cy.getElementById(arg).filter(':visible').length", edge) == 0
               and nb.cy("return cy.getElementById('Fn3->Orders').length") == 1, what="the wire instead")
