"""Consolidation on a stack small enough to price by hand."""
from __future__ import annotations

import pytest

from stackerynb import Stack, StackError
from stackerynb.analysis import Traffic, alternatives, consolidation, constant, periodic, recommend
from stackerynb.analysis.consolidation import call_graph, entry_points, resolve_traffic
from stackerynb.catalog.prices import load_prices

TIER1 = 0.0000166667
MONTH = 2_628_000 / 86_400  # one simulated day -> a 730-hour month


def shop() -> Stack:
    """Api routes to A and B; A proxies to C; A reads table T, B writes it, C sends to queue Q."""
    s = Stack("shop")
    s.add("rest_api", "Api")
    s.add("function", "A", memory=1024)
    s.add("function", "B", memory=1024)
    s.add("function", "C", memory=512)
    s.add("table", "T")
    s.add("queue", "Q")
    s.connect("Api", "A")
    s.connect("Api", "B")
    s.connect("A", "C")
    s.connect("A", "T", "read")
    s.connect("B", "T", "write")
    s.connect("C", "Q")
    return s


# one call a minute on each route, A's half a minute before B's: every function stays warm
TRAFFIC = Traffic({"Api->A": periodic(60), "Api->B": periodic(60, offset_s=30)})
OPTIONS = dict(durations={"A": 0.2, "B": 0.1, "C": 0.3}, init={"A": 0.5, "B": 0.5, "C": 0.5},
               package_mb={"A": 0, "B": 0, "C": 0})


@pytest.fixture(scope="module")
def table():
    return consolidation(shop(), TRAFFIC, **OPTIONS)


def monthly(gb_s_per_day, requests_per_day, api_per_day=2880):
    return {"monthly_compute": gb_s_per_day * MONTH * TIER1, "monthly_requests": requests_per_day * MONTH * 2e-7,
            "monthly_api": api_per_day * MONTH * 3.5e-6}


# GB-seconds per day, worked out by hand (first call of each function pays 0.5 s INIT):
#   as designed: A 1439 x (0.2 + 0.3 waiting on C) + (0.5 + 0.2 + 0.8) = 721.0 at 1 GB
#                B 1439 x 0.1 + 0.6 = 144.5 at 1 GB; C 1439 x 0.3 + 0.8 = 432.5 s at 0.5 GB
#   A+B merged:  A 1439 x 0.5 + 1.5, B 1440 x 0.1 (already warm) = 865.0; C as before
#   A+C merged:  A 1439 x 0.5 + 1.0 = 720.5; B 144.5
#   all merged:  1439 x 0.5 + 1.0 + 1440 x 0.1 = 864.5
EXPECTED = {
    "as designed": (3, 721.0 + 144.5 + 216.25, 4320, 3),
    "one function per api": (2, 865.0 + 216.25, 4320, 2),
    "proxies collapsed": (2, 720.5 + 144.5, 2880, 2),
    "consolidated": (1, 864.5, 2880, 1),
}


def test_the_four_designs_and_their_merges(table):
    assert list(table.index) == list(EXPECTED)
    assert table["merged"].tolist() == ["", "A+B", "A+C", "A+B+C"]
    assert table["functions"].tolist() == [e[0] for e in EXPECTED.values()]


@pytest.mark.parametrize("name", list(EXPECTED))
def test_monthly_cost_matches_the_hand_computation(table, name):
    _, gb_s, requests, cold = EXPECTED[name]
    row = table.loc[name]
    for column, value in monthly(gb_s, requests).items():
        assert row[column] == pytest.approx(value, rel=1e-9), column
    assert row["monthly_total"] == pytest.approx(sum(monthly(gb_s, requests).values()), rel=1e-9)
    assert row["invocations_per_day"] == requests
    assert row["cold_starts_per_day"] == cold


def test_latency_percentiles_of_api_requests(table):
    # B answers in 0.1 s, A in 0.5 s (0.2 own + 0.3 in C or waiting on C): half and half
    assert table["latency_p99_ms"].tolist() == pytest.approx([500.0] * 4)
    assert table["latency_p95_ms"].tolist() == pytest.approx([500.0] * 4)


def test_iam_breadth_of_the_largest_role(table):
    # A: 6 table reads + invoke C on T, T/index, C; A+B: 10 table actions + invoke; A+C: reads + 3 queue sends
    assert table["iam_actions"].tolist() == [7, 11, 9, 13]
    assert table["iam_resources"].tolist() == [3, 3, 3, 3]
    assert table["largest_role"].tolist() == ["A", "A+B", "A+C", "A+B+C"]


def test_recommend_names_the_merge_that_saves_most_with_its_price():
    rec = recommend(shop(), TRAFFIC, **OPTIONS)
    assert rec["merge"].tolist() == ["A+C", "A+B"]
    assert rec["kind"].tolist() == ["proxy chain", "api Api"]
    saving = sum(monthly(1081.75, 4320).values()) - sum(monthly(865.0, 2880).values())
    assert rec.loc[0, "saving_per_month"] == pytest.approx(saving, rel=1e-9)
    text = rec.loc[0, "tradeoff"]
    assert text.startswith("Merging A, C saves $")
    assert "A, C run with a role of 9 actions on 3 resources instead of as few as 3 on 1" in text
    assert "A, B run with a role of 11 actions on 3 resources instead of as few as 4 on 2" in rec.loc[1, "tradeoff"]
    assert recommend(shop(), TRAFFIC, top=1, **OPTIONS)["merge"].tolist() == ["A+C"]


def test_waiting_on_a_proxy_costs_more_than_doing_the_work_in_process_at_any_traffic():
    stack = shop()
    for rate in (0.001, 0.1, 5.0):
        t = consolidation(stack, Traffic({"Api->A": constant(rate), "Api->B": constant(rate)}), days=0.25,
                          durations={"A": 0.05, "B": 0.05, "C": 0.2})
        assert t.loc["proxies collapsed", "monthly_compute"] < t.loc["as designed", "monthly_compute"]
        assert t.loc["consolidated", "cold_starts_per_day"] <= t.loc["as designed", "cold_starts_per_day"]


def test_sparse_traffic_shows_cold_starts_in_the_tail_latency():
    t = consolidation(shop(), Traffic({"Api->A": constant(1 / 900), "Api->B": constant(1 / 900)}), days=3,
                      durations={"A": 0.05, "B": 0.05, "C": 0.05}, init={"A": 1.0, "B": 1.0, "C": 1.0})
    # separate functions: A's cold calls wait for A's and C's INIT; merged, one INIT at most
    assert t.loc["as designed", "latency_p99_ms"] > 2000
    assert t.loc["consolidated", "latency_p99_ms"] < 1200
    assert t.loc["consolidated", "cold_starts_per_day"] < t.loc["as designed", "cold_starts_per_day"]


def test_functions_with_different_runtimes_stay_apart():
    s = shop()
    s.set("B", runtime="nodejs20.x")
    assert "one function per api" not in [d.name for d in alternatives(s)]
    table = consolidation(s, TRAFFIC, **OPTIONS)
    assert table["merged"].tolist() == ["", "A+C"]
    assert "kept A, B apart: different runtimes (nodejs20.x, python3.12)" in table.attrs["notes"]


def test_timers_fire_on_their_schedule_without_traffic():
    s = shop()
    s.add("timer", "Nightly", schedule="rate(1 hour)")
    s.add("function", "Report")
    s.connect("Nightly", "Report")
    t = consolidation(s, TRAFFIC, **OPTIONS)
    assert t.loc["as designed", "invocations_per_day"] == 4320 + 24


def test_traffic_names_must_match_entry_points():
    s = shop()
    assert [e.name for e in entry_points(s)] == ["Api->A", "Api->B"]
    with pytest.raises(StackError, match="'Api->Z' matches no entry point of shop; entry points: Api->A, Api->B"):
        consolidation(s, {"Api->Z": constant(1)})
    with pytest.raises(StackError, match="'Api' is ambiguous: it matches Api->A, Api->B"):
        consolidation(s, {"Api": constant(1)})
    profiles, _, _, notes = resolve_traffic(s, Traffic({"A": constant(1)}))
    assert [e.name for e in profiles] == ["Api->A", "Api->B"]
    assert notes == ["no traffic given for Api->B: counted as none"]


def test_a_function_row_with_no_traffic_gives_a_proxied_function_its_duration():
    from stackerynb.analysis import none
    t = Traffic({"Api->A": periodic(60), "C": none()}, durations={"C": 2.0})
    table = consolidation(shop(), t, durations={"A": 0.2, "B": 0.1}, init=0)
    # A waits 2 s on C each call: 1440 x 2.2 s at 1 GB, C 1440 x 2 s at 0.5 GB
    assert table.loc["as designed", "monthly_compute"] == pytest.approx((1440 * 2.2 + 1440 * 1.0) * MONTH * TIER1)


def test_proxy_cycles_are_refused():
    s = shop()
    s.connect("C", "A")
    with pytest.raises(StackError, match="cycle: A -> C -> A"):
        call_graph(s)


def test_merges_that_make_design_level_cycles_still_settle():
    # Api -> A and C; A -> B -> C: merging A and C (one api function) makes A+C call B call A+C
    s = Stack("loop")
    s.add("rest_api", "Api")
    for f in "ABC":
        s.add("function", f)
    s.connect("Api", "A")
    s.connect("Api", "C")
    s.connect("A", "B")
    s.connect("B", "C")
    t = consolidation(s, Traffic({"Api->A": periodic(60), "Api->C": periodic(60, 30)}),
                      durations={"A": 0.1, "B": 0.1, "C": 0.1}, init=0)
    assert t.loc["one function per api", "latency_p99_ms"] == pytest.approx(300)
    assert t.loc["proxies collapsed", "functions"] == 1
    assert "consolidated" not in t.index  # the same merge as proxies collapsed: listed once


def test_prices_can_be_overridden():
    cheap = load_prices(overrides={"api_gateway.rest.tiers.0.price": 0.0})
    t = consolidation(shop(), TRAFFIC, prices=cheap, **OPTIONS)
    assert (t["monthly_api"] == 0).all()


def test_consolidation_takes_logged_invocations_as_its_traffic_in_process_and_on_a_cluster():
    import dask.dataframe as dd
    import pandas as pd
    from distributed import Client, LocalCluster

    from stackerynb.analysis import Platform, read_lambda_reports, replay
    from stackerynb.analysis.samples import SAMPLE_PLATFORM, orders_stack, sample_log

    logs = read_lambda_reports(sample_log())
    stack, platform = orders_stack(), Platform(**SAMPLE_PLATFORM)
    local = consolidation(stack, logs, platform=platform)
    assert list(local.index) == ["as designed", "one function per api", "proxies collapsed", "consolidated"]
    replayed = replay(logs, stack, platform=platform)
    assert local["cold_starts_per_day"].tolist() == replayed["cold_starts_per_day"].iloc[1:].tolist()
    assert (local["iam_actions"] > 0).all() and local.loc["consolidated", "largest_role"]
    with LocalCluster(n_workers=2, threads_per_worker=1, processes=False, dashboard_address=None) as lc, Client(lc) as c:
        frame = dd.from_pandas(logs.drop(columns=["timestamp", "request_id"]), npartitions=4, sort=False)
        dist = consolidation(stack, frame, platform=platform, client=c)
        best = recommend(stack, frame, platform=platform, client=c)
    pd.testing.assert_frame_equal(dist, local, check_exact=False, rtol=1e-12)
    assert len(best) and best["saving_per_month"].notna().all()
    with pytest.raises(StackError, match="logged duration"):
        consolidation(stack, logs, platform=platform, durations={"GetOrder": 0.1})
