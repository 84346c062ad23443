"""The simulator on dask.distributed gives the in-process answer, whatever the partitioning."""
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from stackerynb.analysis import Platform, simulate

DATA = Path(__file__).parent / "data"


@pytest.fixture(scope="module")
def client():
    from distributed import Client, LocalCluster

    with LocalCluster(n_workers=2, threads_per_worker=1, processes=False, dashboard_address=None) as lc, Client(lc) as c:
        yield c


def _workload(seed=0, functions=12, n=40_000):
    rng = np.random.default_rng(seed)
    rates = rng.pareto(1.2, functions) + 0.05
    f = rng.choice(functions, n, p=rates / rates.sum())
    return pd.DataFrame({"function": [f"fn{i}" for i in f], "time": np.sort(rng.uniform(0, 86400, n)),
                         "duration": rng.lognormal(-1.5, 0.8, n)})


@pytest.mark.parametrize("platform", [None, Platform(keep_alive=500, keep_alive_spread=0.3, lifetime=4000, routing="spread")],
                         ids=["default", "calibrated-like"])
def test_distributed_summary_equals_the_in_process_one(client, platform):
    from stackerynb.analysis.distributed import simulate_distributed

    inv = _workload()
    init = {f"fn{i}": 0.1 + 0.05 * i for i in range(12)}
    local = simulate(inv, init=init, platform=platform, per_invocation=False).summary.sort_index()
    dist = simulate_distributed(inv, client=client, init=init, platform=platform, npartitions=5).summary
    pd.testing.assert_frame_equal(dist, local, check_exact=False, rtol=1e-12, check_names=False)


def test_a_dask_frame_partitioned_by_time_is_shuffled_by_function(client):
    import dask.dataframe as dd

    from stackerynb.analysis.distributed import simulate_distributed

    inv = _workload(seed=3)
    by_time = dd.from_pandas(inv, npartitions=7, sort=False)  # every function spread over every partition
    local = simulate(inv, init=0.25, per_invocation=False).summary.sort_index()
    dist = simulate_distributed(by_time, client=client, init=0.25).summary
    pd.testing.assert_frame_equal(dist, local, check_exact=False, rtol=1e-12, check_names=False)


def test_the_azure_trace_is_read_lazily_and_expanded_on_the_workers(client):
    import dask

    from stackerynb.analysis.distributed import azure_arrivals, read_azure_trace_lazy, simulate_distributed

    counts = read_azure_trace_lazy(DATA / "azure_invocations_d01.csv")
    assert isinstance(counts, dask.dataframe.DataFrame)
    arrivals = azure_arrivals(counts, seed=1)
    got = client.compute(arrivals).result()
    eager = pd.read_csv(DATA / "azure_invocations_d01.csv")
    expected = eager.set_index("HashFunction")[[str(m) for m in range(1, 1441)]].sum(axis=1)
    assert got.groupby("function").size().to_dict() == expected[expected > 0].to_dict()
    res = simulate_distributed(arrivals, client=client, durations=0.2, init=0.3)
    assert res.summary["invocations"].sum() == expected.sum()


def test_simulate_itself_takes_a_dask_frame(client):
    import dask.dataframe as dd

    inv = _workload(seed=4)
    local = simulate(inv, init=0.2, per_invocation=False).summary.sort_index()
    dist = simulate(dd.from_pandas(inv, npartitions=3, sort=False), init=0.2, client=client)
    assert dist.invocations is None
    pd.testing.assert_frame_equal(dist.summary, local, check_exact=False, rtol=1e-12, check_names=False)



def test_busy_functions_made_and_simulated_in_time_ordered_pieces_give_the_in_process_answer(client):
    """The Azure trace's busy functions are made and simulated piece by piece on one worker (the
    10^9 benchmark's path); here two functions span many pieces and windows, one stays whole."""
    from stackerynb.analysis.distributed import azure_arrivals, read_azure_trace_lazy, simulate_azure_trace

    counts = read_azure_trace_lazy(DATA / "azure_invocations_d01.csv")
    arrivals = client.compute(azure_arrivals(counts, seed=2, day=1)).result()
    names = list(arrivals["function"].cat.categories)
    opts = {"durations": {f: 0.5 + 20.0 * i for i, f in enumerate(names)}, "init": 0.3, "keep_alive": 120}
    local = simulate(arrivals, per_invocation=False, **opts).summary.sort_index()
    assert sorted(local["invocations"]) == [288, 9607, 43160]
    got = simulate_azure_trace(counts, seed=2, day=1, client=client, stream_above=1000, chunk_size=16, **opts)
    pd.testing.assert_frame_equal(got.summary, local, check_exact=False, rtol=1e-12, check_names=False,
                                  check_index_type=False)  # str (a CSV column) against the categories' object
    assert local["max_concurrency"].max() > 1  # overlapping calls carried across pieces
