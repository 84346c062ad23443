"""Plots for notebooks and reports: cost vs traffic, cold-start rate vs keep-alive, latency CDF.

Each ``*_data`` function returns the DataFrame a plot draws, so numbers can be checked or
exported; each plot function returns a matplotlib ``Figure`` (shown inline by Jupyter) and saves
it as PNG when given ``path``. No pyplot global state is used; matplotlib is imported on first
use, so importing :mod:`stackerynb.analysis` stays light.
"""
from __future__ import annotations

from pathlib import Path
from typing import Mapping, Sequence

import numpy as np
import pandas as pd

from stackerynb.errors import StackError

DEFAULT_SCALES = (0.1, 0.3, 1.0, 3.0, 10.0)
DEFAULT_KEEP_ALIVES = (60, 120, 300, 600, 900, 1800, 3600)


def _axes(ax, figsize=(7, 4.5)):
    if ax is not None:
        return ax.figure, ax
    from matplotlib.figure import Figure

    fig = Figure(figsize=figsize, dpi=100, layout="constrained")
    return fig, fig.add_subplot()


def _label(ax, xlabel: str, ylabel: str, title: str) -> None:
    """Axis labels, title, a light grid and a small legend: the look every plot here shares."""
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    ax.set_title(title)
    ax.grid(True, alpha=0.3)
    ax.legend(fontsize="small")


def _finish(fig, path):
    if path is not None:
        fig.savefig(Path(path), format="png")
    show_figures_inline()
    return fig


def show_figures_inline() -> bool:
    """Make IPython show a returned matplotlib ``Figure`` as a PNG image, whatever the backend
    (the plots here make figures without pyplot, which IPython's inline backend never sees, and
    under the Agg backend IPython would print ``<Figure size ...>``). Returns True inside IPython."""
    import sys

    if "IPython" not in sys.modules:
        return False
    from IPython import get_ipython

    shell = get_ipython()
    if shell is None or not hasattr(shell, "display_formatter"):
        return False
    from IPython.core.pylabtools import print_figure
    from matplotlib.figure import Figure

    formatter = shell.display_formatter.formatters["image/png"]
    formatter.for_type(Figure, lambda fig: print_figure(fig, "png", bbox_inches="tight"))
    return True


# ----------------------------------------------------------------------------- cost vs traffic
def cost_vs_traffic_data(stack, traffic, scales: Sequence[float] = DEFAULT_SCALES, *, progress: bool = True,
                         **options) -> pd.DataFrame:
    """Monthly cost of each design at each traffic scale: columns ``scale``, ``design``,
    ``requests_per_day``, ``monthly_total``, ``cold_starts_per_day`` (options as for
    :func:`~stackerynb.analysis.consolidation.consolidation`). ``progress``: a progress bar
    over the scales (tqdm; a widget in JupyterLab)."""
    from stackerynb.analysis.consolidation import consolidation
    from stackerynb.analysis.traffic import Traffic

    if not isinstance(traffic, Traffic):
        traffic = Traffic(dict(traffic))
    if not scales or any(s <= 0 for s in scales):
        raise StackError("scales must be positive numbers")
    frames = []
    steps = scales
    if progress:
        from tqdm.auto import tqdm

        steps = tqdm(scales, desc="traffic scales", unit="scale", leave=False)
    for scale in steps:
        table = consolidation(stack, traffic.scaled(scale), **options)
        frames.append(pd.DataFrame({"scale": scale, "design": table.index,
                                    "requests_per_day": table["invocations_per_day"].to_numpy(),
                                    "monthly_total": table["monthly_total"].to_numpy(),
                                    "cold_starts_per_day": table["cold_starts_per_day"].to_numpy()}))
    # requests per day of the design as it is: the x axis every design shares
    out = pd.concat(frames, ignore_index=True)
    base = out[out["design"] == "as designed"].set_index("scale")["requests_per_day"]
    out["requests_per_day"] = out["scale"].map(base)
    return out


def cost_vs_traffic(stack, traffic, scales: Sequence[float] = DEFAULT_SCALES, *, ax=None, path=None,
                    progress: bool = True, **options):
    """Monthly cost (USD) of each design against invocations per day (log-log), and below it
    each design's cost relative to the design as it is (the differences hide on a log scale).
    With ``ax`` only the first panel is drawn, into it."""
    data = cost_vs_traffic_data(stack, traffic, scales, progress=progress, **options)
    if ax is None:
        from matplotlib.figure import Figure

        fig = Figure(figsize=(7, 6.5), dpi=100, layout="constrained")
        ax, rel = fig.subplots(2, 1, sharex=True, height_ratios=(3, 2))
    else:
        fig, rel = ax.figure, None
    base = data[data["design"] == "as designed"].set_index("scale")["monthly_total"]
    for i, (name, g) in enumerate(data.groupby("design", sort=False)):
        # designs often cost nearly the same: distinct dashes and markers keep overlapping lines apart
        style = dict(label=name, linestyle=_STYLES[i % len(_STYLES)], marker=_MARKERS[i % len(_MARKERS)],
                     markersize=8 - 1.5 * (i % 4), linewidth=2.2 - 0.3 * (i % 4))
        ax.plot(g["requests_per_day"], g["monthly_total"], **style)
        if rel is not None:
            change = (g["monthly_total"].to_numpy() / g["scale"].map(base).to_numpy() - 1) * 100
            rel.plot(g["requests_per_day"], change, **style)
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_ylabel("monthly cost, USD")
    ax.set_title(f"{getattr(stack, 'name', 'stack')}: cost vs traffic")
    ax.grid(True, which="both", alpha=0.3)
    ax.legend()
    bottom = rel if rel is not None else ax
    bottom.set_xlabel("Lambda invocations per day (as designed)")
    if rel is not None:
        rel.axhline(0, color="grey", linewidth=0.8)
        rel.set_ylabel("cost vs as designed, %")
        rel.grid(True, which="both", alpha=0.3)
    return _finish(fig, path)


# ----------------------------------------------------------------------------- keep-alive
def coldstart_rate_vs_keep_alive_data(invocations: pd.DataFrame, durations=None,
                                      keep_alives: Sequence[float] = DEFAULT_KEEP_ALIVES, **options) -> pd.DataFrame:
    """Cold-start rate per function (and ``all``) for each keep-alive: columns ``keep_alive``,
    ``function``, ``cold_start_rate`` (options as for :func:`~stackerynb.analysis.simulate`)."""
    from stackerynb.analysis.simulator import simulate

    rows = []
    for ka in keep_alives:
        res = simulate(invocations, durations, keep_alive=ka, per_invocation=False, **options)
        for fn, rate in res.summary["cold_start_rate"].items():
            rows.append({"keep_alive": float(ka), "function": str(fn), "cold_start_rate": rate})
        rows.append({"keep_alive": float(ka), "function": "all", "cold_start_rate": res.cold_start_rate})
    return pd.DataFrame(rows, columns=["keep_alive", "function", "cold_start_rate"])


def coldstart_rate_vs_keep_alive(invocations: pd.DataFrame, durations=None,
                                 keep_alives: Sequence[float] = DEFAULT_KEEP_ALIVES, *, ax=None, path=None,
                                 max_lines: int = 8, **options):
    """Cold-start rate against keep-alive (minutes): all functions, plus the busiest few."""
    data = coldstart_rate_vs_keep_alive_data(invocations, durations, keep_alives, **options)
    fig, ax = _axes(ax)
    counts = invocations["function"].value_counts()
    shown = [str(f) for f in counts.index[:max_lines]] if len(counts) > 1 else []
    for name in shown + ["all"]:
        g = data[data["function"] == name]
        ax.plot(g["keep_alive"] / 60, g["cold_start_rate"] * 100, marker="o",
                label=name, linewidth=2.5 if name == "all" else 1.2, color="black" if name == "all" else None)
    _label(ax, "keep-alive, minutes", "cold starts, % of invocations", "cold-start rate vs keep-alive")
    return _finish(fig, path)


# ----------------------------------------------------------------------------- latency CDF
def latency_cdf_data(latencies) -> pd.DataFrame:
    """Empirical CDF points: columns ``series``, ``latency_ms``, ``fraction``.

    ``latencies``: a mapping name -> latencies in seconds (array or Series), a
    :class:`~stackerynb.analysis.simulator.SimulationResult` (one series per function), or the
    details of ``consolidation(..., details=True)`` (one series per design, requests only).
    """
    from stackerynb.analysis.consolidation import Evaluation
    from stackerynb.analysis.simulator import SimulationResult

    if isinstance(latencies, SimulationResult):
        if latencies.invocations is None:
            raise StackError("a latency CDF needs simulate(..., per_invocation=True)")
        inv = latencies.invocations
        series = {str(fn): g["latency"].to_numpy() for fn, g in inv.groupby("function", sort=False, observed=True)}
    elif isinstance(latencies, Mapping):
        series = {}
        for name, value in latencies.items():
            if isinstance(value, Evaluation):
                value = value.requests["latency"]
            series[str(name)] = np.asarray(value, dtype=float)
    else:
        raise StackError("latency_cdf needs a mapping of latencies, a SimulationResult or consolidation details")
    rows = []
    for name, lat in series.items():
        lat = np.sort(lat[np.isfinite(lat)])
        if lat.size:
            rows.append(pd.DataFrame({"series": name, "latency_ms": lat * 1000,
                                      "fraction": np.arange(1, lat.size + 1) / lat.size}))
    if not rows:
        return pd.DataFrame(columns=["series", "latency_ms", "fraction"])
    return pd.concat(rows, ignore_index=True)


def latency_cdf(latencies, *, ax=None, path=None, log: bool = True):
    """Latency per series, in two panels: the CDF (where the bulk of requests sits) and the tail,
    the fraction of requests slower than each latency on a log scale, where cold starts show
    (p99 and p99.9 are read off directly). The x axes are logarithmic by default. With ``ax``
    only the CDF is drawn, into it."""
    data = latency_cdf_data(latencies)
    if ax is None:
        from matplotlib.figure import Figure

        fig = Figure(figsize=(11, 4.5), dpi=100, layout="constrained")
        ax, tail = fig.subplots(1, 2)
    else:
        fig, tail = ax.figure, None
    for i, (name, g) in enumerate(data.groupby("series", sort=False)):
        style = dict(label=name, linestyle=_STYLES[i % len(_STYLES)], linewidth=2.2 - 0.3 * (i % 4))
        ax.step(g["latency_ms"], g["fraction"], where="post", **style)
        if tail is not None:
            slower = 1 - g["fraction"].to_numpy() + 1 / len(g)  # fraction at or above each latency
            tail.step(g["latency_ms"], slower, where="post", **style)
    for q in (0.95, 0.99):
        ax.axhline(q, color="grey", linewidth=0.8, linestyle=":")
    wide = len(data) and (data["latency_ms"] > 0).all() and data["latency_ms"].max() > 20 * data["latency_ms"].min()
    for a in (ax, tail):
        if a is not None and log and wide:
            from matplotlib.ticker import FuncFormatter, NullFormatter

            a.set_xscale("log")
            a.xaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:g}"))
            a.xaxis.set_minor_formatter(NullFormatter())
    _label(ax, "latency, ms", "fraction of requests", "latency CDF")
    if tail is not None:
        tail.set_yscale("log")
        for q, text in ((0.01, "p99"), (0.001, "p99.9")):
            tail.axhline(q, color="grey", linewidth=0.8, linestyle=":")
            tail.annotate(text, (0, q), xycoords=("axes fraction", "data"), xytext=(3, 2),
                          textcoords="offset points", fontsize="small", color="grey")
        _label(tail, "latency, ms", "fraction of requests slower", "the tail: where cold starts show")
    return _finish(fig, path)


_STYLES = ("-", "--", "-.", ":")
_MARKERS = ("o", "s", "^", "D", "v", "P")
