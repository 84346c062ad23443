"""Plots draw what their data functions compute, and save as PNG (Agg backend)."""
from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import pytest  # noqa: E402

from stackerynb import Stack  # noqa: E402
from stackerynb.analysis import Traffic, consolidation, constant, simulate  # noqa: E402
from stackerynb.analysis import plots  # noqa: E402

PNG = b"\x89PNG\r\n\x1a\n"


def small_stack():
    s = Stack("plot")
    s.add("rest_api", "Api")
    s.add("function", "A")
    s.add("function", "B")
    s.connect("Api", "A")
    s.connect("Api", "B")
    return s


def test_cost_vs_traffic_grows_with_traffic_and_saves_png(tmp_path):
    traffic = Traffic({"Api->A": constant(0.05), "Api->B": constant(0.05)})
    data = plots.cost_vs_traffic_data(small_stack(), traffic, scales=(0.1, 1, 10), days=0.1)
    assert set(data["design"]) == {"as designed", "one function per api"}
    for _, g in data.groupby("design"):
        assert g["monthly_total"].is_monotonic_increasing
    fig = plots.cost_vs_traffic(small_stack(), traffic, scales=(0.1, 1), days=0.1, path=tmp_path / "cost.png")
    assert (tmp_path / "cost.png").read_bytes().startswith(PNG)
    assert len(fig.axes[0].lines) == 2


def test_cold_start_rate_falls_as_keep_alive_grows(tmp_path):
    rng = np.random.default_rng(0)
    inv = pd.DataFrame({"function": rng.choice(["a", "b"], 4000), "time": rng.uniform(0, 4e5, 4000)})
    data = plots.coldstart_rate_vs_keep_alive_data(inv, {"a": 0.1, "b": 0.1}, keep_alives=(60, 600, 3600))
    overall = data[data["function"] == "all"]["cold_start_rate"].to_numpy()
    assert overall[0] > overall[1] > overall[2]
    plots.coldstart_rate_vs_keep_alive(inv, {"a": 0.1, "b": 0.1}, keep_alives=(60, 600), path=tmp_path / "ka.png")
    assert (tmp_path / "ka.png").read_bytes().startswith(PNG)


def test_latency_cdf_from_results_designs_and_arrays(tmp_path):
    inv = pd.DataFrame({"function": ["a"] * 4, "time": [0.0, 1.0, 2.0, 3.0]})
    res = simulate(inv, {"a": 0.1}, init=0.4)
    data = plots.latency_cdf_data(res)
    assert data["latency_ms"].tolist() == pytest.approx([100, 100, 100, 500])
    assert data["fraction"].tolist() == [0.25, 0.5, 0.75, 1.0]
    _, details = consolidation(small_stack(), Traffic({"Api->A": constant(0.01)}), days=0.1, details=True)
    by_design = plots.latency_cdf_data(details)
    assert set(by_design["series"]) == set(details)
    fig = plots.latency_cdf({"x": [0.1, 0.2], "y": [0.3]}, path=tmp_path / "cdf.png")
    assert (tmp_path / "cdf.png").read_bytes().startswith(PNG)
    assert len(fig.axes[0].lines) >= 2
