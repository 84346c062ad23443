"""Deploy a 60-resource stack to the local target, end to end, and report seconds per phase.

    .venv/bin/python benchmarks/deploy_local.py

Phases: the emulator's start (once per project: moto's server in its own background process,
which outlives the kernels and commands that use it; stopped again at the end here), then for the first deployment and for a one-node
update: connect (credentials, region, stack state), package (zip + upload function code),
compile, change set (create + describe), execute (run + report), history (reading
``stack.deployments``). Target: the first deployment under 3 s end to end.
"""
from __future__ import annotations

import logging
import sys
import tempfile
import time
import warnings
from pathlib import Path

TARGET_SECONDS = 3.0


def sixty_resource_stack(folder: Path):
    from stackerynb import Stack
    stack = Stack("bench")
    stack.add("rest_api", "Api")
    for i in range(8):
        code = folder / f"fn{i}"
        code.mkdir(parents=True, exist_ok=True)
        (code / "handler.py").write_text(f"def handler(event, context):\n    return {i}\n")
        stack.add("function", f"Fn{i}", code=f"fn{i}")
        if i < 7:
            stack.add("table", f"Table{i}")
            stack.connect(f"Fn{i}", f"Table{i}")
    for i in range(3):
        stack.add("queue", f"Queue{i}")
        stack.connect(f"Queue{i}", f"Fn{i}")
    for i in range(4, 8):
        stack.connect("Api", f"Fn{i}")
    stack.save(folder / "bench.yaml")
    return stack


def run_once(stack, label: str) -> dict:
    start = time.perf_counter()
    deployment = stack.deploy("dev", yes=True, quiet=True)
    deployed = time.perf_counter()
    history = stack.deployments("dev")
    end = time.perf_counter()
    assert deployment.status == "succeeded", deployment.summary()
    assert history.iloc[0]["deployment"] == deployment.id
    phases = dict(deployment.phases)
    phases["history"] = end - deployed
    phases["total"] = end - start
    print(f"{label}: {deployment.created} created, {deployment.changed} changed, {deployment.deleted} deleted")
    for name, seconds in phases.items():
        print(f"  {name:<11} {seconds:6.3f} s")
    return phases


def main() -> int:
    warnings.simplefilter("ignore")
    logging.getLogger("werkzeug").setLevel(logging.ERROR)
    import os

    from stackerynb.deploy import local

    os.environ.pop(local.ENDPOINT_VARIABLE, None)
    with tempfile.TemporaryDirectory() as tmp:
        start = time.perf_counter()
        running = local.start(tmp)
        session = local.session("us-east-1")
        session.client("cloudformation", endpoint_url=running.endpoint).list_stacks()  # waits for the warm-up
        emulator = time.perf_counter() - start
        print(f"emulator start and warm-up (once per project, it outlives kernels and commands): {emulator:.3f} s")
        try:
            stack = sixty_resource_stack(Path(tmp))
            resources = len(stack.compile("dev").resources)
            print(f"stack: {len(stack)} nodes, {len(stack.wires)} wires, {resources} resources")
            first = run_once(stack, "first deploy")
            stack.set("Fn3", memory=512)
            update = run_once(stack, "one-node update")
        finally:
            local.stop(tmp, reset=True)
    verdict = "meets" if first["total"] < TARGET_SECONDS else "MISSES"
    print(f"first deploy end to end {first['total']:.2f} s {verdict} the {TARGET_SECONDS:.0f} s target "
          f"(update {update['total']:.2f} s; with the emulator's start {emulator + first['total']:.2f} s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
