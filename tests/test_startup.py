"""Start-up stays near a bare interpreter's: ``import stackerynb`` and ``stackerynb --help``
load nothing heavy, and the command line builds only the parser of the command it runs."""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
HEAVY = ("pandas", "numpy", "cfnlint", "samtranslator", "boto3", "botocore", "troposphere", "sympy",
         "jsonschema", "ipywidgets", "moto", "git")


def loaded_after(code: str) -> set[str]:
    """Top-level package names in sys.modules after running ``code`` in a new interpreter."""
    probe = code + "\nimport sys, json\nprint(json.dumps(sorted(sys.modules)))"
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, env=env, check=True, cwd=ROOT)
    return set(json.loads(out.stdout.strip().splitlines()[-1]))


def test_import_stackerynb_loads_nothing_heavy():
    loaded = loaded_after("import stackerynb")
    assert not loaded & set(HEAVY), sorted(loaded & set(HEAVY))
    assert "stackerynb.model" not in loaded  # the public names load on first use


def test_public_names_still_import_from_the_package():
    from stackerynb import Node, Problem, Stack, StackError, Wire, __version__
    import stackerynb
    assert stackerynb.Stack is Stack and Stack.__module__.startswith("stackerynb.model")
    assert {"Stack", "Node", "Wire", "StackError", "Problem"} <= set(dir(stackerynb))
    assert __version__ and Node and Wire and Problem and StackError
    with pytest.raises(AttributeError):
        stackerynb.NotAThing  # noqa: B018


def test_help_lists_every_command_without_importing_any():
    code = ("import sys\nfrom stackerynb.cli import main\n"
            "try:\n    main(['--help'])\nexcept SystemExit:\n    pass\n")
    loaded = loaded_after(code)
    assert not loaded & set(HEAVY), sorted(loaded & set(HEAVY))
    commands = {name for name in loaded if name.startswith("stackerynb.cli.")}
    assert commands == set(), commands
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    out = subprocess.run([sys.executable, "-m", "stackerynb", "--help"], capture_output=True, text=True,
                         env=env, check=True).stdout
    from stackerynb.cli import COMMANDS
    flat = " ".join(out.split())
    for name, (_, help_line) in COMMANDS.items():
        assert f"{name} {help_line}" in flat, name


def test_a_command_imports_only_its_own_module():
    code = ("from stackerynb.cli import main\n"
            "import contextlib, io\n"
            "with contextlib.redirect_stdout(io.StringIO()):\n    main(['kinds'])\n")
    loaded = loaded_after(code)
    commands = {name for name in loaded if name.startswith("stackerynb.cli.") and name != "stackerynb.cli.common"}
    assert commands == {"stackerynb.cli.kinds", "stackerynb.cli.kind_reference"}, commands
    assert not loaded & {"pandas", "boto3", "cfnlint", "samtranslator"}


def test_the_registry_help_matches_what_each_command_registers():
    """COMMANDS is data; the modules' own parsers must say the same, or --help would mislead."""
    from stackerynb.cli import COMMANDS, build_parser
    parser = build_parser("*")
    choices = parser._subparsers._group_actions[0]._choices_actions
    registered = {action.dest: action.help for action in choices}
    assert registered == {name: help_line for name, (_, help_line) in COMMANDS.items()}


def test_chosen_command_reads_the_first_word_only():
    from stackerynb.cli import chosen_command
    assert chosen_command(["--help"]) is None
    assert chosen_command(["deploy", "s.yaml", "--env", "kinds"]) == "deploy"
    assert chosen_command(["-h", "import", "x"]) == "import"
    assert chosen_command(["nonsense"]) is None
    assert chosen_command([]) is None


def test_an_unknown_command_is_refused_by_name(capsys):
    from stackerynb.cli import main
    with pytest.raises(SystemExit) as exit_:
        main(["nonsense"])
    assert exit_.value.code == 2
    assert "invalid choice: 'nonsense'" in capsys.readouterr().err


def test_in_ipython_import_stackerynb_does_not_load_pandas_and_dollars_stay_text():
    code = ("from IPython.core.interactiveshell import InteractiveShell\n"
            "shell = InteractiveShell.instance()\n"
            "import sys, stackerynb\n"
            "assert 'pandas' not in sys.modules, 'pandas loaded by import stackerynb'\n"
            "import pandas as pd\n"
            "assert pd.get_option('display.html.use_mathjax') is False\n"
            "html = shell.display_formatter.format(pd.DataFrame({'r': ['${Work.Arn}']}))[0]['text/html']\n"
            "assert 'mathjax_ignore' in html, html\n"
            "pd.set_option('display.html.use_mathjax', True)\n"
            "html = shell.display_formatter.format(pd.DataFrame({'r': ['${Work.Arn}']}))[0]['text/html']\n"
            "assert 'mathjax_ignore' not in html, html\n")
    loaded_after(code)  # raises CalledProcessError if an assertion in the kernel fails


def test_catalogue_tables_use_the_c_parser_and_refuse_duplicates_and_aliases():
    import yaml

    from stackerynb.catalog._data import CatalogLoader, parse_table
    from stackerynb.errors import StackError
    if yaml.__with_libyaml__:
        assert issubclass(CatalogLoader, yaml.CSafeLoader)
    assert parse_table("a:\n  b: [1, 2]\n  c: {d: x}\n") == {"a": {"b": [1, 2], "c": {"d": "x"}}}
    with pytest.raises(StackError, match=r"k.yaml:3: .*key 'd' is given twice"):
        parse_table("a:\n  b: 1\n  c: {d: 1, d: 2}\n", "k.yaml")
    with pytest.raises(StackError, match=r"k.yaml:\d+: .*anchors and aliases"):
        parse_table("a: &x [1]\nb: *x\n", "k.yaml")
    with pytest.raises(StackError, match=r"k.yaml:2: not valid YAML"):
        parse_table("a: [1\nb: 2\n", "k.yaml")


# ------------------------------------------------------------- a cold import of a template
CORPUS = ROOT.parent / "shared" / "corpus" / "sam"


@pytest.mark.skipif(not CORPUS.is_dir(), reason="needs the shared SAM corpus")
@pytest.mark.parametrize("template", ["lambda-sns__template.yaml", "apigw-api-key__template.yaml"])
def test_a_cold_import_loads_neither_the_jsonschema_stack_nor_cfn_lint_nor_pandas(template, tmp_path):
    """lambda-sns uses a SAM policy template, apigw-api-key a GetAtt of a node from a raw
    resource: the two paths that loaded samtranslator's validator stack and cfn-lint."""
    code = ("from stackerynb.cli import main\nimport contextlib, io\n"
            "with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):\n"
            f"    assert main(['import', {str(CORPUS / template)!r}, '-o', {str(tmp_path / 's.yaml')!r}]) == 0\n")
    loaded = loaded_after(code)
    assert (tmp_path / "s.yaml").is_file()
    # jsonschema itself may load (a generic resource node's properties are checked against the
    # registry schema), but never its 0.9 s rfc3987 grammar (lark)
    heavy = {"pandas", "numpy", "cfnlint", "lark", "rfc3987_syntax", "sympy", "boto3"}
    assert not loaded & heavy, sorted(loaded & heavy)


def test_the_saved_getatt_attributes_are_cfn_lints_own():
    """Refresh with ``python -m stackerynb.importing.compiled_names`` when this fails."""
    from stackerynb.importing import compiled_names
    saved = json.loads(compiled_names.ATTRIBUTE_TABLE.read_text(encoding="utf-8"))
    assert saved == compiled_names.attribute_table()
    assert compiled_names.attributes("function") == compiled_names.live_attributes("AWS::Lambda::Function")


def test_policy_templates_expand_exactly_as_sams_processor_does():
    from samtranslator.policy_template_processor.processor import PolicyTemplatesProcessor

    from stackerynb.importing.iam import statements_of
    from stackerynb.importing.permissions import _policy_templates, expand_policy_template
    processor = PolicyTemplatesProcessor(PolicyTemplatesProcessor.get_default_policy_templates_json())
    names = sorted(_policy_templates())
    assert names == sorted(processor.policy_templates) and len(names) > 50
    for name in names:
        parameters = {p: f"value-of-{p}" for p in processor.get(name).parameters}
        assert expand_policy_template(name, parameters) == statements_of(processor.convert(name, parameters)), name
    assert expand_policy_template("NoSuchPolicy", {}) is None
