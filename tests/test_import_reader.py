"""Reading templates: YAML short-form tags become CloudFormation's long form, JSON reads the
same, and malformed files give a StackError naming the file and line."""
import json

import pytest
import yaml
from hypothesis import given, settings, strategies as st

from stackerynb.errors import StackError
from stackerynb.importing.template_reader import parse_template, read_template

SHORT = """\
AWSTemplateFormatVersion: 2010-09-09
Transform: AWS::Serverless-2016-10-31
Parameters:
  Stage: {Type: String, Default: dev}
Resources:
  Table:
    Type: AWS::DynamoDB::Table
    Properties:
      TableName: !Sub "${AWS::StackName}-${Stage}"
  Fn:
    Type: AWS::Serverless::Function
    Properties:
      Environment:
        Variables:
          TABLE: !Ref Table
          ARN: !GetAtt Table.Arn
          NESTED: !GetAtt Table.StreamSpecification.StreamViewType
          JOINED: !Join ["", ["a", !Ref "AWS::Region"]]
          PICK: !Select [0, !GetAZs ""]
          SUBLIST: !Sub ["${T}-x", {T: !Ref Table}]
          IFFY: !If [IsProd, !Ref Table, !Ref "AWS::NoValue"]
"""


def test_short_form_tags_become_long_form():
    t = parse_template(SHORT, "t.yaml")
    env = t.resources["Fn"]["Properties"]["Environment"]["Variables"]
    assert env["TABLE"] == {"Ref": "Table"}
    assert env["ARN"] == {"Fn::GetAtt": ["Table", "Arn"]}
    assert env["NESTED"] == {"Fn::GetAtt": ["Table", "StreamSpecification.StreamViewType"]}
    assert env["JOINED"] == {"Fn::Join": ["", ["a", {"Ref": "AWS::Region"}]]}
    assert env["PICK"] == {"Fn::Select": [0, {"Fn::GetAZs": ""}]}
    assert env["SUBLIST"] == {"Fn::Sub": ["${T}-x", {"T": {"Ref": "Table"}}]}
    assert env["IFFY"] == {"Fn::If": ["IsProd", {"Ref": "Table"}, {"Ref": "AWS::NoValue"}]}
    assert t.resources["Table"]["Properties"]["TableName"] == {"Fn::Sub": "${AWS::StackName}-${Stage}"}


def test_dates_stay_text_and_lines_are_known():
    t = parse_template(SHORT, "t.yaml")
    assert t.data["AWSTemplateFormatVersion"] == "2010-09-09"
    assert t.lines == {"Table": 6, "Fn": 10}
    assert t.is_sam


def test_json_reads_like_yaml():
    yaml_t = parse_template(SHORT, "t.yaml")
    json_t = parse_template(json.dumps(yaml_t.data, indent=2), "t.json")
    assert json_t.data == yaml_t.data
    assert set(json_t.lines) == {"Table", "Fn"}


@pytest.mark.parametrize("text, where, message", [
    ("Resources:\n  A: [\n", "t.yaml:3", "not valid YAML"),
    ("", "t.yaml:1", "empty"),
    ("Description: no resources\n", "t.yaml", "no Resources section"),
    ("Resources:\n  A:\n    Properties: {}\n", "t.yaml:2", "resource A has no Type"),
    ("Resources:\n  A:\n    Type: AWS::SQS::Queue\n    Properties: [1]\n", "t.yaml:2", "Properties must be a mapping"),
    ("Resources:\n  A:\n    Type: AWS::SQS::Queue\n    Properties:\n      X: !GetAtt nodot\n", "t.yaml:5",
     "Resource.Attribute"),
    ('{"Resources": {"A": {"Type": "AWS::SQS::Queue",}}}', "t.yaml:1", "not valid JSON"),
    ("- just\n- a list\n", "t.yaml:1", "a template is a mapping"),
    # Sections given as lists or numbers reached the importer, which failed with AttributeError.
    ("Resources:\n  A:\n    Type: AWS::SQS::Queue\nParameters:\n  - x\n", "t.yaml:4", "Parameters must be a mapping"),
    ("Resources:\n  A:\n    Type: AWS::SQS::Queue\nOutputs: [[]]\n", "t.yaml:4", "Outputs must be a mapping"),
    ("Globals: [1]\nResources:\n  A:\n    Type: AWS::SQS::Queue\n", "t.yaml:1", "Globals must be a mapping"),
    ('{"Resources": {"A": {"Type": "AWS::SQS::Queue"}},\n "Mappings": 5}', "t.yaml:2", "Mappings must be a mapping"),
])
def test_malformed_templates_name_file_and_line(text, where, message):
    with pytest.raises(StackError) as info:
        parse_template(text, "t.yaml")
    assert str(info.value).startswith(where) and message in str(info.value)


def test_file_errors(tmp_path):
    with pytest.raises(StackError, match="no such template file"):
        read_template(tmp_path / "missing.yaml")
    bad = tmp_path / "bad.yaml"
    bad.write_bytes(b"Resources:\n  A:\n    Type: \xff\n")
    with pytest.raises(StackError, match=r"bad.yaml:3: not UTF-8"):
        read_template(bad)
    with pytest.raises(StackError, match="is a folder"):
        read_template(tmp_path)


_names = st.from_regex(r"[A-Z][a-zA-Z0-9]{0,8}", fullmatch=True)
_scalars = st.one_of(st.integers(-10**6, 10**6), st.booleans(),
                     st.text(st.characters(codec="utf-8", exclude_categories=("Cs", "Cc")), max_size=12))
_intrinsics = st.one_of(
    _names.map(lambda n: {"Ref": n}),
    st.tuples(_names, _names).map(lambda p: {"Fn::GetAtt": list(p)}),
    _names.map(lambda n: {"Fn::Sub": "arn:${AWS::Partition}:x:::" + "${%s}" % n}),
)
_values = st.recursive(st.one_of(_scalars, _intrinsics),
                       lambda inner: st.one_of(st.lists(inner, max_size=3), st.dictionaries(_names, inner, max_size=3)),
                       max_leaves=12)


def _to_short_yaml(value, indent=0) -> str:
    """Write ``value`` as YAML using the short-form tags a person would type."""
    class Tagged:
        def __init__(self, tag, value):
            self.tag, self.value = tag, value

    def tagged(v):
        if isinstance(v, dict) and len(v) == 1:
            (k, a), = v.items()
            if k == "Ref":
                return Tagged("!Ref", a)
            if k == "Fn::GetAtt":
                return Tagged("!GetAtt", ".".join(a))
            if k == "Fn::Sub":
                return Tagged("!Sub", a)
        if isinstance(v, dict):
            return {k: tagged(x) for k, x in v.items()}
        if isinstance(v, list):
            return [tagged(x) for x in v]
        return v

    class Dumper(yaml.SafeDumper):
        pass
    Dumper.add_representer(Tagged, lambda d, t: d.represent_scalar(t.tag, t.value))
    return yaml.dump({"Resources": {"R": {"Type": "AWS::SQS::Queue", "Properties": {"V": tagged(value)}}}},
                     Dumper=Dumper, sort_keys=False)


@settings(max_examples=60, deadline=None)
@given(_values)
def test_short_form_yaml_reads_as_the_long_form(value):
    text = _to_short_yaml(value)
    assert parse_template(text, "t.yaml").resources["R"]["Properties"]["V"] == value
    as_json = json.dumps({"Resources": {"R": {"Type": "AWS::SQS::Queue", "Properties": {"V": value}}}})
    assert parse_template(as_json, "t.json").resources["R"]["Properties"]["V"] == value


def test_control_characters_name_the_line():
    from stackerynb import StackError
    from stackerynb.importing.template_reader import parse_template
    with pytest.raises(StackError, match=r"t.yaml:2: not valid YAML"):
        parse_template("Resources:\n  A: \x00", "t.yaml")


# ------------------------------------------------------------------ issue 16 item 7: bad input
FN = ("Transform: AWS::Serverless-2016-10-31\nResources:\n  Q:\n    Type: AWS::SQS::Queue\n  Fn:\n"
      "    Type: AWS::Serverless::Function\n    Properties:\n      Runtime: python3.12\n      Handler: a.h\n")
ENV = FN + "      Environment:\n        Variables:\n          A: "


@pytest.mark.parametrize("text, where, message", [
    (ENV + "!Sub [1, 2, 3]\n", "t.yaml:5", "resource Fn: Properties.Environment.Variables.A: Fn::Sub takes text, or [text, {name: value}]"),
    (ENV + '!Sub ["x", 5]\n', "t.yaml:5", "Fn::Sub takes"),
    (ENV + "!Join [',']\n", "t.yaml:5", "Fn::Join takes [separator, [values]]"),
    (ENV + '{"Fn::GetAtt": [1]}\n', "t.yaml:5", "Fn::GetAtt takes"),
    (ENV + '{"Ref": 5}\n', "t.yaml:5", "Ref takes"),
    (FN + "    DependsOn: [{}]\n", "t.yaml:5", "resource Fn: DependsOn takes a logical id or a list"),
    (FN + "    Condition: [1]\n", "t.yaml:5", "resource Fn: Condition takes a condition name"),
    ("Resources:\n  Q:\n    Type: AWS::SQS::Queue\n  5:\n    Type: AWS::SQS::Queue\n", "t.yaml:4",
     "logical id 5 must be letters and digits"),
    ("Resources:\n  my-queue:\n    Type: AWS::SQS::Queue\n", "t.yaml:2", "logical id 'my-queue' must be letters"),
    ("Resources: 5\n", "t.yaml:1", "Resources must be a mapping of logical ids"),
    ("Resources:\n  Q:\n    Type: AWS::SQS::Queue\nOutputs: [[]]\n", "t.yaml:4", "Outputs must be a mapping"),
    ("Resources:\n  Q:\n    Type: AWS::SQS::Queue\nOutputs:\n  Url: [1]\n", "t.yaml:5", "Outputs entry Url must be a mapping"),
    ("Resources:\n  Q:\n    Type: AWS::SQS::Queue\nOutputs:\n  Url:\n    Value: !Sub [1]\n", "t.yaml:5",
     "Outputs.Url.Value: Fn::Sub takes"),
    (FN + "      Events:\n        X:\n          Type: {}\n", "t.yaml:5", "resource Fn: event X needs a Type"),
    (FN + "      Events: [1]\n", "t.yaml:5", "resource Fn: Events must be a mapping"),
    (FN + "      Events:\n        X:\n          Type: SQS\n          Properties: 5\n", "t.yaml:5",
     "event X: Properties must be a mapping"),
    ("Globals:\n  Function: 5\n" + FN, "t.yaml:2", "Globals.Function must be a mapping"),
    # 500 levels of nesting: YAML is stopped while reading, JSON when its shape is checked
    ("Resources:\n  Q:\n    Type: AWS::SQS::Queue\n    Properties:\n      Tags: " + "[" * 500 + "]" * 500 + "\n",
     "t.yaml:5", "nested more than 100 levels"),
    ('{"Resources": {"Q": {"Type": "AWS::SQS::Queue",\n "Properties": {"Tags": ' + "[" * 500 + "]" * 500 + "}}}}",
     "t.yaml:1", "resource Q: Properties.Tags" + "[0]" * 6 + "...: nested more than 100 levels deep"),
])
def test_malformed_intrinsics_and_sections_name_the_resource_and_line(text, where, message):
    with pytest.raises(StackError) as info:
        parse_template(text, "t.yaml")
    assert str(info.value).startswith(where + ":") and message in str(info.value), str(info.value)


BILLION_LAUGHS = (
    'Resources:\n  Q:\n    Type: AWS::SQS::Queue\n    Properties:\n      Tags: *i\n'
    'a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]\n'
    + "".join(f"{n}: &{n} [{','.join(['*' + p] * 9)}]\n" for p, n in zip("abcdefgh", "bcdefghi")))


def test_anchors_and_aliases_are_refused_fast_like_in_stack_files():
    import time
    text = BILLION_LAUGHS.replace("Tags: *i", "Tags: []")
    assert len(text.encode()) < 700
    start = time.perf_counter()
    with pytest.raises(StackError, match=r"^t.yaml:7: not valid YAML: anchors and aliases \(&, \*\) are not supported"):
        parse_template(text, "t.yaml")
    assert time.perf_counter() - start < 1  # refused at the first alias, nothing expanded
    with pytest.raises(StackError, match="anchors and aliases"):
        parse_template("Resources:\n  Q: &q\n    Type: AWS::SQS::Queue\n  R: *q\n", "t.yaml")


def test_a_key_given_twice_counts_once_the_last_as_in_cloudformation():
    yaml_t = parse_template("Resources:\n  A:\n    Type: AWS::SQS::Queue\n  A:\n    Type: AWS::SNS::Topic\n", "t.yaml")
    assert yaml_t.data["Resources"] == {"A": {"Type": "AWS::SNS::Topic"}}
    assert yaml_t.warnings == [(4, "key 'A' appears twice (first on line 2); the last one counts, as in CloudFormation")]
    json_t = parse_template('{"Resources": {"A": {"Type": "AWS::SQS::Queue",\n "Type": "AWS::SNS::Topic"}}}', "t.json")
    assert json_t.data["Resources"]["A"]["Type"] == "AWS::SNS::Topic"
    assert json_t.warnings == [(2, "key 'Type' appears twice; the last one counts, as in CloudFormation")]
    assert parse_template("Resources:\n  A:\n    Type: AWS::SQS::Queue\n", "t.yaml").warnings == []
