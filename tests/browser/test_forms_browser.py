"""The studio's forms, template pane and deployments tab in JupyterLab in headless Chromium:
what the user types, ticks and clicks there reaches the Python stack, or is shown refused and
not applied; the template follows the design and, edited, becomes the design; a deployment is
listed and its design drawn read-only.

One notebook is opened and run once for the module; each test works with its own nodes where
it edits, so the tests do not depend on each other's order.
"""
from __future__ import annotations

import base64
import re

import pytest

from labdriver import NotebookPage, wait_until

pytestmark = [pytest.mark.browser, pytest.mark.slow]

NOTEBOOK = "forms.ipynb"
CELLS = [
    "from stackerynb import Stack\n"
    "from stackerynb.widgets import StackEditor\n"
    "stack = Stack('forms')\n"
    "stack.add('function', 'GetOrder', memory=512, position=(0, 0))\n"
    "stack.add('table', 'Orders', position=(300, 0))\n"
    "stack.add('queue', 'Jobs', position=(0, 200))\n"
    "stack.add('function', 'Worker', position=(300, 200))\n"
    "stack.connect('GetOrder', 'Orders', access='read')\n"
    "stack.connect('Jobs', 'Worker')",
    "editor = StackEditor(stack, git=False)\neditor",
]
DEPLOYED_CANVAS = ".stackerynb-deployed-canvas"


@pytest.fixture(scope="module")
def session(jupyterlab, browser):
    jupyterlab.write_notebook(NOTEBOOK, CELLS)
    context = browser.new_context(viewport={"width": 1600, "height": 1100},
                                  permissions=["clipboard-read", "clipboard-write"])
    page = context.new_page()
    nb = NotebookPage(jupyterlab, page, NOTEBOOK).open()
    nb.run_all()
    nb.wait_canvas(4)
    page.locator(".stackerynb-canvas").scroll_into_view_if_needed()
    kernel = jupyterlab.kernel_client(NOTEBOOK)
    yield nb, kernel
    kernel.close()
    nb.shut_down()
    context.close()


def side_tab(nb, title: str) -> None:
    """Open the side area's tab called ``title``."""
    nb.page.locator(".stackerynb-side .lm-TabBar-tab", has_text=title).first.click()


def field_error(nb, name: str):
    return nb.page.locator(f".stackerynb-settings .stackerynb-field-{name} .stackerynb-field-error")


def click_node(nb, node_id: str) -> None:
    nb.page.locator(".stackerynb-canvas").scroll_into_view_if_needed()  # the form may have scrolled it away
    nb.click_node(node_id)


def click_wire(nb, wire_id: str) -> None:
    nb.page.locator(".stackerynb-canvas").scroll_into_view_if_needed()
    point = nb.cy("const e = cy.getElementById(arg); const p = e.renderedMidpoint(); return [p.x, p.y];", wire_id)
    box = nb.page.locator(".stackerynb-canvas").bounding_box()
    nb.page.mouse.click(box["x"] + point[0], box["y"] + point[1])


def test_an_invalid_value_is_shown_invalid_and_not_applied_until_a_good_edit(session):
    nb, kernel = session
    side_tab(nb, "Settings")
    click_node(nb, "GetOrder")
    memory = nb.page.locator(".stackerynb-setting-memory input")
    wait_until(lambda: memory.count() and memory.input_value() == "512", what="the form on GetOrder")
    memory.click()  # the pointer moves from the canvas to the field, as the user's does
    memory.fill("99999")
    memory.press("Enter")
    error = field_error(nb, "memory")

    wait_until(lambda: error.is_visible() and "out of range 128..10240" in error.inner_text(),
               what="the reason beside the field")
    assert memory.input_value() == "99999"  # not clamped to 10240 before the user's eyes
    assert "stackerynb-invalid" in nb.page.locator(".stackerynb-setting-memory").get_attribute("class")
    assert kernel.value("stack.node('GetOrder').get('memory')") == 512  # and not applied
    assert "not applied" in nb.page.locator(".stackerynb-message").inner_text()
    memory.fill("100")
    memory.press("Enter")
    wait_until(lambda: "100 is out of range" in error.inner_text(), what="100 refused, not raised to 128")
    assert kernel.value("stack.node('GetOrder').get('memory')") == 512
    memory.fill("2048")
    memory.press("Enter")
    wait_until(lambda: kernel.value("stack.node('GetOrder').get('memory')") == 2048, what="the good value")
    wait_until(lambda: not error.is_visible(), what="the old error to clear")
    assert "stackerynb-invalid" not in nb.page.locator(".stackerynb-setting-memory").get_attribute("class")
    wait_until(lambda: "GetOrder.memory = 2048" in nb.page.locator(".stackerynb-message").inner_text(),
               what="the message to say what changed")


def test_other_properties_are_yaml_and_a_bad_document_names_its_line(session):
    nb, kernel = session
    side_tab(nb, "Settings")
    click_node(nb, "Worker")
    name = nb.page.locator(".stackerynb-node-id input")
    wait_until(lambda: name.count() and name.input_value() == "Worker", what="the form on Worker")
    props = nb.page.locator(".stackerynb-setting-properties textarea")
    props.wait_for(timeout=10_000)
    props.click()
    assert nb.page.locator(".stackerynb-other-properties").is_visible()
    props.fill("TracingConfig:\n  Mode: Active\n")
    props.blur()
    wait_until(lambda: kernel.value("dict(stack.node('Worker').get('properties'))") ==
               {"TracingConfig": {"Mode": "Active"}}, what="the properties applied")
    props.fill("TracingConfig:\n  Mode: Active\nBad: x: y\n")
    props.blur()
    error = field_error(nb, "properties")
    wait_until(lambda: error.is_visible() and "properties:3" in error.inner_text(), what="the line at fault")
    assert kernel.value("dict(stack.node('Worker').get('properties'))") == {"TracingConfig": {"Mode": "Active"}}


def test_the_wire_form_edits_access_and_environment_variable_names(session):
    nb, kernel = session
    side_tab(nb, "Settings")
    click_wire(nb, "GetOrder->Orders")
    write = nb.page.locator(".stackerynb-access-write input")
    write.wait_for(timeout=10_000)
    assert nb.page.locator(".stackerynb-access-read input").is_checked() and not write.is_checked()
    write.check()
    wait_until(lambda: kernel.value("stack.wire('GetOrder', 'Orders').access") is None,
               what="read and write (the default) in Python")
    nb.page.locator(".stackerynb-access-read input").uncheck()
    wait_until(lambda: kernel.value("stack.wire('GetOrder', 'Orders').access") == "write", what="write only")
    env = nb.page.locator(".stackerynb-wire-env textarea")
    assert "VAR_NAME = name" in env.get_attribute("placeholder")
    env.fill("ORDERS_TABLE = name")
    env.blur()
    wait_until(lambda: kernel.value("dict(stack.wire('GetOrder', 'Orders').settings.get('env', {}))") ==
               {"ORDERS_TABLE": "name"}, what="the variable name in Python")


def test_event_settings_of_a_trigger_wire(session):
    nb, kernel = session
    side_tab(nb, "Settings")
    click_wire(nb, "Jobs->Worker")
    event = nb.page.locator(".stackerynb-wire-event textarea")
    event.wait_for(timeout=10_000)
    event.fill("BatchSize: 5\n")
    event.blur()
    wait_until(lambda: kernel.value("dict(stack.wire('Jobs', 'Worker').settings.get('event', {}))") ==
               {"BatchSize": 5}, what="the batch size in Python")


def test_the_environment_list_offers_only_environments_that_exist(session):
    nb, kernel = session
    options = nb.page.locator(".stackerynb-environment select option").all_inner_texts()
    assert options == ["dev"]  # no environments.yaml beside the notebook: the local default alone
    assert "prod" not in options


def test_the_template_pane_follows_the_design_and_copies_and_downloads(session):
    nb, kernel = session
    side_tab(nb, "Template")
    code = nb.page.locator(".stackerynb-template-code")
    wait_until(lambda: code.count() and "AWS::Lambda::Function" in code.inner_text(), timeout=60,
               what="the compiled template in the pane")
    kernel.run("stack.set('GetOrder', timeout=77)")
    wait_until(lambda: "Timeout: 77" in code.inner_text(), what="the edit in the template")
    text = kernel.value("editor.template_pane.text")
    nb.page.locator(".stackerynb-template-copy").click()
    wait_until(lambda: nb.page.locator(".stackerynb-template-copy[data-copied='1']").count(), what="copied")
    assert nb.page.evaluate("() => navigator.clipboard.readText()") == text
    href = nb.page.locator(".stackerynb-template-download").get_attribute("href")
    assert base64.b64decode(href.split("base64,", 1)[1]).decode() == text
    nb.page.locator(".stackerynb-template-format button", has_text="JSON").click()
    wait_until(lambda: '"Timeout": 77' in code.inner_text(), what="the JSON form")
    nb.page.locator(".stackerynb-template-format button", has_text="YAML").click()
    wait_until(lambda: "Timeout: 77" in code.inner_text(), what="back to YAML")


def test_the_template_pane_applies_edited_yaml_and_refuses_a_bad_one_untouched(session):
    nb, kernel = session
    side_tab(nb, "Template")
    nb.page.locator(".stackerynb-template-edit").click()
    editor = nb.page.locator(".stackerynb-template-editor textarea")
    editor.wait_for(timeout=10_000)
    text = editor.input_value()
    assert "AWS::Lambda::Function" in text
    # a bad edit: named with its line, the design untouched
    before = kernel.value("repr(stack.snapshot())")
    broken = text.replace("Resources:\n", "Resources:\n  Broken: [1\n", 1)
    editor.fill(broken)
    nb.page.locator(".stackerynb-template-apply").click()
    error = nb.page.locator(".stackerynb-template-apply-error")
    wait_until(lambda: error.count() and re.search(r"template:\d+", error.inner_text()), what="the refusal")
    assert "the design is unchanged" in error.inner_text()
    assert kernel.value("repr(stack.snapshot())") == before
    # a good edit: a new queue, and the design follows (the canvas too)
    editor.fill(text.replace("Resources:\n", "Resources:\n  Inbox:\n    Type: AWS::SQS::Queue\n", 1))
    nb.page.locator(".stackerynb-template-apply").click()
    wait_until(lambda: kernel.value("'Inbox' in stack and stack.node('Inbox').kind"), what="Inbox in Python")
    wait_until(lambda: nb.cy("return cy.getElementById('Inbox').nonempty()"), what="Inbox on the canvas")
    code = nb.page.locator(".stackerynb-template-code")
    wait_until(lambda: code.count() and "Inbox:" in code.inner_text(), what="the pane back on the template")


def test_the_deployments_tab_lists_a_deployment_and_draws_it_read_only(session):
    nb, kernel = session
    kernel.run("deployed = stack.deploy('dev', yes=True, quiet=True)", timeout=240)
    assert kernel.value("deployed.status") == "succeeded"
    deployed_nodes = kernel.value("sorted(n.id for n in stack.nodes)")
    side_tab(nb, "Deployments")
    listing = nb.page.locator(".stackerynb-deployments-list select option")
    wait_until(lambda: listing.count() >= 1, timeout=120, what="the deployment in the list")
    assert "succeeded" in listing.first.inner_text() and listing.first.inner_text().startswith("●")
    summary = nb.page.locator(".stackerynb-deployment-summary")
    assert kernel.value("deployed.id") in summary.inner_text() and "(current)" in summary.inner_text()
    count = (f"const el = document.querySelector('{DEPLOYED_CANVAS}'); const cy = el && el._cyreg && el._cyreg.cy;"
             " return cy ? cy.nodes('.stack-node').map(n => n.id()).sort() : null;")
    wait_until(lambda: nb.page.evaluate(f"() => {{ {count} }}") == deployed_nodes, timeout=60,
               what="the deployed design on the read-only canvas")
    # dragging a node of the deployed design moves nothing
    design_before = kernel.value("repr(editor.deployments_tab.design.snapshot())")
    node = deployed_nodes[0]
    canvas = nb.page.locator(DEPLOYED_CANVAS)
    canvas.scroll_into_view_if_needed()
    where = ("const cy = document.querySelector(arg[0])._cyreg.cy; const n = cy.getElementById(arg[1]);"
             " return [n.renderedPosition().x, n.renderedPosition().y, n.position().x, n.position().y];")
    at = nb.page.evaluate(f"(arg) => {{ {where} }}", [DEPLOYED_CANVAS, node])
    box = canvas.bounding_box()
    nb.page.mouse.move(box["x"] + at[0], box["y"] + at[1])
    nb.page.mouse.down()
    nb.page.mouse.move(box["x"] + at[0] + 80, box["y"] + at[1] + 60, steps=8)
    nb.page.mouse.up()
    assert nb.page.evaluate(f"(arg) => {{ {where} }}", [DEPLOYED_CANVAS, node])[2:] == at[2:]
    assert kernel.value("repr(editor.deployments_tab.design.snapshot())") == design_before
    # the change set waits behind the summary
    details = nb.page.locator(".stackerynb-deployment-details")
    assert "change set" in details.inner_text()
    # the design as deployed does not follow later edits, the live canvas does
    kernel.run("stack.add('topic', 'Later', position=(600, 0))")
    wait_until(lambda: nb.cy("return cy.getElementById('Later').nonempty()"), what="Later on the live canvas")
    assert "Later" not in nb.page.evaluate(f"() => {{ {count} }}")
    assert nb.widget_errors() == []


def test_the_template_colours_follow_the_dark_theme(session):
    nb, kernel = session
    side_tab(nb, "Template")
    code = nb.page.locator(".stackerynb-template-code")
    wait_until(lambda: code.count() and "Resources" in code.inner_text(), timeout=60, what="the template")
    colour = ("() => { const s = document.querySelector('.stackerynb-template-code span[style*=string-color]');"
              " return s ? getComputedStyle(s).color : null; }")
    light = wait_until(lambda: nb.page.evaluate(colour), what="a highlighted string")

    def theme(name):
        nb.page.evaluate("(name) => window.jupyterapp.commands.execute('apputils:change-theme', {theme: name})", name)
        wait_until(lambda: nb.page.evaluate("() => document.body.dataset.jpThemeLight") == ("true" if "Light" in name
                                                                                            else "false"),
                   what=f"the {name} theme")
    try:
        theme("JupyterLab Dark")
        dark = wait_until(lambda: (c := nb.page.evaluate(colour)) != light and c, what="the dark theme's colour")
        assert dark != light
    finally:
        theme("JupyterLab Light")  # the session's lab is shared with other test modules
    wait_until(lambda: nb.page.evaluate(colour) == light, what="the light colours back")
