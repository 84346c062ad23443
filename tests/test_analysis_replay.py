"""Replaying the shipped log through each design, with the platform calibrated on it."""
import numpy as np
import pandas as pd
import pytest

from stackerynb import analysis
from stackerynb.analysis.replay import match_functions
from stackerynb.analysis.samples import SAMPLE_PLATFORM, orders_stack, sample_log
from stackerynb.errors import StackError


@pytest.fixture(scope="module")
def logs():
    return analysis.read_lambda_reports(sample_log())


def test_the_shipped_log_is_small_and_reads_cleanly(logs):
    assert sample_log().stat().st_size < 1_000_000
    assert len(logs) > 5000 and not logs.attrs["malformed"]
    assert set(logs["function"]) == {f"orders-prod-{f}" for f in ("GetOrder", "PutOrder", "ListOrders", "Pricing", "Report")}


def test_calibration_on_the_shipped_log_finds_the_platform_it_was_made_with(logs):
    cal = analysis.calibrate(logs)
    assert cal.platform.routing == SAMPLE_PLATFORM["routing"]
    ka = cal.parameters.loc["keep_alive"]
    assert abs(ka["estimate"] - SAMPLE_PLATFORM["keep_alive"]) <= 3 * ka["se"]


def test_replay_prices_every_design_on_the_logged_arrivals(logs):
    table = analysis.replay(logs, orders_stack())
    assert list(table.index) == ["as deployed (observed)", "as deployed", "one function per api",
                                 "proxies collapsed", "consolidated"]
    observed, simulated = table.loc["as deployed (observed)"], table.loc["as deployed"]
    # the calibrated platform reproduces what Lambda reported for the design as it ran
    assert simulated["cold_starts_per_day"] == pytest.approx(observed["cold_starts_per_day"], rel=0.2)
    assert simulated["invocations_per_day"] == observed["invocations_per_day"]
    # collapsing the proxy drops Pricing's invocations; merging behind the API keeps them all
    pricing = (logs["function"] == "orders-prod-Pricing").sum()
    assert table.loc["proxies collapsed", "invocations_per_day"] == pytest.approx(observed["invocations_per_day"] - pricing, rel=1e-3)
    assert table.loc["one function per api", "invocations_per_day"] == observed["invocations_per_day"]
    assert table.loc["consolidated", "cold_starts_per_day"] < simulated["cold_starts_per_day"] / 2
    assert (table["monthly_total"] > 0).all()


def test_deployed_names_match_by_the_function_id_they_contain():
    stack = orders_stack()
    got = match_functions(["orders-prod-GetOrder-1AB", "GetOrder", "orders-ListOrders", "Nope", "x-Report"], stack)
    assert got == {"orders-prod-GetOrder-1AB": "GetOrder", "GetOrder": "GetOrder", "orders-ListOrders": "ListOrders",
                   "x-Report": "Report"}
    with pytest.raises(StackError, match="not a function"):
        match_functions(["a"], stack, {"a": "Nope"})


def test_logs_of_other_stacks_are_a_clear_error():
    inv = pd.DataFrame({"function": ["other"], "time": [0.0], "duration": [0.1]})
    with pytest.raises(StackError, match="no function in the logs matches"):
        analysis.replay(inv, orders_stack())


def test_reports_without_timestamps_are_refused_with_the_reason():
    import io

    line = "REPORT RequestId: a\tDuration: 1.00 ms\tBilled Duration: 1 ms\tMemory Size: 128 MB\tMax Memory Used: 50 MB\t\n"
    logs = analysis.read_lambda_reports(io.StringIO(line * 3), function="GetOrder")
    assert len(logs) == 3 and logs["time"].isna().all()
    for call in (lambda: analysis.replay(logs, orders_stack()), lambda: analysis.calibrate(logs)):
        with pytest.raises(StackError, match="carry no timestamp"):
            call()


@pytest.fixture(scope="module")
def client():
    from distributed import Client, LocalCluster

    with LocalCluster(n_workers=2, threads_per_worker=1, processes=False, dashboard_address=None) as lc, Client(lc) as c:
        yield c


@pytest.mark.parametrize("designs", [None, 1], ids=["every-design", "as-deployed-only"])
def test_replay_of_a_dask_frame_on_the_cluster_equals_the_in_process_answer(logs, client, designs):
    import dask.dataframe as dd

    from stackerynb.analysis.platform import Platform
    from stackerynb.analysis.samples import SAMPLE_PLATFORM

    platform = Platform(**SAMPLE_PLATFORM)
    designs = None if designs is None else analysis.alternatives(orders_stack())[:designs]
    local = analysis.replay(logs, orders_stack(), platform=platform, designs=designs)
    # partitioned by time: every function spread over every partition, merged functions apart;
    # the cluster shuffles it so that each design's merges share a partition (as deployed: 5 groups)
    by_time = dd.from_pandas(logs.drop(columns=["timestamp", "request_id"]), npartitions=5, sort=False)
    dist = analysis.replay(by_time, orders_stack(), platform=platform, designs=designs, client=client, npartitions=4)
    pd.testing.assert_frame_equal(dist, local, check_exact=False, rtol=1e-12)
    assert local["cold_starts_per_day"].nunique() > 1


def test_latency_percentiles_combined_from_partial_counts_are_numpys():
    from stackerynb.analysis.replay import _merge_counts, _quantiles, _value_counts

    rng = np.random.default_rng(1)
    x = np.round(rng.lognormal(4, 1, 5001), 2)
    parts = [_value_counts(p) for p in np.array_split(rng.permutation(x), 4)]
    assert _quantiles(*_merge_counts(parts)) == pytest.approx(list(np.quantile(x, [0.5, 0.95, 0.99])), rel=1e-12)
