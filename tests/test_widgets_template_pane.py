"""The template pane: the compiled template beside the design, live (debounced in a kernel),
YAML or JSON, highlighted, with Copy and Download; Apply imports edited text into the design,
and a template that cannot be read or imported leaves the design untouched, naming the line."""
from __future__ import annotations

import asyncio
import base64
import html
import json
import re

import pytest

from stackerynb import Stack
from stackerynb.widgets.template_pane import TemplatePane, error_with_lines


def orders_stack():
    s = Stack("orders")
    s.add("rest_api", "Api", position=(0, 0))
    s.add("function", "GetOrder", memory=512, position=(200, 0))
    s.add("table", "Orders", position=(400, 0))
    s.connect("Api", "GetOrder")
    s.connect("GetOrder", "Orders", access="read")
    return s


@pytest.fixture
def pane():
    p = TemplatePane(orders_stack())
    yield p
    p.close()


def resources(p: TemplatePane) -> dict:
    loader = json.loads if p.fmt == "json" else _cfn_yaml
    return loader(p.text)["Resources"]


def _cfn_yaml(text: str) -> dict:
    from stackerynb.importing import parse_template
    return parse_template(text, "t.yaml").data


def test_the_pane_shows_the_compiled_template_and_follows_every_edit(pane):
    stack = pane.stack
    assert pane.fmt == "yaml" and pane.error is None
    assert resources(pane)["GetOrder"]["Properties"]["MemorySize"] == 512
    stack.set("GetOrder", memory=1024)
    assert resources(pane)["GetOrder"]["Properties"]["MemorySize"] == 1024
    stack.add("queue", "Jobs")
    assert resources(pane)["Jobs"]["Type"] == "AWS::SQS::Queue"
    stack.remove("Jobs")
    assert "Jobs" not in resources(pane)
    pane.format.value = "json"  # JSON on request
    assert json.loads(pane.text)["Resources"]["GetOrder"]["Properties"]["MemorySize"] == 1024
    assert "json" in pane.status.value.lower()


def test_the_text_is_highlighted_and_offered_for_copy_and_download(pane):
    view = pane.view.value
    assert "<span style=\"color: var(--jp-mirror-editor-" in view  # the theme's code colours
    source = re.search(r'<pre class="stackerynb-template-source" hidden>(.*?)</pre>', view, re.S).group(1)
    assert html.unescape(source) == pane.text  # what Copy puts on the clipboard
    assert 'class="stackerynb-template-copy"' in view and "navigator.clipboard.writeText" in view
    link = re.search(r'download="([^"]+)" href="data:text/yaml;charset=utf-8;base64,([^"]+)"', view)
    assert link.group(1) == "orders-dev.yaml"
    assert base64.b64decode(link.group(2)).decode() == pane.text
    pane.format.value = "json"
    assert 'download="orders-dev.json" href="data:application/json;' in pane.view.value


def test_a_compile_error_shows_in_place_above_the_last_template(pane):
    stack = pane.stack
    good = pane.text
    stack.add("bastion", "Jump")  # a bastion must sit in a network: the design does not compile
    assert pane.error is not None and "Jump" in pane.error
    assert "stackerynb-template-error" in pane.status.value and "does not compile" in pane.status.value
    assert pane.text == good and pane.view.value  # the last good template stays in view
    stack.remove("Jump")
    assert pane.error is None and "stackerynb-template-error" not in pane.status.value


def test_edits_in_a_kernel_compile_once_after_a_pause():
    stack = orders_stack()

    async def burst():
        p = TemplatePane(stack, debounce=0.2)
        first = p.compiles
        for memory in (256, 384, 640, 768, 896):
            stack.set("GetOrder", memory=memory)
        assert p.compiles == first  # nothing compiled while edits keep coming
        for _ in range(200):  # wait for the condition, not a fixed time
            if p.compiles > first:
                break
            await asyncio.sleep(0.05)
        assert p.compiles == first + 1
        assert resources(p)["GetOrder"]["Properties"]["MemorySize"] == 896
        p.close()
    asyncio.run(burst())


def test_apply_makes_the_design_what_the_edited_template_says(pane):
    stack = pane.stack
    pane.edit_button.click()
    assert pane.editing and pane.editor in pane.children and pane.editor.value == pane.text
    edited = pane.editor.value.replace("Resources:\n", "Resources:\n  Jobs:\n    Type: AWS::SQS::Queue\n"
                                       "    Properties:\n      VisibilityTimeout: 120\n", 1)
    pane.editor.value = edited
    pane.apply_button.click()
    assert pane.apply_error is None and not pane.editing
    assert stack.node("Jobs").kind == "queue" and stack.node("Jobs").get("visibility_timeout") == 120
    assert stack.layout["Orders"] == (400.0, 0.0)  # nodes that stay keep their place
    assert "Jobs" in resources(pane) and "stackerynb-template-applied" in pane.message.value


def test_apply_reads_json_too(pane):
    stack = pane.stack
    pane.format.value = "json"
    template = json.loads(pane.text)
    template["Resources"]["Alerts"] = {"Type": "AWS::SNS::Topic", "Properties": {}}
    assert pane.apply(json.dumps(template, indent=2))
    assert stack.node("Alerts").kind == "topic"


@pytest.mark.parametrize("fault, named", [
    (lambda t: t.replace("MemorySize: 512", "MemorySize: [512"), r"template:\d+"),
    (lambda t: t.replace("Resources:\n", "Resources:\n  Broken:\n    Properties: {}\n", 1), "Broken"),
    (lambda t: "", "empty"),
])
def test_a_template_that_cannot_be_imported_leaves_the_design_untouched(pane, fault, named):
    stack = pane.stack
    before = stack.snapshot()
    raw_before = dict(stack.raw)
    changes = []
    stack.observe(changes.append)
    pane.edit_button.click()
    pane.editor.value = fault(pane.editor.value)
    pane.apply_button.click()
    assert re.search(named, pane.apply_error)
    assert stack.snapshot() == before and stack.raw == raw_before and changes == []
    assert pane.editing and "Not applied (the design is unchanged)" in pane.message.value
    assert "stackerynb-template-apply-error" in pane.message.value
    pane.cancel_button.click()
    assert not pane.editing and pane.view in pane.children


def test_errors_show_the_lines_they_name():
    text = "a: 1\nb: [2\nc: 3\n"
    shown = error_with_lines("template:3: not valid YAML: expected ',' or ']'", text)
    assert shown.splitlines()[1:] == ["     2 | b: [2", ">    3 | c: 3"]
    assert error_with_lines("no line here", text) == "no line here"


def test_a_pane_out_of_sight_compiles_only_when_shown():
    stack = orders_stack()
    p = TemplatePane(stack, active=False)
    assert p.compiles == 0 and p.text is None
    stack.set("GetOrder", memory=2048)
    assert p.compiles == 0 and p.stale
    p.active = True
    assert p.compiles == 1 and resources(p)["GetOrder"]["Properties"]["MemorySize"] == 2048
    p.active = True  # nothing changed since: no compile
    assert p.compiles == 1
    p.close()


def test_the_editor_shows_the_pane_beside_settings_and_compiles_it_when_shown():
    from stackerynb.widgets import StackEditor
    editor = StackEditor(orders_stack(), git=False)
    side, pane = editor.side, editor.template_pane
    assert pane in side.children and editor.deployments_tab in side.children
    assert [side.get_title(i) for i in range(len(side.children))][:1] == ["Settings"]
    editor.stack.set("GetOrder", memory=256)
    assert pane.compiles == 0  # out of sight: edits stay fast
    side.selected_index = list(side.children).index(pane)
    assert pane.compiles == 1 and resources(pane)["GetOrder"]["Properties"]["MemorySize"] == 256
    editor.stack.set("GetOrder", memory=320)
    assert resources(pane)["GetOrder"]["Properties"]["MemorySize"] == 320
    editor.close()
    editor.stack.set("GetOrder", memory=384)  # closed: no longer following the stack
    assert pane.compiles == 2


def test_the_yaml_reads_back_as_the_template_with_short_form_intrinsics():
    from stackerynb.compile import compile_report
    from stackerynb.widgets.template_text import template_yaml
    stack = orders_stack()
    stack.add("queue", "Jobs")
    stack.connect("Jobs", "GetOrder")
    data = compile_report(stack, "dev", warn=False).to_dict()
    text = template_yaml(data)
    assert _cfn_yaml(text) == data  # the same template, read by the importer's own reader
    assert "!GetAtt" in text and "!Ref" in text and "Fn::" not in text
    assert "&id" not in text and "*id" not in text  # no YAML anchors for repeated values
    odd = {"A": {"Fn::GetAtt": [{"Ref": "X"}, "Arn"]}, "B": {"Fn::ForEach::Loop": [1]},
           "C": {"Fn::Sub": ["${a}", {"a": {"Ref": "Y"}}]}, "D": {"Ref": "Z", "Other": 1}}
    from stackerynb.importing.template_reader import _TemplateLoader
    from stackerynb.store.files import load_yaml
    assert load_yaml(template_yaml(odd), "odd.yaml", loader=_TemplateLoader) == odd


def test_highlighting_keeps_the_text_and_redoes_only_changed_resources(monkeypatch):
    from stackerynb.widgets.template_text import Highlighter, chunks
    pane = TemplatePane(orders_stack())
    text = pane.text
    assert "".join(chunks(text, "yaml")) == text and len(chunks(text, "yaml")) > 5
    light = Highlighter()
    shown = light.html(text, "yaml")
    assert html.unescape(re.sub(r"<[^>]+>", "", shown)) == text
    done = []
    original = light._format
    monkeypatch.setattr(light, "_format", lambda chunk, fmt: done.append(chunk) or original(chunk, fmt))
    pane.stack.set("GetOrder", memory=1024)
    light.html(pane.text, "yaml")
    assert len(done) == 1 and "MemorySize: 1024" in done[0]  # the one resource that changed
    pane.format.value = "json"
    assert html.unescape(re.sub(r"<[^>]+>", "", light.html(pane.text, "json"))) == pane.text
    pane.close()


def test_apply_says_whether_the_design_still_means_what_the_text_said(pane):
    from stackerynb.diff import DiffRow
    text = pane.text
    assert pane.apply(text)
    assert pane.differences == []  # checked with the semantic diff of the text and the new design
    assert "means the same as the text applied" in pane.message.value
    kept = len(pane.stack.raw.get("Resources", {}))
    assert (f"{kept} resources kept as written" in pane.message.value) == bool(kept)
    pane.differences = [DiffRow("iam", "GetOrderRole", "dynamodb:GetItem", "Allow", "", "the action is dropped")]
    shown = pane._applied_html()
    assert "differs in meaning from the text applied in 1 way" in shown and "the action is dropped" in shown
