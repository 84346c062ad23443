"""The cold-start simulator: exact against an event-by-event reference, and against closed forms."""
from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

from stackerynb import StackError
from stackerynb.analysis import simulate

PROPS = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
US = 1_000_000


# ----------------------------------------------------------------------------- reference
def reference_function(arrivals, durations, init, keep_alive, max_lifetime=None, horizon=None):
    """Serve one function's invocations one at a time, MRU reuse, all in integer ticks.

    Returns cold flags (same order), busy and idle ticks, and the largest number of instances
    busy at once."""
    instances = []  # dicts: birth, busy_until, dead
    cold, busy, idle, top = [], 0, 0, 0

    def idle_part(start, end):
        if horizon is not None:
            end = min(end, max(horizon, start))
        return max(0, end - start)

    def death(inst):
        end = inst["busy_until"] + keep_alive
        if max_lifetime is not None:
            end = min(end, max(inst["busy_until"], inst["birth"] + max_lifetime))
        return end

    for t, d in zip(arrivals, durations):
        best = None
        for inst in instances:
            if inst["dead"] or inst["busy_until"] > t:
                continue
            expired = t - inst["busy_until"] >= keep_alive
            too_old = max_lifetime is not None and t - inst["birth"] >= max_lifetime
            if expired or too_old:
                idle += idle_part(inst["busy_until"], death(inst))
                inst["dead"] = True
            elif best is None or inst["busy_until"] > best["busy_until"]:
                best = inst
        if best is None:
            cold.append(True)
            instances.append({"birth": t, "busy_until": t + init + d, "dead": False})
            busy += init + d
        else:
            cold.append(False)
            idle += idle_part(best["busy_until"], t)
            best["busy_until"] = t + d
            busy += d
        top = max(top, sum(1 for i in instances if not i["dead"] and i["busy_until"] > t))
    for inst in instances:
        if not inst["dead"]:
            idle += idle_part(inst["busy_until"], death(inst))
    return cold, busy, idle, top


def reference(frame, init, keep_alive, max_lifetime=None, horizon=None):
    """Run :func:`reference_function` per function of a frame with function/time/duration in
    ticks; returns cold flags in row order and per-function (busy, idle, top) in ticks."""
    cold = np.zeros(len(frame), bool)
    stats = {}
    for fn, group in frame.groupby("function", sort=False):
        pos = np.flatnonzero((frame["function"] == fn).to_numpy())
        pos = pos[np.lexsort((pos, frame["time"].to_numpy()[pos]))]
        flags, busy, idle, top = reference_function(
            frame["time"].to_numpy()[pos].tolist(), frame["duration"].to_numpy()[pos].tolist(),
            init[fn], keep_alive, max_lifetime, horizon)
        cold[pos] = flags
        stats[fn] = (busy, idle, top)
    return cold, stats


@st.composite
def workloads(draw, max_rows=60):
    """Small workloads on a coarse time grid (lots of ties and overlaps), in whole seconds."""
    nf = draw(st.integers(1, 3))
    n = draw(st.integers(1, max_rows))
    grid = draw(st.sampled_from([1, 5, 20]))
    rows = draw(st.lists(st.tuples(st.integers(0, nf - 1), st.integers(0, 200 // grid),
                                   st.integers(0, 40 // grid)), min_size=n, max_size=n))
    frame = pd.DataFrame({"function": [f"f{f}" for f, _, _ in rows],
                          "time": [float(t * grid) for _, t, _ in rows],
                          "duration": [float(d * grid) for _, _, d in rows]})
    init = {f"f{i}": float(draw(st.integers(0, 8))) for i in range(nf)}
    keep_alive = float(draw(st.integers(1, 60)))
    return frame, init, keep_alive


def ticks(frame):
    out = frame.copy()
    out["time"] = (out["time"] * US).round().astype(np.int64)
    out["duration"] = np.maximum((out["duration"] * US).round().astype(np.int64), 1)
    return out


def check_against_reference(frame, init, keep_alive, max_lifetime=None, horizon=None, chunk_size=4_000_000):
    present = {f: init[f] for f in frame["function"].unique()}
    got = simulate(frame, keep_alive=keep_alive, max_lifetime=max_lifetime, init=present,
                   horizon=horizon, chunk_size=chunk_size)
    ft = ticks(frame)
    cold, stats = reference(ft, {f: round(v * US) for f, v in present.items()}, round(keep_alive * US),
                            None if max_lifetime is None else round(max_lifetime * US),
                            None if horizon is None else round(horizon * US))
    return got, cold, stats


# ----------------------------------------------------------------------------- exactness
@PROPS
@given(workloads(), st.sampled_from([None, 150.0]), st.sampled_from([4_000_000, 7]))
def test_vectorised_engine_matches_event_by_event_reference(work, horizon, chunk):
    frame, init, keep_alive = work
    got, cold, stats = check_against_reference(frame, init, keep_alive, horizon=horizon, chunk_size=chunk)
    assert got.invocations["cold"].tolist() == cold.tolist()
    s = got.summary
    for fn, (busy, idle, top) in stats.items():
        assert s.loc[fn, "cold_starts"] == cold[(frame["function"] == fn).to_numpy()].sum()
        assert s.loc[fn, "busy_seconds"] == pytest.approx(busy / US, abs=1e-6)
        assert s.loc[fn, "idle_seconds"] == pytest.approx(idle / US, abs=1e-6)
        assert s.loc[fn, "max_concurrency"] == top


@PROPS
@given(workloads(), st.sampled_from([None, 150.0]), st.integers(2, 9))
def test_large_functions_split_into_time_windows_give_the_same_answer(work, horizon, window):
    import stackerynb.analysis.simulator as engine

    frame, init, keep_alive = work
    frame = frame.assign(function="f0")  # one function, cut into windows of `window` arrivals
    saved = engine._CONTEXT_FACTOR
    engine._CONTEXT_FACTOR = 0
    try:
        got, cold, stats = check_against_reference(frame, init, keep_alive, horizon=horizon, chunk_size=window)
    finally:
        engine._CONTEXT_FACTOR = saved
    assert got.invocations["cold"].tolist() == cold.tolist()
    busy, idle, top = stats["f0"]
    s = got.summary.loc["f0"]
    assert s["busy_seconds"] == pytest.approx(busy / US, abs=1e-6)
    assert s["idle_seconds"] == pytest.approx(idle / US, abs=1e-6)
    assert s["max_concurrency"] == top



@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(workloads(), st.sampled_from([None, 150.0]), st.integers(1, 9), st.lists(st.integers(0, 60), max_size=6))
def test_one_function_simulated_in_time_ordered_pieces_gives_the_same_answer(work, horizon, window, cuts):
    """simulate_stream takes a function's arrivals piece by piece, carrying the instances from one
    piece to the next (windows of `window` arrivals, pieces cut anywhere, ties straddling them)."""
    import stackerynb.analysis.simulator as engine

    frame, init, keep_alive = work
    frame = frame.assign(function="f0").sort_values("time", kind="stable").reset_index(drop=True)
    cold, stats = reference(ticks(frame), {"f0": round(init["f0"] * US)}, round(keep_alive * US),
                            None, None if horizon is None else round(horizon * US))
    pieces = [frame.iloc[lo:hi][["time", "duration"]] for lo, hi in
              zip([0, *sorted(cuts)], [*sorted(cuts), len(frame)])]
    saved = engine._CONTEXT_FACTOR
    engine._CONTEXT_FACTOR = 0
    try:
        got = engine.simulate_stream(pieces, "f0", keep_alive=keep_alive, init=init["f0"], horizon=horizon,
                                     chunk_size=window).summary.loc["f0"]
    finally:
        engine._CONTEXT_FACTOR = saved
    whole = simulate(frame, keep_alive=keep_alive, init=init["f0"], horizon=horizon,
                     per_invocation=False).summary.loc["f0"]
    pd.testing.assert_series_equal(got, whole, check_exact=True)
    busy, idle, top = stats["f0"]
    assert got["cold_starts"] == cold.sum()
    assert got["busy_seconds"] == pytest.approx(busy / US, abs=1e-6)
    assert got["idle_seconds"] == pytest.approx(idle / US, abs=1e-6)
    assert got["max_concurrency"] == top


def test_pieces_out_of_time_order_are_named():
    from stackerynb.analysis.simulator import simulate_stream

    with pytest.raises(StackError, match="piece 1 .* before the previous piece ended"):
        simulate_stream([(np.array([5.0, 9.0]), None), (np.array([7.0]), None)], "f", durations=0.1)
    with pytest.raises(StackError, match="piece 0 lacks column 'time'"):
        simulate_stream([pd.DataFrame({"t": [1.0]})], "f", durations=0.1)


@PROPS
@given(workloads(max_rows=40), st.integers(1, 120))
def test_max_lifetime_is_exact_when_instances_never_overlap(work, lifetime):
    frame, init, keep_alive = work
    # one invocation at a time: spread arrivals so that each ends before the next begins
    frame = frame.sort_values("time", kind="stable").reset_index(drop=True)
    frame["time"] = np.arange(len(frame)) * 50.0 + frame["time"] / 10
    frame["duration"] = np.minimum(frame["duration"], 30.0)
    init = {f: min(v, 5.0) for f, v in init.items()}
    got, cold, stats = check_against_reference(frame, init, keep_alive, max_lifetime=float(lifetime))
    assert got.invocations["cold"].tolist() == cold.tolist()
    for fn, (busy, idle, top) in stats.items():
        assert top <= 1
        assert got.summary.loc[fn, "idle_seconds"] == pytest.approx(idle / US, abs=1e-6)


def test_max_lifetime_with_concurrency_is_a_measured_upper_bound():
    """With several instances at once, the per-slot recycling (the request the recycled slot
    would have served starts cold) counts more cold starts than a physical MRU pool, which hands
    that request to another idle instance when one is alive. Measured: +5..+30%."""
    rng = np.random.default_rng(7)
    excess = []
    for rate, dur, lifetime in [(0.5, 2.0, 3600.0), (1.0, 2.0, 3600.0), (0.1, 20.0, 1800.0)]:
        n = rng.poisson(rate * 20_000)
        frame = pd.DataFrame({"function": "f", "time": np.sort(rng.uniform(0, 20_000, n)).round(3),
                              "duration": rng.exponential(dur, n).round(3)})
        got, cold, _ = check_against_reference(frame, {"f": 0.3}, 600.0, max_lifetime=lifetime)
        vectorised, physical = int(got.summary.loc["f", "cold_starts"]), int(cold.sum())
        excess.append((vectorised - physical) / physical)
    assert all(0 <= e < 0.35 for e in excess), excess


def test_a_fixed_point_needs_more_than_one_pass_when_init_changes_overlaps():
    # the second call arrives while the first is still initialising: it must start its own instance
    frame = pd.DataFrame({"function": ["f", "f", "f"], "time": [0.0, 1.5, 3.0], "duration": [1.0, 1.0, 1.0]})
    got = simulate(frame, keep_alive=600, init={"f": 1.0})
    assert got.invocations["cold"].tolist() == [True, True, False]
    assert got.passes >= 2
    assert got.invocations["latency"].tolist() == [2.0, 2.0, 1.0]


# ----------------------------------------------------------------------------- closed forms
def poisson_frame(rate, count, functions=1, seed=0):
    rng = np.random.default_rng(seed)
    parts = [pd.DataFrame({"function": f"f{i}", "time": np.cumsum(rng.exponential(1 / rate, count))})
             for i in range(functions)]
    return pd.concat(parts, ignore_index=True)


@pytest.mark.parametrize("rate,keep_alive", [(1 / 600, 600.0), (1 / 300, 600.0), (0.01, 120.0)])
def test_poisson_cold_start_probability_is_exp_minus_rate_times_keep_alive(rate, keep_alive):
    frame = poisson_frame(rate, 40_000, functions=5, seed=3)
    res = simulate(frame, {f"f{i}": 0.001 for i in range(5)}, keep_alive=keep_alive, init=0)
    p = math.exp(-rate * keep_alive)
    n = len(frame)
    assert res.cold_start_rate == pytest.approx(p, abs=4 * math.sqrt(p * (1 - p) / n))


def test_little_law_and_instance_time_agree_with_closed_forms():
    rate, dur, keep_alive = 2.0, 1.5, 30.0
    frame = poisson_frame(rate, 200_000, seed=5)
    span = frame["time"].max()
    res = simulate(frame, {"f0": dur}, keep_alive=keep_alive, init=0, horizon=span)
    s = res.summary.loc["f0"]
    # Little: mean busy instances = rate x duration; busy time comes from the level structure
    assert s["busy_seconds"] / span == pytest.approx(rate * dur, rel=0.01)
    # M/G/inf: the busy count is Poisson(rate x dur), so the largest one is far above the mean
    assert s["max_concurrency"] > rate * dur + 5
    # live instances >= busy ones, and every idle second belongs to an instance kept for reuse
    assert s["instance_seconds"] > s["busy_seconds"]


def test_instance_time_for_sparse_poisson_traffic_is_one_minus_exp():
    rate, keep_alive = 1 / 200, 300.0
    frame = poisson_frame(rate, 100_000, seed=11)
    span = frame["time"].max()
    res = simulate(frame, {"f0": 0.001}, keep_alive=keep_alive, init=0, horizon=span)
    alive = res.summary.loc["f0", "instance_seconds"] / span
    assert alive == pytest.approx(1 - math.exp(-rate * keep_alive), rel=0.01)


def test_a_maximum_lifetime_adds_a_cold_start_per_lifetime_under_steady_traffic():
    frame = pd.DataFrame({"function": "f", "time": np.arange(0, 36_000, 10.0)})
    base = simulate(frame, {"f": 0.01}, keep_alive=600, init=0)
    capped = simulate(frame, {"f": 0.01}, keep_alive=600, max_lifetime=7200, init=0)
    assert base.summary.loc["f", "cold_starts"] == 1
    assert capped.summary.loc["f", "cold_starts"] == 5  # at 0, 2h, 4h, 6h, 8h
    assert capped.invocations.loc[capped.invocations["cold"], "time"].tolist() == [0, 7200, 14400, 21600, 28800]


# ----------------------------------------------------------------------------- results
def test_latency_includes_the_runtime_and_memory_cold_start_penalty():
    frame = pd.DataFrame({"function": ["py", "java", "java_big"], "time": [0.0, 0.0, 0.0]})
    res = simulate(frame, {"py": 0.05, "java": 0.05, "java_big": 0.05},
                   runtime={"py": "python3.12", "java": "java21", "java_big": "java21"},
                   memory={"py": 128, "java": 128, "java_big": 1769})
    lat = res.summary["latency_p50"]
    assert lat["java"] > lat["py"] > 0.05
    assert lat["java"] > lat["java_big"] > 0.05  # more memory, more CPU, shorter JVM start
    assert res.summary.loc["java", "init_seconds"] == pytest.approx(lat["java"] - 0.05)


def test_percentiles_match_numpy_per_function():
    rng = np.random.default_rng(2)
    frame = pd.DataFrame({"function": rng.choice(["a", "b", "c"], 3000), "time": rng.uniform(0, 5e4, 3000),
                          "duration": rng.lognormal(-2, 1, 3000)})
    res = simulate(frame, init={"a": 0.3, "b": 0.0, "c": 1.0}, keep_alive=60)
    inv = res.invocations
    for fn in "abc":
        lat = inv.loc[inv["function"] == fn, "latency"].to_numpy()
        assert res.summary.loc[fn, "latency_p95"] == pytest.approx(np.quantile(lat, 0.95), abs=2e-6)
        assert res.summary.loc[fn, "latency_mean"] == pytest.approx(lat.mean(), abs=2e-6)
    mapping = simulate(frame.drop(columns="duration"), {"a": 0.1, "b": 0.2, "c": 0.3}, init=0.5, keep_alive=60)
    inv = mapping.invocations
    for fn in "abc":
        lat = inv.loc[inv["function"] == fn, "latency"].to_numpy()
        for q in (50, 95, 99):
            assert mapping.summary.loc[fn, f"latency_p{q}"] == pytest.approx(np.quantile(lat, q / 100), abs=1e-9)


@pytest.mark.parametrize("functions", [1, 40])
def test_percentiles_match_numpy_whether_selected_or_sorted(functions):
    # a chunk of a few functions selects the quantile ranks, one of many sorts all latencies
    rng = np.random.default_rng(4)
    names = [f"f{i}" for i in range(functions)]
    frame = pd.DataFrame({"function": rng.choice(names, 4000), "time": rng.uniform(0, 2e4, 4000),
                          "duration": rng.lognormal(-1, 1.5, 4000)})
    res = simulate(frame, init=0.4, keep_alive=30, quantiles=(0.1, 0.5, 0.99))
    inv = res.invocations
    for fn in names:
        lat = inv.loc[inv["function"] == fn, "latency"].to_numpy()
        for q in (0.1, 0.5, 0.99):
            assert res.summary.loc[fn, f"latency_p{q * 100:g}"] == pytest.approx(np.quantile(lat, q), abs=2e-6)


def test_input_order_and_categorical_functions_do_not_change_results():
    frame = poisson_frame(0.01, 2000, functions=3, seed=9)
    durations = {f"f{i}": 2.0 for i in range(3)}
    a = simulate(frame, durations, keep_alive=100)
    shuffled = frame.sample(frac=1, random_state=1)
    shuffled["function"] = shuffled["function"].astype("category")
    b = simulate(shuffled, durations, keep_alive=100)
    pd.testing.assert_frame_equal(a.summary, b.summary.loc[a.summary.index], check_categorical=False,
                                  check_index_type=False)
    assert b.invocations.loc[frame.index, "cold"].tolist() == a.invocations["cold"].tolist()


def test_idle_memory_seconds_scale_with_memory():
    frame = pd.DataFrame({"function": ["a", "b"], "time": [0.0, 0.0]})
    res = simulate(frame, {"a": 1.0, "b": 1.0}, keep_alive=600, memory={"a": 1024, "b": 512}, init=0)
    assert res.summary["idle_seconds"].tolist() == [600.0, 600.0]
    assert res.summary["idle_gb_seconds"].tolist() == [600.0, 300.0]


# ----------------------------------------------------------------------------- bad input
@pytest.mark.parametrize("frame,durations,message", [
    (pd.DataFrame({"function": ["a"]}), {"a": 1}, "lack column 'time'"),
    (pd.DataFrame({"time": [1.0]}), {"a": 1}, "lack column 'function'"),
    (pd.DataFrame({"function": ["a", "a"], "time": [1.0, -2.0]}), {"a": 1}, "row 1 is negative"),
    (pd.DataFrame({"function": ["a", "a"], "time": [1.0, "soon"]}), {"a": 1}, "row 1 has 'soon'"),
    (pd.DataFrame({"function": ["a"], "time": [np.inf]}), {"a": 1}, "not a finite number"),
    (pd.DataFrame({"function": ["a", None], "time": [1.0, 2.0]}), {"a": 1}, "row 1 names no function"),
    (pd.DataFrame({"function": ["a", "b"], "time": [1.0, 2.0]}), {"a": 1}, "no entry for function 'b'"),
    (pd.DataFrame({"function": ["a"], "time": [1.0]}), {"a": 1, "ghost": 2}, "'ghost', which has no invocations"),
    (pd.DataFrame({"function": ["a"], "time": [1.0]}), {"a": -1}, "durations for function 'a'"),
    (pd.DataFrame({"function": ["a"], "time": [1.0], "duration": [-1.0]}), None, "column 'duration': row 0 is negative"),
    (pd.DataFrame({"function": ["a"], "time": [1.0]}), None, "durations missing"),
])
def test_bad_input_names_what_is_wrong(frame, durations, message):
    with pytest.raises(StackError, match=message):
        simulate(frame, durations)


def test_bad_parameters_are_named():
    frame = pd.DataFrame({"function": ["a"], "time": [0.0]})
    with pytest.raises(StackError, match="keep_alive"):
        simulate(frame, {"a": 1}, keep_alive=0)
    with pytest.raises(StackError, match="runtime 'cobol'"):
        simulate(frame, {"a": 1}, runtime="cobol")
    with pytest.raises(StackError, match="memory names 'b'"):
        simulate(frame, {"a": 1}, memory={"b": 512})


def test_empty_input_gives_an_empty_summary():
    res = simulate(pd.DataFrame({"function": pd.Series([], dtype=object), "time": pd.Series([], dtype=float)}), {})
    assert res.summary.empty and res.cold_start_rate == 0.0
