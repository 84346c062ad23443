"""Deploy layer parts that need no AWS endpoint: packaging, starters, template stamping,
redaction, the emulator's table, and the refusals that happen before anything is contacted."""
from __future__ import annotations

import io
import json
import os
import zipfile

import pytest

from stackerynb import Stack, StackError
from stackerynb.deploy import confirm, packaging, template as tmpl
from stackerynb.deploy.emulator import not_created_types
from stackerynb.deploy.redact import Redactor
from stackerynb.model.environments import Environment


# ------------------------------------------------------------------ packaging
def _write(folder, files):
    for name, text in files.items():
        path = folder / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)


def test_zip_is_deterministic_and_skips_caches(tmp_path):
    a, b = tmp_path / "a", tmp_path / "b"
    files = {"handler.py": "def handler(e, c):\n    return 1\n", "lib/util.py": "X = 1\n"}
    _write(a, files)
    _write(b, dict(reversed(list(files.items()))))  # created in the other order
    _write(a, {"__pycache__/handler.cpython-311.pyc": "junk", ".ipynb_checkpoints/x.py": "old"})
    os.utime(b / "handler.py", (1_000_000, 1_000_000))  # other mtimes must not matter
    assert packaging.zip_folder(a) == packaging.zip_folder(b)
    names = zipfile.ZipFile(io.BytesIO(packaging.zip_folder(a))).namelist()
    assert names == ["handler.py", "lib/util.py"]


def test_zip_changes_with_content(tmp_path):
    _write(tmp_path, {"handler.py": "def handler(e, c):\n    return 1\n"})
    before = packaging.zip_folder(tmp_path)
    _write(tmp_path, {"handler.py": "def handler(e, c):\n    return 2\n"})
    assert packaging.zip_folder(tmp_path) != before


def _stack_with_function(tmp_path, **settings):
    stack = Stack("shop")
    stack.add("function", "Worker", **settings)
    stack.save(tmp_path / "shop.yaml")
    return stack


def test_package_keys_are_content_hashes(tmp_path):
    _write(tmp_path / "worker", {"handler.py": "def handler(e, c):\n    return 1\n"})
    stack = _stack_with_function(tmp_path, code="worker")
    first = packaging.package_functions(stack)["Worker"]
    again = packaging.package_functions(stack)["Worker"]
    assert first.key == again.key and first.key.startswith("code/") and first.key.endswith(".zip")
    _write(tmp_path / "worker", {"handler.py": "def handler(e, c):\n    return 2\n"})
    assert packaging.package_functions(stack)["Worker"].key != first.key


def test_missing_code_folder_names_node_and_setting(tmp_path):
    stack = _stack_with_function(tmp_path, code="nowhere")
    with pytest.raises(StackError, match=r"Worker\.code: 'nowhere' does not exist"):
        packaging.package_functions(stack)


def test_handler_file_must_exist(tmp_path):
    _write(tmp_path / "worker", {"other.py": "x = 1\n"})
    stack = _stack_with_function(tmp_path, code="worker")
    with pytest.raises(StackError, match=r"Worker\.handler: 'handler\.handler' needs handler\.py"):
        packaging.package_functions(stack)


def test_several_functions_are_packaged_each_with_its_code_and_reported_in_the_stacks_order(tmp_path):
    stack = Stack("many")
    for i in range(6):
        _write(tmp_path / f"fn{i}", {"handler.py": f"def handler(e, c):\n    return {i}\n"})
        stack.add("function", f"Fn{i}", code=f"fn{i}")
    stack.save(tmp_path / "many.yaml")
    packages = packaging.package_functions(stack)
    assert list(packages) == [f"Fn{i}" for i in range(6)]
    for i in range(6):  # each package holds its own function's code
        archive = zipfile.ZipFile(io.BytesIO(packages[f"Fn{i}"].data))
        assert f"return {i}" in archive.read("handler.py").decode()
    assert len({p.key for p in packages.values()}) == 6
    stack.set("Fn4", code="gone4")
    stack.set("Fn1", code="gone1")
    with pytest.raises(StackError) as refused:
        packaging.package_functions(stack)
    lines = str(refused.value).splitlines()
    assert [line.split(":")[0].strip() for line in lines[1:]] == ["Fn1.code", "Fn4.code"]


def test_functions_without_code_use_the_compilers_inline_starter(tmp_path):
    stack = _stack_with_function(tmp_path)  # python, no code: CloudFormation inlines the starter
    stack.add("function", "Rubyist", runtime="ruby3.3")  # cannot be inlined: the kit packages one
    packages = packaging.package_functions(stack)
    assert "Worker" not in packages
    archive = zipfile.ZipFile(io.BytesIO(packaging.code_of(stack, stack.node("Rubyist"))[1]))
    assert archive.namelist() == ["handler.rb"]
    assert "def handler(event:, context:)" in archive.read("handler.rb").decode()
    assert packages["Rubyist"].source == "starter handler"


def test_write_starter_matches_the_handler_and_sets_code(tmp_path):
    stack = _stack_with_function(tmp_path, handler="app.main")
    path = packaging.write_starter(stack, "Worker")
    assert path == tmp_path / "functions" / "Worker" / "app.py"
    namespace: dict = {}
    exec(compile(path.read_text(), str(path), "exec"), namespace)  # the starter really runs
    answer = namespace["main"]({"hello": "world"}, None)
    assert answer["statusCode"] == 200 and "hello" in answer["body"]
    assert stack.node("Worker").get("code") == "functions/Worker"
    assert packaging.package_functions(stack)["Worker"].source == "functions/Worker"
    with pytest.raises(StackError, match="already exists"):
        packaging.write_starter(stack, "Worker")


def test_compiled_runtimes_have_no_starter(tmp_path):
    stack = _stack_with_function(tmp_path, runtime="java21")
    with pytest.raises(StackError, match=r"Worker\.code: a java21 function needs its built code"):
        packaging.package_functions(stack)


# ------------------------------------------------------------------ template
def test_stamp_carries_stack_file_and_facts_and_design_ignores_them():
    template = {"Resources": {"Q": {"Type": "AWS::SQS::Queue"}}}
    facts = {"id": "20260101-000000-000", "git_sha": "abc", "branch": "main", "dirty": False}
    one = tmpl.stamp(template, "name: x\n", facts)
    two = tmpl.stamp(template, "name: x\n# moved on canvas\n", dict(facts, id="20260101-000001-000"))
    assert tmpl.facts_of(one)["git_sha"] == "abc" and tmpl.stack_file_of(one) == "name: x\n"
    assert "Metadata" not in template  # the input is not modified
    assert tmpl.design_of(one) == tmpl.design_of(two)
    changed = tmpl.stamp({"Resources": {"Q": {"Type": "AWS::SQS::Queue", "Properties": {"DelaySeconds": 5}}}},
                         "name: x\n", facts)
    assert tmpl.design_of(changed) != tmpl.design_of(one)


def test_a_stamped_template_with_dollar_braces_in_the_stack_file_passes_cfn_lint_and_reads_back():
    from test_compile_checks import lint
    stack = Stack("dollars")
    stack.add("queue", "Jobs")
    stack.add("config_store", "Settings", parameters={"greeting": "Hello from ${AWS::Region} ${!kept}"})
    text = stack.dumps()
    facts = {"id": "1", "git_sha": "abc", "branch": "feat/${x}", "dirty": False}
    stamped = tmpl.stamp(stack.compile("dev").to_dict(), text, facts)
    assert lint(json.dumps(stamped))[0] == []  # errors; before the escape: E1029 at Metadata/Stackerynb/StackFile
    assert tmpl.stack_file_of(stamped) == text and tmpl.facts_of(stamped)["branch"] == "feat/${x}"
    # Templates stamped before the escape existed read back as they were.
    old = {"Metadata": {"Stackerynb": {"StackFile": "a: ${!x}\n", "Deployment": {"branch": "${!b}"}}}}
    assert tmpl.stack_file_of(old) == "a: ${!x}\n" and tmpl.facts_of(old) == {"branch": "${!b}"}


def test_tags_carry_the_facts_in_allowed_characters():
    tags = {t["Key"]: t["Value"] for t in tmpl.tags({"id": "1", "git_sha": "abc", "branch": "feat/x#1", "dirty": True,
                                                    "user": "ana", "started": "2026-01-01T00:00:00+00:00",
                                                    "kit_version": "0.1.0"})}
    assert tags["stackerynb:branch"] == "feat/x-1" and tags["stackerynb:dirty"] == "true"
    assert set(tags) >= {"stackerynb:git-sha", "stackerynb:user", "stackerynb:deployed-at", "stackerynb:version"}


def test_parameters_from_environment_and_missing_ones_refused():
    template = {"Parameters": {"Domain": {"Type": "String"}, "Size": {"Type": "Number", "Default": 1},
                               "Flag": {"Type": "String", "Default": "no"}}}
    out = tmpl.parameters_for(template, {"Domain": "example.com", "Flag": True, "Other": 1}, "dev")
    assert out == [{"ParameterKey": "Domain", "ParameterValue": "example.com"},
                   {"ParameterKey": "Flag", "ParameterValue": "true"}]
    with pytest.raises(StackError, match="environment dev sets no value for template parameter.*Domain"):
        tmpl.parameters_for(template, {}, "dev")


def test_redactor_masks_every_occurrence_and_never_shows_values():
    redact = Redactor(["hunter2-long", "x"])  # too short to be worth masking: "x"
    assert redact("a hunter2-long b hunter2-long") == "a **** b ****"
    assert redact("x marks") == "x marks"
    assert "hunter2" not in repr(redact)


# ------------------------------------------------------------------ emulator table
def test_emulator_table_matches_the_installed_moto():
    from moto.cloudformation.parsing import get_model_map
    supported = get_model_map()
    listed = not_created_types()
    assert listed and not [t for t in listed if t in supported], "moto creates a type the table says it skips"
    assert "AWS::SQS::QueuePolicy" in listed and "AWS::Lambda::Function" not in listed


def test_every_type_the_compiler_emits_is_created_or_listed(tmp_path):
    """A stack with every kind and many wires: each resource type moto lacks must be in the table."""
    from moto.cloudformation.parsing import get_model_map

    from stackerynb.deploy.template import template_dict
    stack = _every_kind_stack()
    template = template_dict(stack.compile(Environment("dev")))
    supported, listed = get_model_map(), not_created_types()
    missing = sorted({body["Type"] for body in template["Resources"].values()} - set(supported) - set(listed))
    assert not missing, f"add these to stackerynb/catalog/emulator.yaml: {missing}"


def _every_kind_stack() -> Stack:
    s = Stack("every")
    s.add("virtual_network", "Net")
    s.add("function", "Fn", network="Net")
    s.add("function", "Api2Fn")
    s.add("function", "Publisher")
    s.add("rest_api", "Api", cors=True)
    s.add("table", "Orders", billing="provisioned")
    s.add("object_store", "Files", website=True, public_access="read")
    s.add("cdn", "Cdn")
    s.add("bastion", "Jump", network="Net", allowed_cidrs=["203.0.113.0/24"])
    s.add("database", "Db", network="Net")
    s.add("docker_cluster", "Cluster", network="Net")
    s.add("docker_service", "Service", network="Net")
    s.add("load_balancer", "Lb", network="Net")
    s.add("timer", "Tick")
    s.add("cache_cluster", "Cache", network="Net")
    s.add("config_store", "Settings", parameters={"LogLevel": "info"})
    s.add("secret", "Key")
    s.add("queue", "Jobs", dead_letter=True)
    s.add("topic", "News")
    s.add("stream", "Clicks")
    s.add("state_machine", "Flow", logging="ALL")
    s.add("event_bus", "Bus")
    for source, target in [("Flow", "Publisher"), ("Bus", "Flow"), ("Bus", "Jobs"), ("Api", "Api2Fn"), ("Api2Fn", "Orders"), ("Orders", "Fn"), ("Fn", "Db"), ("Fn", "Cache"),
                           ("Fn", "Settings"), ("Fn", "Key"), ("Tick", "Api2Fn"), ("News", "Jobs"), ("Jobs", "Api2Fn"),
                           ("Clicks", "Api2Fn"), ("Cdn", "Files"), ("Lb", "Service"), ("Service", "Cluster"),
                           ("Api2Fn", "Files"), ("Publisher", "News")]:
        try:
            s.connect(source, target)
        except StackError:
            pass  # a pair the catalogue does not offer; the rest still covers the emitted types
    return s


# ------------------------------------------------------------------ refusals before any request
def test_unknown_region_is_refused_before_anything(tmp_path):
    from stackerynb.deploy import deploy
    with pytest.raises(StackError, match=r"region 'us-fake-1' is not an AWS region.*nothing was changed"):
        deploy(Stack("shop"), Environment("dev", region="us-fake-1"), yes=True)


def test_no_credentials_is_a_clear_refusal(tmp_path, monkeypatch):
    from stackerynb.deploy import deploy
    for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_PROFILE",
                 "AWS_DEFAULT_PROFILE", "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI", "AWS_CONTAINER_CREDENTIALS_FULL_URI",
                 "AWS_WEB_IDENTITY_TOKEN_FILE", "AWS_ROLE_ARN"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "no-credentials"))
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "no-config"))
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    prod = Environment("prod", target="aws", region="eu-west-1")
    with pytest.raises(StackError, match=r"environment prod: no AWS credentials found.*nothing was changed"):
        deploy(Stack("shop"), prod, yes=True)
    named = Environment("prod", target="aws", region="eu-west-1", profile="prod-admin")
    with pytest.raises(StackError, match=r"AWS profile 'prod-admin' does not exist"):
        deploy(Stack("shop"), named, yes=True)


def test_unknown_environment_is_refused(tmp_path):
    (tmp_path / "environments.yaml").write_text("dev:\n  target: local\n")
    stack = Stack("shop")
    stack.save(tmp_path / "shop.yaml")
    with pytest.raises(StackError, match=r"unknown environment 'prod'.*defines: dev"):
        stack.deploy("prod", yes=True)


def test_no_way_to_ask_is_refused_before_anything(monkeypatch):
    monkeypatch.setattr("sys.stdin", io.StringIO(""))  # not a terminal, not a notebook
    with pytest.raises(StackError, match="needs a confirmation.*yes=True.*Nothing was changed"):
        confirm.terminal("deploying shop to dev")


def test_terminal_questions_need_an_explicit_yes():
    out = io.StringIO()
    assert confirm.ask_yes_no("Go?", io.StringIO("y\n"), out) and "[y/N]" in out.getvalue()
    assert not confirm.ask_yes_no("Go?", io.StringIO("\n"), out)
    assert not confirm.ask_yes_no("Go?", io.StringIO(""), out)  # end of input is a no
    assert confirm.ask_typed("Destroy?", "shop-dev", io.StringIO("shop-dev\n"), out)
    assert not confirm.ask_typed("Destroy?", "shop-dev", io.StringIO("y\n"), out)


def test_first_failure_is_the_root_cause_not_the_cancellations():
    from datetime import datetime, timezone

    from stackerynb.deploy.progress import DeployEvent
    from stackerynb.deploy.watch import first_failure
    t = datetime.now(timezone.utc)
    events = [  # what CloudFormation reports when one resource fails and the rest is cancelled
        DeployEvent(t, "shop-dev", "AWS::CloudFormation::Stack", "UPDATE_IN_PROGRESS", "User Initiated"),
        DeployEvent(t, "Jobs", "AWS::SQS::Queue", "UPDATE_FAILED", "Resource update cancelled"),
        DeployEvent(t, "Fn", "AWS::Lambda::Function", "UPDATE_FAILED", "Role arn:aws:iam::1:role/x cannot be assumed"),
        DeployEvent(t, "shop-dev", "AWS::CloudFormation::Stack", "UPDATE_ROLLBACK_IN_PROGRESS",
                    "The following resource(s) failed to update: [Fn, Jobs]."),
        DeployEvent(t, "shop-dev", "AWS::CloudFormation::Stack", "UPDATE_ROLLBACK_COMPLETE", ""),
    ]
    failure = first_failure(events)
    assert (failure.logical_id, failure.type) == ("Fn", "AWS::Lambda::Function")
    assert "cannot be assumed" in failure.reason
    assert first_failure(events[:1] + events[3:]).reason.startswith("The following resource(s) failed")
    assert first_failure(events[:1]) is None
