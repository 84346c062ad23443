"""Deployments at a glance: counts, failures, mean duration and the last deploy per environment."""
from __future__ import annotations

from typing import Iterable

import numpy as np
import pandas as pd

from stackerynb.errors import StackError

HISTORY_COLUMNS = ("environment", "status", "started", "duration")
SUMMARY_COLUMNS = ["deployments", "succeeded", "failed", "in_progress", "failure_rate", "mean_duration_s",
                   "last_started", "last_status"]


def classify(status: str) -> str:
    """``failed``, ``in_progress`` or ``succeeded`` for a deployment status.

    Failed: the status mentions FAIL, ROLLBACK or ERROR, or is CANCELLED (CloudFormation's
    ``UPDATE_ROLLBACK_COMPLETE`` is a failed update). In progress: it ends in ``IN_PROGRESS`` or
    is PENDING/RUNNING. Anything else (``UPDATE_COMPLETE``, ``succeeded``...) succeeded.
    """
    s = str(status).upper().replace("-", "_").replace(" ", "_")
    if "FAIL" in s or "ROLLBACK" in s or "ERROR" in s or s in ("CANCELLED", "CANCELED"):
        return "failed"
    if s.endswith("IN_PROGRESS") or s in ("PENDING", "RUNNING", "STARTED"):
        return "in_progress"
    return "succeeded"


def _history(source, environments: Iterable[str] | None) -> pd.DataFrame:
    if isinstance(source, pd.DataFrame):
        return source
    if hasattr(source, "deployments"):
        if not environments:
            raise StackError("deployments_summary(stack) needs environments=[...] to know where to look")
        frames = []
        for env in environments:
            frame = source.deployments(env)
            if "environment" not in frame.columns:
                frame = frame.assign(environment=env)
            frames.append(frame)
        return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(columns=list(HISTORY_COLUMNS))
    raise StackError(f"deployments_summary needs a history DataFrame or a stack, got {type(source).__name__}")


def deployments_summary(history, environments: Iterable[str] | None = None) -> pd.DataFrame:
    """One row per environment: ``deployments``, ``succeeded``, ``failed``, ``in_progress``,
    ``failure_rate`` (failed over finished), ``mean_duration_s`` (finished deployments),
    ``last_started`` and ``last_status``.

    ``history``: a DataFrame with ``environment``, ``status``, ``started`` (datetime or ISO text)
    and ``duration`` (seconds; empty while in progress), or a stack with ``deployments(env)``
    together with the ``environments`` to read. Errors name the column and row at fault.
    """
    frame = _history(history, environments)
    missing = [c for c in HISTORY_COLUMNS if c not in frame.columns]
    if missing:
        raise StackError(f"deployment history lacks column{'s' if len(missing) > 1 else ''} "
                         f"{', '.join(map(repr, missing))} (columns: {', '.join(map(str, frame.columns))})")
    if frame.empty:
        return pd.DataFrame(columns=SUMMARY_COLUMNS, index=pd.Index([], name="environment"))
    env = frame["environment"]
    if env.isna().any():
        raise StackError(f"deployment history column 'environment': row {env.index[env.isna()][0]!r} is empty")
    started = pd.to_datetime(frame["started"], errors="coerce", utc=True)
    bad = started.isna()
    if bad.any():
        row = frame.index[bad.to_numpy()][0]
        raise StackError(f"deployment history column 'started': row {row!r} is {frame.loc[row, 'started']!r}, not a date and time")
    duration = pd.to_numeric(frame["duration"], errors="coerce")
    bad = (duration.isna() & frame["duration"].notna()) | (duration < 0)
    if bad.any():
        row = frame.index[bad.to_numpy()][0]
        raise StackError(f"deployment history column 'duration': row {row!r} is {frame.loc[row, 'duration']!r}, "
                         "not a number of seconds >= 0")
    outcome = frame["status"].map(classify)
    work = pd.DataFrame({"environment": env.astype(str).to_numpy(), "outcome": outcome.to_numpy(),
                         "started": started.to_numpy(), "duration": duration.to_numpy(),
                         "status": frame["status"].astype(str).to_numpy()})
    rows = {}
    for name, g in work.groupby("environment", sort=True):
        finished = g["outcome"] != "in_progress"
        failed = int((g["outcome"] == "failed").sum())
        last = g.loc[g["started"].idxmax()]
        durations = g.loc[finished, "duration"].dropna()
        rows[name] = {
            "deployments": len(g),
            "succeeded": int((g["outcome"] == "succeeded").sum()),
            "failed": failed,
            "in_progress": int((~finished).sum()),
            "failure_rate": failed / int(finished.sum()) if finished.any() else np.nan,
            "mean_duration_s": float(durations.mean()) if len(durations) else np.nan,
            "last_started": last["started"],
            "last_status": last["status"],
        }
    out = pd.DataFrame.from_dict(rows, orient="index", columns=SUMMARY_COLUMNS)
    out.index.name = "environment"
    return out
