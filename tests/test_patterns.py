"""Pattern builders give valid, saveable designs that say what they promise."""
import pytest

from stackerynb import Stack
from stackerynb.patterns import PATTERNS, queue_filler, spawn_workers


@pytest.mark.parametrize("name", sorted(PATTERNS))
def test_pattern_is_valid_and_round_trips(name, tmp_path):
    stack = PATTERNS[name]()
    assert stack.problems() == []
    assert Stack.load(stack.save(tmp_path / f"{name}.yaml")) == stack
    assert set(stack.layout) == {n.id for n in stack.nodes}, "patterns come laid out"


def test_queue_filler_caps_worker_concurrency():
    s = queue_filler(workers=3, rate_per_minute=120)
    assert s.node("Worker").get("reserved_concurrency") == 3
    assert {str(w) for w in s.wires} >= {"EveryMinute -> Filler", "Filler -> Jobs", "Jobs -> Worker", "Worker -> TokenBucket"}
    assert s.node("TokenBucket").network == s.node("Worker").network == "Network"


def test_spawn_workers_fans_out_to_n_functions():
    s = spawn_workers(workers=6)
    assert sum(1 for w in s.wires if w.source == "Spawner" and s.node(w.target).kind == "function") == 6


def test_patterns_add_to_an_existing_stack():
    s = Stack("mine")
    s.add("queue", "Existing")
    queue_filler(s)
    assert "Existing" in s and "Worker" in s
