"""Deploy a 60-resource stack to the local target, side by side with plain boto3 on the same
emulator doing the same change set, and report medians, ratios and API calls.

    .venv/bin/python benchmarks/deploy_local.py              # 5 alternating runs
    .venv/bin/python benchmarks/deploy_local.py --runs 9
    .venv/bin/python benchmarks/deploy_local.py --vs main    # this tree's kit against main's, ratios

The emulator (moto's server in its own background process, as the local target runs it) is
started and warmed once. Each run then deploys a fresh copy of the stack twice with the kit
(``stack.deploy("dev", yes=True)``: first deploy, then a one-node update, each end to end:
connect, package, compile, change set, execute) and, in alternating order, does the same work
with plain boto3 on the same emulator: send the 8 code packages with ``put_object`` (8 at once,
from 8 threads sharing one client), then ``create_change_set`` with the very template the kit
sent (read back with ``get_template``), wait, ``execute_change_set``, wait (polled every 50 ms,
as the kit polls the emulator). That is the floor: what any client must do for the same change.
Targets (issue 15): first deploy <= 1.5x the floor, one-node update <= 2x (the update changes no
code, so its floor sends none). A stricter row, "first, no code", compares the first deploy with
the change set alone, as if the code were already stored.

``--timeline`` prints every API call of the last counted run (start and end in ms from the
start of the deploy, and the thread that sent it) with the seconds per phase: where the time goes.

Each run's function code is new, so the kit uploads it each time; the artifacts bucket is made
once per environment, so only the first run pays for it (run 0, a warm-up, is not counted).
"""
from __future__ import annotations

import argparse
import json
import logging
import os
import statistics
import sys
import tempfile
import time
import warnings
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import _compare  # noqa: E402

sys.path.insert(0, _compare.code_root())
TARGETS = {"first": 1.5, "update": 2.0}  # x the boto3 floor
POLL = 0.05
WARM = "warm"  # the warm-up stack, whose templates the floor sends


def sixty_resource_stack(folder: Path, name: str = "bench", salt: str = ""):
    """An API, 8 functions with code, 7 tables and 3 queues, wired: 60 compiled resources.
    Every stack of a run sits in one folder: one project, so one emulator."""
    from stackerynb import Stack
    stack = Stack(name)
    stack.add("rest_api", "Api")
    for i in range(8):
        code = folder / f"{name}-fn{i}"
        code.mkdir(parents=True, exist_ok=True)
        (code / "handler.py").write_text(f"def handler(event, context):\n    return ({i}, {salt!r})\n")
        stack.add("function", f"Fn{i}", code=f"{name}-fn{i}")
        if i < 7:
            stack.add("table", f"Table{i}")
            stack.connect(f"Fn{i}", f"Table{i}")
    for i in range(3):
        stack.add("queue", f"Queue{i}")
        stack.connect(f"Queue{i}", f"Fn{i}")
    for i in range(4, 8):
        stack.connect("Api", f"Fn{i}")
    stack.save(folder / f"{name}.yaml")
    return stack


class CallCounter:
    """Counts the AWS operations the kit's clients send (botocore's ``before-call`` event) and
    keeps when each was sent and answered (``after-call``), for the timeline."""

    def __init__(self):
        self.calls: list[str] = []
        self.spans: list[tuple[float, float, str, str]] = []  # start, end, operation, thread
        self._began: dict[int, float] = {}
        from stackerynb.deploy import target
        target._local_clients.clear()
        new_client = target.Cloud._new_client

        def counted(cloud, service):
            client = new_client(cloud, service)
            client.meta.events.register("before-call", self._record)
            client.meta.events.register("after-call", self._answered)
            return client

        target.Cloud._new_client = counted

    def _record(self, model, context, **_):
        self.calls.append(f"{model.service_model.service_name}.{model.name}")
        context["bench_sent"] = time.perf_counter()

    def _answered(self, model, context, **_):
        import threading
        self.spans.append((context.get("bench_sent", 0.0), time.perf_counter(),
                           f"{model.service_model.service_name}.{model.name}", threading.current_thread().name))

    def take(self) -> Counter:
        out = Counter(self.calls)
        self.calls.clear()
        return out

    def timeline(self, start: float) -> list[tuple[float, float, str, str]]:
        """The calls answered since the last ``timeline``, in ms from ``start``, by start time."""
        out = sorted((1000 * (a - start), 1000 * (b - start), op, thread) for a, b, op, thread in self.spans)
        self.spans.clear()
        return out


def kit_pair(folder: Path, name: str, salt: str, counter: CallCounter, bodies: list | None = None) -> dict:
    """First deploy and one-node update of a fresh stack with the kit; seconds and calls.
    With ``bodies``, the two templates the kit sent are appended to it (read back, untimed)."""
    stack = sixty_resource_stack(folder, name, salt)
    counter.take()
    counter.timeline(0.0)
    start = time.perf_counter()
    first = stack.deploy("dev", yes=True, quiet=True)
    first_s = time.perf_counter() - start
    first_calls = counter.take()
    first_timeline = counter.timeline(start)
    assert first.status == "succeeded", first.summary()
    if bodies is not None:
        bodies.append(_sent(first))
    stack.set("Fn3", memory=512)
    start = time.perf_counter()
    update = stack.deploy("dev", yes=True, quiet=True)
    update_s = time.perf_counter() - start
    update_calls = counter.take()
    update_timeline = counter.timeline(start)
    assert update.status == "succeeded" and update.changed == 1, update.summary()
    if bodies is not None:
        bodies.append(_sent(update))
        bodies.append({"bucket": first._plan.artifacts.bucket,
                       "keys": [p["key"] for p in first.record["packages"].values()]})
    start = time.perf_counter()
    table = stack.deployments("dev")
    history_s = time.perf_counter() - start
    history_calls = counter.take()
    assert table.iloc[0]["deployment"] == update.id
    return {"first": first_s, "update": update_s, "history": history_s, "first calls": first_calls,
            "update calls": update_calls, "history calls": history_calls,
            "cf_stack": f"{name}-dev", "phases": (dict(first.phases), dict(update.phases)),
            "timelines": (first_timeline, update_timeline)}


def _sent(deployment) -> tuple[str, list[dict]]:
    """The template and stack tags a deployment sent, as the emulator keeps them."""
    from stackerynb.deploy import local
    cf = local.session("us-east-1").client("cloudformation", endpoint_url=deployment._plan.cloud.endpoint)
    body = cf.get_template(StackName=deployment.record["cf_stack"], TemplateStage="Original")["TemplateBody"]
    tags = cf.describe_stacks(StackName=deployment.record["cf_stack"])["Stacks"][0].get("Tags", [])
    return (body if isinstance(body, str) else json.dumps(body)), tags


def wait_change_set(cf, change_set_id: str) -> None:
    while True:
        answer = cf.describe_change_set(ChangeSetName=change_set_id)
        if answer["Status"] not in ("CREATE_PENDING", "CREATE_IN_PROGRESS"):
            assert answer["Status"] == "CREATE_COMPLETE", answer.get("StatusReason")
            return
        time.sleep(POLL)


def wait_stack(cf, name: str) -> None:
    while True:
        status = cf.describe_stacks(StackName=name)["Stacks"][0]["StackStatus"]
        if not status.endswith("_IN_PROGRESS"):
            assert status in ("CREATE_COMPLETE", "UPDATE_COMPLETE"), status
            return
        time.sleep(POLL)


def boto3_change(cf, name: str, sent: tuple[str, list[dict]], kind: str) -> float:
    """Seconds for create_change_set + wait + execute_change_set + wait with plain boto3."""
    body, tags = sent
    start = time.perf_counter()
    change_set = cf.create_change_set(StackName=name, ChangeSetName=f"floor-{int(time.time() * 1000)}",
                                      TemplateBody=body, ChangeSetType=kind, Tags=tags,
                                      Capabilities=["CAPABILITY_IAM", "CAPABILITY_NAMED_IAM", "CAPABILITY_AUTO_EXPAND"])
    wait_change_set(cf, change_set["Id"])
    cf.execute_change_set(ChangeSetName=change_set["Id"], StackName=name)
    wait_stack(cf, name)
    return time.perf_counter() - start


def boto3_pair(cf, name: str, bodies: tuple, code: tuple | None = None) -> dict:
    """The kit's two change sets (template and stack tags) for stack ``name``: its physical names
    (``warm-dev-Fn0``...) carry the stack name, so they are renamed to keep the stacks apart.
    With ``code`` (an S3 client, bucket and the packages' bytes), "first" also times sending the
    packages first, 8 at once (boto3 clients are thread-safe), as a boto3 deploy of this stack
    must; "first, no code" is the change set alone."""
    first, update = ((body.replace(f"{WARM}-dev", name), tags) for body, tags in bodies)
    sent = 0.0
    if code is not None:
        from concurrent.futures import ThreadPoolExecutor
        s3, bucket, packages = code
        start = time.perf_counter()
        with ThreadPoolExecutor(max_workers=len(packages)) as pool:
            list(pool.map(lambda item: s3.put_object(Bucket=bucket, Key=f"floor/{name}/{item[0]}.zip", Body=item[1]),
                          enumerate(packages)))
        sent = time.perf_counter() - start
    out = {"first, no code": boto3_change(cf, name, first, "CREATE"), "update": boto3_change(cf, name, update, "UPDATE")}
    out["first"] = out["first, no code"] + sent
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=5, help="counted runs (after one warm-up run; default 5)")
    parser.add_argument("--timeline", action="store_true", help="print the API calls of the last run, with times")
    _compare.add_arguments(parser)
    args = parser.parse_args(argv)
    if args.vs:
        return _compare.run(args.vs, __file__, argv, runs=args.vs_runs)

    warnings.simplefilter("ignore")
    logging.getLogger("werkzeug").setLevel(logging.ERROR)
    from stackerynb.deploy import local

    os.environ.pop(local.ENDPOINT_VARIABLE, None)
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        start = time.perf_counter()
        running = local.start(folder)
        cf = local.session("us-east-1").client("cloudformation", endpoint_url=running.endpoint)
        cf.list_stacks()  # waits for the warm-up
        print(f"emulator start and warm-up (once per project; it outlives kernels and commands): "
              f"{time.perf_counter() - start:.3f} s")
        try:
            counter = CallCounter()
            sent: list[str] = []
            kit_pair(folder, WARM, WARM, counter, sent)  # warm-up; its templates feed the floor
            bodies = (sent[0], sent[1])
            s3 = local.session("us-east-1").client("s3", endpoint_url=running.endpoint)
            bucket = sent[2]["bucket"]
            code = (s3, bucket, [s3.get_object(Bucket=bucket, Key=key)["Body"].read() for key in sent[2]["keys"]])
            probe = sixty_resource_stack(folder, "probe")
            print(f"stack: {len(probe)} nodes, {len(probe.wires)} wires, "
                  f"{len(probe.compile('dev').resources)} resources")
            boto3_pair(cf, "floor-warm-dev", bodies)  # warms the floor's path too
            kit, floor = [], []
            for i in range(args.runs):
                order = ("kit", "boto3") if i % 2 == 0 else ("boto3", "kit")
                for who in order:
                    if who == "kit":
                        kit.append(kit_pair(folder, f"bench{i}", f"run{i}", counter))
                    else:
                        floor.append(boto3_pair(cf, f"floor{i}-dev", bodies, code))
        finally:
            local.stop(folder, reset=True)

    metrics: dict[str, float] = {}
    print(f"\nmedians of {args.runs} alternating runs (seconds); floor: plain boto3, same emulator, same code and "
          "change set")
    print(f"{'measure':<16} {'kit':>7} {'boto3':>7} {'ratio':>6} {'target':>7}  calls (kit)")
    missed = False
    for measure, label, mine_of in (("first", "first deploy", "first"), ("update", "one-node update", "update"),
                                    ("first, no code", "first, no code", "first")):
        mine = statistics.median(r[mine_of] for r in kit)
        base = statistics.median(r[measure] for r in floor)
        ratio = mine / base
        target = TARGETS[mine_of]
        if measure in TARGETS:
            missed |= ratio > target
        calls = sum(kit[-1][f"{mine_of} calls"].values())
        print(f"{label:<16} {mine:>7.3f} {base:>7.3f} {ratio:>6.2f} {'<=' if ratio <= target else 'MISS >'}"
              f"{target:g}x  {calls}" + ("  (stricter: the floor sends no code)" if measure not in TARGETS else ""))
        key = measure.replace(", ", " ")
        metrics.update({f"kit {mine_of} s": mine, f"boto3 {key} s": base, f"{key} ratio": ratio,
                        f"kit {mine_of} calls": calls})
    history = statistics.median(r["history"] for r in kit)
    print(f"{'history read':<16} {history:>7.3f} {'':>7} {'':>6} {'':>7}  {sum(kit[-1]['history calls'].values())}")
    metrics["history s"] = history
    metrics["history calls"] = sum(kit[-1]["history calls"].values())
    for measure in ("first", "update", "history"):
        print(f"  {measure} calls: {dict(sorted(kit[-1][f'{measure} calls'].items()))}")
    phases = kit[-1]["phases"]
    print("  phases of the last run (s, main thread; reads and uploads run beside them): first "
          + ", ".join(f"{k} {v:.3f}" for k, v in phases[0].items())
          + "; update " + ", ".join(f"{k} {v:.3f}" for k, v in phases[1].items()))
    if args.timeline:
        for label, timeline in zip(("first deploy", "one-node update"), kit[-1]["timelines"]):
            print(f"  API calls of the last {label} (ms from its start):")
            for begin, end, operation, thread in timeline:
                print(f"    {begin:7.1f} - {end:7.1f} ({end - begin:6.1f})  {operation:<36} {thread}")
    _compare.emit(args, metrics)
    return 1 if missed else 0


if __name__ == "__main__":
    sys.exit(main())
