"""Fuzzing strategies and targets shared by the hypothesis tests (``tests/test_fuzz.py``) and the
long run (``benchmarks/fuzz.py``): hostile stack files, templates, environments and sequences of
Stack API calls. Every target must end in success or a StackError; anything else is a bug.

Documents are drawn as nested data whose leaves may be *raw YAML snippets* (bad tags, anchors,
huge numbers, unterminated quotes...), emitted by a tiny block-YAML writer so that the hostile
text lands at a random, well-formed place; some texts are then mutated line by line.
"""
from __future__ import annotations

import tempfile
from dataclasses import dataclass
from pathlib import Path

from hypothesis import strategies as st

from stackerynb import Stack, StackError
from stackerynb.catalog import KIND_NAMES, kind

HUGE = 10 ** 5000


@dataclass(frozen=True)
class Raw:
    """A YAML snippet written as it is (not quoted) where a value goes."""

    text: str


HOSTILE_SNIPPETS = [
    "!!bool maybe", "!!timestamp x", "!!int abc", "!!float abc", "!!int 0x", "!!timestamp 2020-13-45",
    "!!binary ***", "!!binary aGVsbG8=", "!!set {a, b}", "!!omap [a: 1]", "!!pairs [a: 1]", "!!map [1]",
    "!!seq {a: 1}", "!!str [1]", "!!null x", "!!python/name:os.system x", "!!python/object/apply:os.system [ls]",
    "&anchor x", "*anchor", "&a [1, 2]", "[*a, *a]", "!Ref X", "!GetAtt A.B", "!GetAtt nodot", "!Sub [a, {b: 1}]",
    "!Unknown 5", "'unterminated", "\"bad \\q escape\"", "{a: 1, a: 2}", "[1, [2, [3", "}", "? [a]", "~", "null",
    "1e999", "-1e999", ".nan", ".inf", "9" * 5000, "9" * 4000, "-" + "9" * 30, "0o777", "0b101", "1_000",
    "2020-01-01", "2020-01-01T00:00:00Z", "yes", "No", "on", "=", "<<: {a: 1}", "'\u202e\u0000'", "\"\\x00\"",
    "\"\\ud800\"", "|\n  block", ">-", "- a", "a: b: c", "@reserved", "`tick", "%TAG", "!!merge x",
    "[" * 120 + "]" * 120, "{a: " * 60 + "1" + "}" * 60,
]

def mostly(usual, odd, one_in: int = 6):
    """``usual`` most of the time, ``odd`` about once in ``one_in`` draws (so hostile inputs reach
    past the first check as well as stop at it)."""
    return st.integers(1, one_in).flatmap(lambda n: odd if n == 1 else usual)


names = st.from_regex(r"[A-Za-z][A-Za-z0-9]{0,10}", fullmatch=True)
odd_text = st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=12)
plain_scalars = st.one_of(
    st.none(), st.booleans(), st.integers(-10 ** 20, 10 ** 20), st.floats(allow_nan=True, allow_infinity=True),
    odd_text, st.sampled_from(["", "x", "dev", "us-east-1", "python3.12", "read", "write", "local", "aws"]),
)
scalars = mostly(plain_scalars, st.sampled_from(HOSTILE_SNIPPETS).map(Raw), one_in=4)
values = st.recursive(scalars, lambda inner: st.lists(inner, max_size=3) |
                      st.dictionaries(st.one_of(names, odd_text), inner, max_size=3), max_leaves=8)


def setting_values(setting, hostile: bool = True):
    """Values the catalogue setting accepts (only, or mostly when ``hostile``)."""
    if setting.type == "bool":
        good = st.booleans()
    elif setting.type == "int":
        good = st.integers(setting.min, setting.max)
    elif setting.type == "choice":
        good = st.sampled_from(setting.choices)
    elif setting.type == "list":
        good = st.lists(st.text("abcdef0123456789./", max_size=12), max_size=3)
    elif setting.type == "map":
        good = st.dictionaries(st.from_regex(r"[A-Z_]{1,8}", fullmatch=True), st.text(max_size=20), max_size=3)
    elif setting.type == "document":
        if setting.keys and setting.name != "attributes":  # other keyed documents (policies)
            good = st.just({})
        elif setting.keys:  # resource attributes
            good = st.fixed_dictionaries({}, optional={"DeletionPolicy": st.sampled_from(["Delete", "Retain"]),
                                                       "Metadata": st.dictionaries(st.text(max_size=4), st.text(max_size=5), max_size=2)})
        else:
            good = st.dictionaries(st.from_regex(r"[A-Z][A-Za-z]{0,8}", fullmatch=True),
                                   st.one_of(st.text(max_size=10), st.integers(-1000, 1000)), max_size=2)
    elif setting.pattern:
        good = st.just(setting.default)
    else:
        good = st.text(max_size=30)
    return mostly(good, values) if hostile else good


def _usually(hostile: bool):
    """``mostly`` for a hostile document; for a clean one, always the usual value."""
    return mostly if hostile else (lambda usual, odd, one_in=6: usual)


def _scalar(value) -> str:
    import json

    if isinstance(value, Raw):
        return value.text
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return {"nan": ".nan", "inf": ".inf", "-inf": "-.inf"}.get(str(value), repr(value))
    if isinstance(value, int):
        return str(value)
    return json.dumps(value)  # a double-quoted YAML scalar


def emit(value, indent: int = 0) -> str:
    """Block YAML for ``value`` whose Raw leaves are written verbatim (hostile on purpose)."""
    pad = " " * indent
    if isinstance(value, dict):
        if not value:
            return " {}\n"
        out = "\n"
        for key, item in value.items():
            out += f"{pad}{_scalar(key)}:{emit(item, indent + 2)}"
        return out
    if isinstance(value, list):
        if not value:
            return " []\n"
        out = "\n"
        for item in value:
            out += f"{pad}-{emit(item, indent + 2)}"
        return out
    return f" {_scalar(value)}\n"


def document(value) -> str:
    return emit(value).lstrip("\n") if isinstance(value, (dict, list)) else _scalar(value) + "\n"


@st.composite
def mutated(draw, text_strategy, hostile: bool = True):
    """A text, sometimes (when ``hostile``) with lines dropped, duplicated, re-indented or spliced
    with a snippet."""
    text = draw(text_strategy)
    lines = text.splitlines()
    for _ in range(draw(mostly(st.just(0), st.integers(1, 3), one_in=3)) if hostile else 0):
        if not lines:
            break
        i = draw(st.integers(0, len(lines) - 1))
        op = draw(st.sampled_from(["drop", "dup", "indent", "dedent", "splice", "char"]))
        if op == "drop":
            del lines[i]
        elif op == "dup":
            lines.insert(i, lines[i])
        elif op == "indent":
            lines[i] = "  " + lines[i]
        elif op == "dedent":
            lines[i] = lines[i][2:]
        elif op == "splice":
            head = lines[i].split(":")[0]
            lines[i] = f"{head}: {draw(st.sampled_from(HOSTILE_SNIPPETS))}"
        else:
            pos = draw(st.integers(0, len(lines[i])))
            lines[i] = lines[i][:pos] + draw(st.sampled_from(list("\t\x00\x85\ufeff{}[]&*!|>%@`'\"#:-?,"))) + lines[i][pos:]
    return "\n".join(lines) + "\n"


# ------------------------------------------------------------------ stack files
@st.composite
def stack_documents(draw, hostile: bool):
    usually = _usually(hostile)
    any_value = values if hostile else plain_scalars
    nodes = {}
    for node_id in draw(st.lists(names, unique=True, max_size=5)):
        kind_name = draw(usually(st.sampled_from(KIND_NAMES), st.sampled_from(["nope", Raw("!!bool maybe")]), 12))
        block: dict = {"kind": kind_name}
        spec = kind(kind_name) if isinstance(kind_name, str) else None
        if spec is not None and spec.settings and draw(st.booleans()):
            chosen = draw(st.lists(st.sampled_from(sorted(spec.settings)), unique=True, max_size=3))
            block["settings"] = {name: draw(setting_values(spec.settings[name], hostile)) for name in chosen}
        if hostile and draw(st.integers(0, 8)) == 0:
            block["network"] = draw(names | values)
        if hostile and draw(st.integers(0, 12)) == 0:
            block[draw(names)] = draw(values)
        nodes[node_id] = block
    ids = list(nodes) or ["A"]
    wires = [{"from": draw(usually(st.sampled_from(ids), values, 10)), "to": draw(usually(st.sampled_from(ids), values, 10)),
              **({"access": draw(usually(st.sampled_from(["read", "write"]), values))} if draw(st.booleans()) else {})}
             for _ in range(draw(st.integers(0, 4)))]
    doc: dict = {"format": draw(usually(st.just(1), values, 12)), "name": draw(usually(st.just("orders"), values, 12)),
                 "nodes": nodes, "wires": wires}
    if draw(st.booleans()):
        doc["raw"] = {"Resources": {draw(names): {"Type": draw(usually(st.just("AWS::SQS::Queue"), values)),
                                                  "Properties": draw(values if hostile else st.dictionaries(names, plain_scalars, max_size=3))}}}
    if draw(st.booleans()):
        position = st.lists(st.integers(-10 ** 6, 10 ** 6), min_size=2, max_size=2)
        doc["layout"] = {draw(st.sampled_from(ids)): draw(usually(position, values))}
    for key in draw(st.lists(st.sampled_from(list(doc)), unique=True, max_size=2)) if hostile else []:
        if draw(st.integers(0, 12)) == 0:
            doc[key] = draw(values)
    return document(doc)


stack_texts = st.booleans().flatmap(lambda hostile: mutated(stack_documents(hostile), hostile))


def run_stack_text(text: str, folder: Path, compile_too: bool = False) -> str:
    """Load a stack file; if it loads, check it, save it and load it back (the same stack)."""
    path = folder / "fuzz.yaml"
    path.write_text(text, encoding="utf-8")
    try:
        stack = Stack.load(path)
    except StackError:
        return "StackError"
    stack.problems()
    stack.dumps()
    again = folder / "again.yaml"
    again.unlink(missing_ok=True)
    try:
        stack.save(again)
    except StackError:
        return "StackError"
    assert Stack.load(again) == stack, "a saved stack does not load back the same"
    if compile_too and not [p for p in stack.problems() if p.severity == "error"]:
        try:
            stack.compile("dev")
        except StackError:
            return "StackError"
    return "success"


# ------------------------------------------------------------------ templates
TYPES = ["AWS::Serverless::Function", "AWS::Lambda::Function", "AWS::SQS::Queue", "AWS::DynamoDB::Table",
         "AWS::S3::Bucket", "AWS::SNS::Topic", "AWS::Serverless::Api", "AWS::IAM::Role", "AWS::Events::Rule"]


@st.composite
def template_documents(draw, hostile: bool):
    usually = _usually(hostile)
    any_value = values if hostile else plain_scalars
    resources = {}
    for logical_id in draw(st.lists(names, unique=True, min_size=0 if hostile else 1, max_size=4)):
        resource: dict = {"Type": draw(usually(st.sampled_from(TYPES), values, 10))}
        if draw(st.booleans()):
            resource["Properties"] = draw(usually(st.dictionaries(names, any_value, max_size=4), values))
        if hostile and draw(st.integers(0, 4)) == 0:
            resource[draw(st.sampled_from(["DependsOn", "Condition", "Metadata", "Bogus"]))] = draw(values)
        resources[logical_id] = resource
    doc: dict = {"Resources": resources if not hostile or draw(st.integers(0, 10)) else draw(values)}
    if draw(st.booleans()):
        doc["Transform"] = draw(usually(st.just("AWS::Serverless-2016-10-31"), values))
    for section in draw(st.lists(st.sampled_from(["Parameters", "Outputs", "Conditions", "Globals", "Mappings"]),
                                 unique=True, max_size=2)):
        doc[section] = draw(values if hostile else st.dictionaries(names, st.dictionaries(names, plain_scalars, max_size=2), max_size=2))
    return document(doc)


template_texts = st.booleans().flatmap(lambda hostile: mutated(template_documents(hostile), hostile))


def run_template_text(text: str, import_too: bool = False) -> str:
    """Read a template; with ``import_too``, import it into a stack and save that."""
    from stackerynb.importing import import_text
    from stackerynb.importing.template_reader import parse_template

    try:
        parse_template(text, "fuzz.yaml")
        if import_too:
            stack, _ = import_text(text, name="fuzzed", filename="fuzz.yaml")
            stack.dumps()
    except StackError:
        return "StackError"
    return "success"


# ------------------------------------------------------------------ environments
ENV_KEYS = ["target", "region", "profile", "production", "parameters", "config", "account"]
ENV_VALUES = {
    "target": st.sampled_from(["local", "aws"]), "region": st.sampled_from(["us-east-1", "eu-west-1", "mars-1"]),
    "profile": names, "production": st.booleans(), "account": st.from_regex(r"\d{12}", fullmatch=True),
    "parameters": st.dictionaries(names, plain_scalars, max_size=3),
    "config": st.dictionaries(names, st.dictionaries(names, plain_scalars, max_size=2), max_size=2),
}


@st.composite
def environment_documents(draw, hostile: bool):
    usually = _usually(hostile)
    doc = {}
    for name in draw(st.lists(usually(st.sampled_from(["dev", "prod", "test"]), st.sampled_from(["Test", "x" * 30]) | names),
                              unique=True, max_size=3)):
        keys = draw(st.lists(usually(st.sampled_from(ENV_KEYS), st.just("bogus"), 12), unique=True, max_size=4))
        doc[name] = {key: draw(usually(ENV_VALUES[key], values, 4) if key in ENV_VALUES else values) for key in keys} \
            if not hostile or draw(st.integers(0, 8)) else draw(values)
    return document(doc if not hostile or draw(st.integers(0, 12)) else draw(values))


environment_texts = st.booleans().flatmap(lambda hostile: mutated(environment_documents(hostile), hostile))


def run_environment_text(text: str, folder: Path) -> str:
    from stackerynb.model.environments import load_environments, resolve_environment

    (folder / "environments.yaml").write_text(text, encoding="utf-8")
    try:
        defined = load_environments(folder)
        for name in list(defined or {}) + ["dev"]:
            resolve_environment(name, folder)
    except StackError:
        return "StackError"
    return "success"


# ------------------------------------------------------------------ API call sequences
api_values = st.one_of(values.filter(lambda v: not isinstance(v, Raw)), st.just(HUGE), st.just(-HUGE),
                       st.just(float("nan")), st.binary(max_size=4), st.just(object()),
                       st.just([[[[[[[[[[[[HUGE]]]]]]]]]]]]), st.just("\ud800 lone surrogate"), st.just("\x85\u2028"))
plain_values = values.filter(lambda v: not (isinstance(v, Raw) or
                                            (isinstance(v, (list, dict)) and "Raw(" in repr(v))))
node_ids = mostly(st.sampled_from(["F", "G", "T", "Q", "Net", "Api"]), names | api_values, 4)
SETTING_NAMES = sorted({name for k in KIND_NAMES for name in kind(k).settings})
SETTINGS = {name: setting for k in KIND_NAMES for name, setting in kind(k).settings.items()}


@st.composite
def api_settings(draw, unset: bool = False):
    """Settings for add/set: mostly known names with fitting values, sometimes anything."""
    out = {}
    for name in draw(st.lists(mostly(st.sampled_from(SETTING_NAMES), names, 6), unique=True, max_size=3)):
        usual = setting_values(SETTINGS[name]) if name in SETTINGS else plain_values
        out[name] = draw(mostly(usual, api_values | (st.none() if unset else api_values), 4))
    return out


@st.composite
def api_calls(draw):
    op = draw(st.sampled_from(["add", "add", "set", "connect", "connect", "disconnect", "remove", "rename",
                               "place", "move"]))
    if op == "add":
        settings = draw(api_settings())
        position = draw(mostly(st.none() | st.tuples(st.integers(-5000, 5000), st.integers(-5000, 5000)), api_values))
        kind_name = draw(mostly(st.sampled_from(KIND_NAMES), api_values, 10))
        return op, (kind_name, draw(node_ids)), {"position": position, **settings}
    if op == "set":
        return op, (draw(node_ids),), draw(api_settings(unset=True))
    if op == "connect":
        access = draw(mostly(st.none() | st.sampled_from(["read", "write", "read,write", "invoke"]), api_values))
        return op, (draw(node_ids), draw(node_ids)), {"access": access}
    if op in ("disconnect", "rename", "place"):
        return op, (draw(node_ids), draw(node_ids | st.none())), {}
    if op == "remove":
        return op, (draw(node_ids),), {}
    coordinate = mostly(st.integers(-10 ** 4, 10 ** 4), st.integers() | api_values)
    return op, (draw(node_ids), draw(coordinate), draw(coordinate)), {}


@st.composite
def setup_calls(draw):
    """Valid adds of the usual ids first, so the hostile calls meet nodes, wires and networks."""
    calls = []
    for node_id in draw(st.lists(st.sampled_from(["F", "G", "T", "Q", "Net", "Api"]), unique=True, min_size=2, max_size=6)):
        spec = kind({"Net": "virtual_network", "Api": "rest_api", "T": "table", "Q": "queue"}.get(node_id) or
                    draw(st.sampled_from(KIND_NAMES)))
        chosen = draw(st.lists(st.sampled_from(sorted(spec.settings)), unique=True, max_size=2)) if spec.settings else []
        settings = {name: draw(setting_values(spec.settings[name], hostile=False)) for name in chosen}
        calls.append(("add", (spec.name, node_id), settings))
    return calls


api_programs = st.tuples(setup_calls(), st.lists(api_calls(), min_size=1, max_size=12)).map(lambda p: p[0] + p[1])


def run_api_program(program, folder: Path | None = None) -> dict[str, int]:
    """Apply the calls to a new Stack; counts of outcomes. A refused call changes nothing; at the
    end the stack can be checked, written and read back unchanged."""
    from stackerynb.model.fileformat import parse_stack

    counts = {"success": 0, "StackError": 0}
    stack = Stack("fuzz")
    for op, args, kwargs in program:
        before = stack.dumps()
        try:
            getattr(stack, op)(*args, **kwargs)
        except StackError:
            counts["StackError"] += 1
            assert stack.dumps() == before, f"a refused {op} changed the stack"
            continue
        counts["success"] += 1
    stack.problems()
    assert parse_stack(stack.dumps()) == stack, "the stack does not read back the same"
    if folder is not None:
        target = folder / "api.yaml"
        target.unlink(missing_ok=True)
        stack.save(target)
        assert Stack.load(target) == stack
    return counts


def scratch() -> tempfile.TemporaryDirectory:
    return tempfile.TemporaryDirectory(prefix="stackerynb-fuzz-")


__all__ = ["stack_texts", "template_texts", "environment_texts", "api_programs", "run_stack_text",
           "run_template_text", "run_environment_text", "run_api_program", "scratch"]
