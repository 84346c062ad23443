"""``stackerynb import TEMPLATE -o stacks/NAME.yaml``: prints the report, writes the stack file
atomically, never overwrites without --force, and fails with a clear message."""
import io

from stackerynb import Stack
from stackerynb.cli import main
from stackerynb.cli.import_template import run

TEMPLATE = """\
Transform: AWS::Serverless-2016-10-31
Resources:
  Jobs: {Type: AWS::SQS::Queue}
  Worker:
    Type: AWS::Serverless::Function
    Properties:
      Handler: app.handler
      CodeUri: src/worker/
      Runtime: python3.12
      Events:
        Work: {Type: SQS, Properties: {Queue: !GetAtt Jobs.Arn, BatchSize: 3}}
  Machine:
    Type: AWS::Pipes::Pipe
    Properties: {RoleArn: arn:aws:iam::123456789012:role/x, Source: arn:aws:sqs:us-east-1:123456789012:a, Target: arn:aws:sqs:us-east-1:123456789012:b}
"""


class Args:
    def __init__(self, template, output=None, name=None, force=False, report=None):
        self.template, self.output, self.name, self.force, self.report = template, output, name, force, report


def test_import_writes_the_stack_and_prints_the_report(tmp_path):
    (tmp_path / "svc").mkdir()
    template = tmp_path / "svc" / "orders__template.yaml"
    template.write_text(TEMPLATE)
    output = tmp_path / "stacks" / "orders.yaml"
    out, err = io.StringIO(), io.StringIO()
    assert run(Args(str(template), str(output), report=str(tmp_path / "r.csv")), out, err) == 0
    lines = out.getvalue().splitlines()
    assert lines[0].split() == ["resource", "type", "outcome", "node", "reason"]
    assert any(l.startswith("Machine") and " node " in l and "no node kind" in l for l in lines)
    assert "wrote" in err.getvalue() and "3 node (1 resource), 0 raw, 0 absorbed, 1 wires" in err.getvalue()
    stack = Stack.load(output)
    assert stack.name == "orders"
    assert [str(w) for w in stack.wires] == ["Jobs -> Worker"]
    assert stack.node("Worker").get("code") == "../svc/src/worker/"
    assert stack.node("Machine").kind == "resource" and "Resources" not in stack.raw
    assert stack.node("Machine").get("type") == "AWS::Pipes::Pipe"
    assert "Machine" in (tmp_path / "r.csv").read_text()
    assert [p.name for p in output.parent.iterdir()] == ["orders.yaml"]  # no temporary file left


def test_existing_stack_file_is_kept_without_force(tmp_path, capsys):
    template = tmp_path / "t.yaml"
    template.write_text(TEMPLATE)
    output = tmp_path / "orders.yaml"
    output.write_text("mine\n")
    assert main(["import", str(template), "-o", str(output)]) == 1
    assert "exists; pass --force" in capsys.readouterr().err
    assert output.read_text() == "mine\n"
    assert main(["import", str(template), "-o", str(output), "--force", "--name", "orders"]) == 0
    assert Stack.load(output).name == "orders"


def test_default_output_is_stacks_name_yaml(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "billing-template.yaml").write_text(TEMPLATE)
    assert main(["import", "billing-template.yaml"]) == 0
    assert Stack.load(tmp_path / "stacks" / "billing.yaml").name == "billing"


def test_a_broken_template_fails_with_file_and_line_and_writes_nothing(tmp_path, capsys):
    template = tmp_path / "t.yaml"
    template.write_text("Resources:\n  A: {Type: AWS::SQS::Queue}\n  B: {Type: AWS::SQS::Queue, DependsOn: [{}]}\n")
    assert main(["import", str(template), "-o", str(tmp_path / "out.yaml")]) == 1
    assert f"{template}:3: resource B: DependsOn takes" in capsys.readouterr().err
    assert not (tmp_path / "out.yaml").exists()
