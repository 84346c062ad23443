"""The canvas in JupyterLab in headless Chromium: what the user sees and does on it reaches the
Python stack, and edits of the stack in Python reach the canvas.

One notebook is opened and run once for the module; each test then works with its own nodes
so the tests do not depend on each other's order.
"""
from __future__ import annotations

import os
import time
from pathlib import Path

import pytest

from labdriver import CANVAS_CLASS, NotebookPage, wait_until

pytestmark = [pytest.mark.browser, pytest.mark.slow]

ROOT = Path(__file__).resolve().parents[2]
NOTEBOOK = "canvas.ipynb"
CELLS = [
    "from stackerynb import Stack\n"
    "from stackerynb.widgets import StackEditor\n"
    "stack = Stack('orders')\n"
    "stack.add('rest_api', 'Api', position=(0, 0))\n"
    "stack.add('function', 'GetOrder', memory=512, position=(200, 0))\n"
    "stack.add('table', 'Orders', position=(400, 0))\n"
    "stack.add('virtual_network', 'Vpc', position=(200, 220))\n"
    "stack.add('database', 'Db', network='Vpc', position=(200, 240))\n"
    "stack.connect('Api', 'GetOrder')\n"
    "stack.connect('GetOrder', 'Orders', access='read')",
    "editor = StackEditor(stack)\neditor",
]
INITIAL_NODES = {"Api", "GetOrder", "Orders", "Vpc", "Db"}



@pytest.fixture(scope="module")
def session(jupyterlab, browser):
    jupyterlab.write_notebook(NOTEBOOK, CELLS)
    page = browser.new_page(viewport={"width": 1500, "height": 1100})
    nb = NotebookPage(jupyterlab, page, NOTEBOOK).open()
    nb.run_all()
    nb.wait_canvas(len(INITIAL_NODES))
    page.locator(f".{CANVAS_CLASS}").scroll_into_view_if_needed()
    kernel = jupyterlab.kernel_client(NOTEBOOK)
    yield nb, kernel
    kernel.close()
    page.close()

from test_studio_browser import enter_canvas  # noqa: E402  (the studio's own view sync)


def canvas_nodes(nb) -> set[str]:
    return set(nb.cy("return cy.nodes('.stack-node').map(n => n.id())"))


def canvas_edges(nb) -> set[str]:
    return set(nb.cy("return cy.edges('.wire').map(e => e.id())"))


def message(nb) -> str:
    return nb.page.locator(".stackerynb-message").inner_text()


def test_canvas_draws_every_node_of_the_stack_in_its_kinds_colour_and_shape(session):
    nb, kernel = session
    assert canvas_nodes(nb) == INITIAL_NODES
    assert canvas_edges(nb) == {"Api->GetOrder", "GetOrder->Orders"}
    looks = nb.cy("const n = cy.getElementById('GetOrder');"
                  "return [n.style('background-color'), n.style('shape'), n.renderedPosition().x > 0];")
    assert looks == ["rgb(245,133,54)", "round-rectangle", True]  # #f58536 from the catalogue
    # the database sits in the network's private tier, drawn as nested compound boxes
    assert nb.cy("return cy.getElementById('Db').parent().id()") == "Vpc::private"
    assert nb.cy("return cy.getElementById('Vpc::private').parent().id()") == "Vpc"
    assert nb.cy("return cy.getElementById('Vpc::private').data('label')") == "private subnets"


def test_clicking_a_palette_entry_adds_a_node_that_python_sees(session):
    nb, kernel = session
    nb.page.locator(".stackerynb-kind-queue").click()  # picks the kind; a canvas click places it
    wait_until(lambda: kernel.value("editor.gestures.picked_kind") == "queue", what="the pick")
    canvas = nb.page.locator(".stackerynb-canvas").first
    canvas.scroll_into_view_if_needed()
    box = canvas.bounding_box()
    enter_canvas(nb, kernel)  # the first pointer event tells Python the canvas size
    nb.page.mouse.click(box["x"] + 0.9 * box["width"], box["y"] + 0.9 * box["height"])  # an empty spot
    wait_until(lambda: "Queue1" in canvas_nodes(nb), what="Queue1 on the canvas")
    assert kernel.value("stack.node('Queue1').kind") == "queue"
    assert kernel.value("'Queue1' in stack.layout")  # placed where the canvas drew it
    # the new node is selected, so the form edits it straight away
    name = nb.page.locator(".stackerynb-node-id input")
    wait_until(lambda: name.count() and name.input_value() == "Queue1", what="the form on Queue1")


def test_connect_gesture_wires_nodes_and_refused_wires_say_why(session):
    nb, kernel = session
    kernel.run("stack.add('queue', 'Jobs', position=(400, 120))")
    wait_until(lambda: "Jobs" in canvas_nodes(nb), what="Jobs on the canvas")
    nb.page.locator("button.stackerynb-connect").click()
    nb.click_node("GetOrder")
    wait_until(lambda: "Wiring from GetOrder" in message(nb), what="the source to be taken")
    nb.click_node("Jobs")
    wait_until(lambda: kernel.value("[str(w) for w in stack.wires_of('Jobs')]") == ["GetOrder -> Jobs"],
               what="the wire in Python")
    wait_until(lambda: "GetOrder->Jobs" in canvas_edges(nb), what="the wire on the canvas")
    # a table cannot use a rest api: refused, with what a table can wire to, and no traceback
    nb.click_node("Orders")
    nb.click_node("Api")
    text = wait_until(lambda: "cannot" in message(nb) and message(nb), what="the refusal")
    assert "a table can wire to: function" in text
    assert kernel.value("stack.wire('Orders', 'Api') is None")
    assert nb.page.locator(".stackerynb-editor .jp-RenderedText[data-mime-type*=stderr]").count() == 0
    nb.page.locator("button.stackerynb-connect").click()  # leave connect mode
    wait_until(lambda: not kernel.value("editor.gestures.connect_mode"), what="connect mode off")


def test_settings_form_edit_changes_the_stack_and_the_canvas(session):
    nb, kernel = session
    nb.click_node("GetOrder")
    memory = nb.page.locator(".stackerynb-setting-memory input")

    memory.wait_for(timeout=10_000)
    assert memory.input_value() == "512"
    memory.click()  # the pointer moves from the canvas to the field, as the user's does
    memory.fill("1024")
    memory.press("Enter")
    wait_until(lambda: kernel.value("stack.node('GetOrder').get('memory')") == 1024, what="memory in Python")
    wait_until(lambda: nb.cy("return cy.getElementById('GetOrder').data('settings').memory") == 1024,
               what="memory in the canvas data")
    # a choice setting is a dropdown offering the catalogue's choices
    runtime = nb.page.locator(".stackerynb-setting-runtime select")
    runtime.select_option("nodejs20.x")
    wait_until(lambda: kernel.value("stack.node('GetOrder').get('runtime')") == "nodejs20.x",
               what="runtime in Python")


def test_renaming_and_placing_in_a_network_redraw_the_node_with_its_wires(session):
    nb, kernel = session
    kernel.run("stack.add('function', 'Worker', position=(0, 160)); stack.connect('Worker', 'Orders')")
    wait_until(lambda: "Worker->Orders" in canvas_edges(nb), what="Worker's wire")
    enter_canvas(nb, kernel)  # Python keeps the view: let it learn the canvas before a press
    nb.click_node("Worker")
    name = nb.page.locator(".stackerynb-node-id input")
    wait_until(lambda: name.input_value() == "Worker", what="the form on Worker")
    name.click()  # the pointer moves from the canvas to the field, as the user's does
    name.fill("Packer")
    name.press("Enter")
    wait_until(lambda: "Packer->Orders" in canvas_edges(nb), what="the renamed node's wire")
    assert "Worker" not in canvas_nodes(nb)
    assert kernel.value("[str(w) for w in stack.wires_of('Packer')]") == ["Packer -> Orders"]
    nb.page.locator(".stackerynb-node-network select").select_option("Vpc")
    wait_until(lambda: nb.cy("return cy.getElementById('Packer').parent().id()") == "Vpc::private",
               what="Packer inside the network")
    assert kernel.value("stack.node('Packer').network") == "Vpc"
    wait_until(lambda: "Packer->Orders" in canvas_edges(nb), what="the wire redrawn with its node")


def test_python_edits_and_problems_show_on_the_canvas(session):
    nb, kernel = session
    kernel.run("stack.add('topic', 'Events', position=(0, 300)); stack.connect('Events', 'GetOrder')")
    wait_until(lambda: "Events->GetOrder" in canvas_edges(nb), what="a wire added in Python")
    kernel.run("stack.add('bastion', 'Jump', position=(400, 300))")  # must sit in a network
    wait_until(lambda: nb.cy("return cy.getElementById('Jump').hasClass('problem-error')"),
               what="the problem border on Jump")
    problems = nb.page.locator(".stackerynb-problems")
    wait_until(lambda: "Jump.network" in problems.inner_text(), what="the problem in the list")
    kernel.run("stack.place('Jump', 'Vpc')")
    # placing redraws Jump inside the network's public tier, without the problem border
    wait_until(lambda: nb.cy("const n = cy.getElementById('Jump');"
                             "return n.nonempty() && n.parent().id() === 'Vpc::public'"
                             " && !n.hasClass('problem-error');"), what="Jump inside the network")
    wait_until(lambda: "Jump.network" not in problems.inner_text(), what="the list to clear")
    kernel.run("stack.remove('Events')")
    wait_until(lambda: "Events" not in canvas_nodes(nb), what="the removed node to go")
    assert "Events->GetOrder" not in canvas_edges(nb)


def test_dragging_a_node_records_its_position_in_the_stack(session):
    nb, kernel = session
    enter_canvas(nb, kernel)
    before = kernel.value("stack.layout['Api']")
    zoom = nb.cy("return cy.zoom()")
    nb.drag_node("Api", 60, 40)
    wait_until(lambda: kernel.value("stack.layout['Api']") != before, what="the new position")
    after = kernel.value("stack.layout['Api']")
    assert after[0] - before[0] == pytest.approx(60 / zoom, abs=3)
    assert after[1] - before[1] == pytest.approx(40 / zoom, abs=3)


def test_a_fresh_view_of_the_canvas_draws_the_same_stack(session):
    """What a page reload or a second output view draws: removed elements stay hidden.

    Every wait here is for something the edit makes true: the edit nets out to no visible change,
    so "the removed node is not drawn" holds before the browser has even heard of it (the first
    view was once read that early, and the second view read half-way through the edit).
    """
    nb, kernel = session
    kernel.run("stack.add('queue', 'Scratch', position=(600, 300)); stack.connect('GetOrder', 'Scratch')")
    wait_until(lambda: "GetOrder->Scratch" in canvas_edges(nb), what="Scratch and its wire")
    kernel.run("stack.rename('Scratch', 'Spare')")
    wait_until(lambda: "GetOrder->Spare" in canvas_edges(nb) and "Scratch" not in canvas_nodes(nb),
               what="the rename")
    kernel.run("stack.remove('Spare')")
    wait_until(lambda: "Spare" not in canvas_nodes(nb) and "GetOrder->Spare" not in canvas_edges(nb),
               what="the removal")
    visible = ("return [cy.nodes(':visible').map(n => n.id() + '<' + n.parent().map(p => p.id())).sort(),"
               " cy.edges(':visible').map(e => e.id()).sort()];")
    first = nb.cy(visible)
    assert "Spare<" not in str(first) and "Scratch<" not in str(first)
    # a fresh view draws every element widget, hidden ones included: wait until it has them all
    models = kernel.value("len(editor.canvas.widget.graph.nodes) + len(editor.canvas.widget.graph.edges)")
    second_cy = "document.querySelectorAll('.stackerynb-canvas')[1]"
    nb.page.evaluate("() => window.jupyterapp.commands.execute('notebook:create-output-view')")
    wait_until(lambda: nb.page.evaluate(f"() => {{ const el = {second_cy}; const cy = el && el._cyreg && el._cyreg.cy;"
                                        " return cy ? cy.elements().length : -1; }") == models,
               what=f"the second view to draw all {models} elements")
    second = nb.page.evaluate(f"(body) => new Function('cy', body)({second_cy}._cyreg.cy)", visible)
    nb.page.evaluate("""() => { for (const w of Array.from(window.jupyterapp.shell.widgets('main')))
                                  if (w.node.querySelector('.jp-LinkedOutputView')
                                      || w.node.classList.contains('jp-LinkedOutputView')) w.dispose(); }""")
    wait_until(lambda: nb.page.locator(f".{CANVAS_CLASS}").count() == 1, what="the second view to close")
    assert second == first
    assert nb.widget_errors() == []


def test_compile_button_shows_the_template_and_permissions(session):
    nb, kernel = session
    assert kernel.value("[str(p) for p in stack.problems()]") == []
    nb.page.locator("button.stackerynb-compile").click()
    compiled = nb.page.locator(".stackerynb-compiled")
    compiled.wait_for(timeout=60_000)
    text = compiled.inner_text()
    assert "Template for dev" in text and "Permissions" in text
    assert "GetOrder -> Orders" in nb.page.locator(".stackerynb-permissions").inner_text()
    assert kernel.value("'AWS::Lambda::Function' in editor.actions.template_json")


def test_deploy_button_previews_the_change_set_and_confirm_deploys(session):
    nb, kernel = session
    nb.page.locator("button.stackerynb-deploy").click()
    changes = nb.page.locator(".stackerynb-deploy-panel .stackerynb-changes")
    changes.wait_for(timeout=120_000)
    assert "GetOrder" in changes.inner_text()
    assert kernel.value("editor.actions.deploy_panel.deployment.status") == "prepared"
    confirm = nb.page.locator(".stackerynb-deploy-panel .stackerynb-confirm button").first
    assert confirm.inner_text().strip().startswith("Deploy orders")
    confirm.click()
    wait_until(lambda: kernel.value("editor.actions.deploy_panel.deployment.status") in ("succeeded", "failed"),
               timeout=180, what="the deployment to finish")
    assert kernel.value("editor.actions.deploy_panel.deployment.status") == "succeeded"
    wait_until(lambda: "succeeded" in nb.page.locator(".stackerynb-deploy-panel").inner_text(),
               what="the panel to show the result")


def test_no_widget_errors_in_the_console_and_a_screenshot(session, tmp_path):
    nb, kernel = session
    zoom = nb.cy("return cy.zoom()")
    nb.cy("cy.zoom(cy.zoom() * 3);")
    nb.page.locator("button.stackerynb-fit").click()  # the whole stack back in view
    wait_until(lambda: abs(nb.cy("return cy.zoom()") - zoom) < zoom * 0.5, what="the view to fit again")
    editor = nb.page.locator(".stackerynb-editor")
    editor.screenshot(path=str(tmp_path / "canvas.png"))
    assert (tmp_path / "canvas.png").stat().st_size > 10_000
    if os.environ.get("STACKERYNB_SCREENSHOT") == "1":  # the README's picture: down to the problems
        below = ".stackerynb-editor > .stackerynb-actions, .stackerynb-editor > .stackerynb-git-bar"
        display = "([sel, how]) => document.querySelectorAll(sel).forEach(el => el.style.display = how)"
        nb.page.evaluate(display, [below, "none"])
        editor.screenshot(path=str(ROOT / "docs" / "canvas.png"))
        nb.page.evaluate(display, [below, ""])
    assert nb.widget_errors() == []
