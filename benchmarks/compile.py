"""Compile 10, 100 and 1000 functions side by side with samtranslator on the equivalent SAM.

    .venv/bin/python benchmarks/compile.py [--functions 10,100,1000] [--runs 5]
    .venv/bin/python benchmarks/compile.py --vs main      # this tree's compiler against main's

The design (``stackerynb.examples.fleet``): functions each wired to a table, fed by an API
route (writers, readers) or a queue (workers), in groups of 100 nodes behind their own REST API.
The equivalent SAM template has the same functions (inline code, memory, timeout, the same
environment variables), a log group per function with the same retention, policy templates
for the same access (DynamoDBWritePolicy/ReadPolicy, SQSSendMessagePolicy), ``Api`` events
(``ANY /<function>``) on an ``AWS::Serverless::Api`` per group, ``SQS`` events, and the same
tables and queues.

"ours s": ``compile_parts`` (validate, compile, governance; split into templates of at most
500 resources) plus ``to_dict`` of every template, in-process. "sam s": samtranslator's
``transform`` of the SAM template. Runs alternate between the two and between sizes (so a busy
moment on a shared machine hits all of them); medians are reported, in wall seconds, plus our
CPU milliseconds per function (steadier than wall time when others share the cores).

Targets (issue 15): ours >= 3x faster than samtranslator at every size, seconds per function
flat from 10 to 1000, and 100 functions in one template.
"""
from __future__ import annotations

import argparse
import copy
import logging
import os
import statistics
import sys
import time
import warnings
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import _compare  # noqa: E402

sys.path.insert(0, _compare.code_root())

from stackerynb import compile as compiling  # noqa: E402
from stackerynb.examples import fleet  # noqa: E402
from stackerynb.model.environments import Environment  # noqa: E402

SIZES = (10, 100, 1000)
TARGET_RATIO = 3.0
ENV = Environment(name="bench")


def fleet_of(functions: int):
    """The smallest fleet holding exactly ``functions`` functions."""
    def count(nodes: int) -> int:
        return sum(1 for n in fleet(nodes).nodes if n.kind == "function")
    low, high = functions, 2 * functions + 10
    while low < high:  # the count grows with the nodes: bisect for the first fleet that has enough
        middle = (low + high) // 2
        low, high = (middle + 1, high) if count(middle) < functions else (low, middle)
    return fleet(low)


def compile_ours(stack) -> list[dict]:
    """Templates as data: this tree's compile_parts, or split_stack + compile_report where it has none."""
    parts = getattr(compiling, "compile_parts", None)
    if parts is not None:
        results = parts(stack, ENV)
    else:
        results = [compiling.compile_report(p, ENV) for p in compiling.split_stack(stack, ENV)]
    return [r.to_dict() for r in results]


# ------------------------------------------------------------------------- the equivalent SAM
SAM_POLICY = {("table", "write"): "DynamoDBWritePolicy", ("table", "read"): "DynamoDBReadPolicy",
              ("queue", None): "SQSSendMessagePolicy"}


def sam_template(stack) -> dict:
    """The SAM template a developer would write for ``stack`` (see the module docstring)."""
    resources: dict = {}
    kinds = {n.id: n.kind for n in stack.nodes}
    for node in stack.nodes:
        if node.kind == "rest_api":
            resources[node.id] = {"Type": "AWS::Serverless::Api", "Properties": {
                "StageName": node.get("stage"), "EndpointConfiguration": {"Type": node.get("endpoint")}}}
        elif node.kind == "table":
            resources[node.id] = {"Type": "AWS::DynamoDB::Table", "DeletionPolicy": "Delete", "Properties": {
                "BillingMode": "PAY_PER_REQUEST", "SSESpecification": {"SSEEnabled": True},
                "AttributeDefinitions": [{"AttributeName": "id", "AttributeType": "S"}],
                "KeySchema": [{"AttributeName": "id", "KeyType": "HASH"}],
                "PointInTimeRecoverySpecification": {"PointInTimeRecoveryEnabled": True}}}
        elif node.kind == "queue":
            resources[node.id] = {"Type": "AWS::SQS::Queue", "Properties": {
                "VisibilityTimeout": node.get("visibility_timeout"), "SqsManagedSseEnabled": True}}
        elif node.kind == "function":
            resources[f"{node.id}LogGroup"] = {"Type": "AWS::Logs::LogGroup", "Properties": {
                "LogGroupName": f"/aws/lambda/{stack.name}-{node.id}",
                "RetentionInDays": int(node.get("log_retention_days"))}}
            resources[node.id] = {"Type": "AWS::Serverless::Function", "Properties": {
                "InlineCode": "def handler(event, context):\n    return {'statusCode': 200}\n",
                "Handler": "index.handler", "Runtime": node.get("runtime"), "MemorySize": node.get("memory"),
                "Timeout": node.get("timeout"), "Architectures": [node.get("architecture")],
                "LoggingConfig": {"LogGroup": {"Ref": f"{node.id}LogGroup"}},
                "Policies": [], "Environment": {"Variables": {}}, "Events": {}}}
    for wire in stack.wires:
        source, target = kinds[wire.source], kinds[wire.target]
        if source == "rest_api":
            resources[wire.target]["Properties"]["Events"][f"{wire.source}Route"] = {"Type": "Api", "Properties": {
                "RestApiId": {"Ref": wire.source}, "Path": f"/{wire.target}", "Method": "ANY"}}
        elif source == "queue":
            resources[wire.target]["Properties"]["Events"][f"{wire.source}Messages"] = {"Type": "SQS", "Properties": {
                "Queue": {"Fn::GetAtt": [wire.source, "Arn"]}, "BatchSize": 10}}
        elif source == "function":
            props = resources[wire.source]["Properties"]
            access = wire.access if target == "table" else None
            access = access[0] if isinstance(access, (list, tuple)) else access
            key = "TableName" if target == "table" else "QueueName"
            name = {"Ref": wire.target} if target == "table" else {"Fn::GetAtt": [wire.target, "QueueName"]}
            props["Policies"].append({SAM_POLICY[(target, access)]: {key: name}})
            props["Environment"]["Variables"][f"{wire.target.upper()}_NAME"] = name
            props["Environment"]["Variables"][f"{wire.target.upper()}_ARN"] = {"Fn::GetAtt": [wire.target, "Arn"]}
    return {"AWSTemplateFormatVersion": "2010-09-09", "Transform": "AWS::Serverless-2016-10-31",
            "Resources": resources}


class NoManagedPolicies:
    """samtranslator asks IAM for managed policy ARNs only for policy names; the SAM uses none."""

    def load(self) -> dict:
        return {}


def compile_sam(template: dict) -> dict:
    """samtranslator's translation, as ``sam build``/``sam validate`` call it (a boto3 session
    supplies the region: set to us-east-1 when the environment names none)."""
    from samtranslator.translator.transform import transform
    os.environ.setdefault("AWS_DEFAULT_REGION", "us-east-1")
    return transform(template, {"AWS::Region": "us-east-1"}, NoManagedPolicies())


# ------------------------------------------------------------------------------- the runs
def timed(fn, *args):
    """(wall seconds, CPU seconds, result): CPU time shows the cost per function when other
    processes share the cores and stretch the wall time."""
    started, cpu = time.perf_counter(), time.process_time()
    out = fn(*args)
    return time.perf_counter() - started, time.process_time() - cpu, out


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--functions", default=",".join(map(str, SIZES)), help="function counts, comma separated")
    parser.add_argument("--runs", type=int, default=5, help="alternating runs per size; medians are reported")
    parser.add_argument("--no-sam", action="store_true", help="time our compiler only")
    _compare.add_arguments(parser)
    args = parser.parse_args(argv)
    if args.vs:
        return _compare.run(args.vs, __file__, argv, runs=args.vs_runs)
    warnings.simplefilter("error")  # a governance warning would be a finding: fail loudly
    logging.getLogger("samtranslator").setLevel(logging.ERROR)  # its metrics nag on every translation
    sizes = [int(x) for x in args.functions.split(",")]
    stacks = {n: fleet_of(n) for n in sizes}
    sams = {n: sam_template(stacks[n]) for n in sizes}
    shape = {}
    for n in sizes:  # warm imports and caches; record the output's shape
        templates = compile_ours(stacks[n])
        sam = None if args.no_sam else compile_sam(copy.deepcopy(sams[n]))
        shape[n] = (len(templates), sum(len(t["Resources"]) for t in templates),
                    len(sam["Resources"]) if sam else 0)
    ours: dict[int, list[float]] = {n: [] for n in sizes}
    ours_cpu: dict[int, list[float]] = {n: [] for n in sizes}
    sam_s: dict[int, list[float]] = {n: [] for n in sizes}
    for run in range(args.runs):
        for n in sizes:
            pair = [("ours", compile_ours, stacks[n])]
            if not args.no_sam:
                pair.append(("sam", compile_sam, copy.deepcopy(sams[n])))
            for name, fn, arg in (pair if run % 2 == 0 else pair[::-1]):
                seconds, cpu, _ = timed(fn, arg)
                (ours if name == "ours" else sam_s)[n].append(seconds)
                if name == "ours":
                    ours_cpu[n].append(cpu)

    print(f"{'functions':>9} {'nodes':>6} {'templates':>9} {'resources':>9} {'ours s':>8} {'cpu ms/fn':>9} "
          f"{'sam res':>7} {'sam s':>8} {'sam/ours':>8}")
    metrics, ratios = {}, []
    for n in sizes:
        templates, resources, sam_resources = shape[n]
        mine = statistics.median(ours[n])
        metrics[f"ours {n} fn s"] = mine
        metrics[f"ours {n} fn cpu s"] = statistics.median(ours_cpu[n])
        line = (f"{n:>9} {len(stacks[n].nodes):>6} {templates:>9} {resources:>9} {mine:>8.3f} "
                f"{statistics.median(ours_cpu[n]) / n * 1000:>9.2f}")
        if not args.no_sam:
            theirs = statistics.median(sam_s[n])
            ratios.append(theirs / mine)
            metrics[f"sam {n} fn s"] = theirs
            line += f" {sam_resources:>7} {theirs:>8.3f} {theirs / mine:>8.2f}"
        print(line)
    if len(sizes) > 1:
        first, last = sizes[0], sizes[-1]
        growth = (statistics.median(ours_cpu[last]) / last) / (statistics.median(ours_cpu[first]) / first)
        print(f"\nCPU ms per function, {last} vs {first} functions: x{growth:.2f} (1.00 is perfectly flat)")
    verdict = 0
    if ratios:
        worst = min(ratios)
        met = worst >= TARGET_RATIO
        print(f"slowest ratio sam/ours {worst:.2f}: {'meets' if met else 'MISSES'} the {TARGET_RATIO}x target")
        verdict = 0 if met else 1
    _compare.emit(args, metrics)
    return verdict


if __name__ == "__main__":
    sys.exit(main())
