"""The deployments view across environments, from a deployment history table."""
from __future__ import annotations

import pandas as pd
import pytest

from stackerynb import StackError
from stackerynb.analysis import deployments_summary
from stackerynb.analysis.history import classify

HISTORY = pd.DataFrame({
    "environment": ["dev", "dev", "dev", "prod", "prod", "test"],
    "status": ["UPDATE_COMPLETE", "UPDATE_ROLLBACK_COMPLETE", "UPDATE_COMPLETE", "CREATE_COMPLETE",
               "UPDATE_IN_PROGRESS", "CREATE_FAILED"],
    "started": pd.to_datetime(["2026-01-01T10:00Z", "2026-01-02T10:00Z", "2026-01-03T09:00Z", "2026-01-01T12:00Z",
                               "2026-01-04T08:00Z", "2026-01-02T15:00Z"]),
    "duration": [60.0, 120.0, 90.0, 300.0, None, 30.0],
})


def test_summary_counts_failures_durations_and_last_deploy_per_environment():
    s = deployments_summary(HISTORY)
    assert list(s.index) == ["dev", "prod", "test"]
    assert s["deployments"].tolist() == [3, 2, 1]
    assert s["failed"].tolist() == [1, 0, 1]
    assert s["in_progress"].tolist() == [0, 1, 0]
    assert s.loc["dev", "failure_rate"] == pytest.approx(1 / 3)
    assert s.loc["dev", "mean_duration_s"] == pytest.approx(90.0)
    assert s.loc["prod", "mean_duration_s"] == pytest.approx(300.0)  # the running deploy has no duration yet
    assert s.loc["prod", "last_status"] == "UPDATE_IN_PROGRESS"
    assert s.loc["dev", "last_started"] == pd.Timestamp("2026-01-03T09:00Z")


def test_iso_text_dates_and_a_stack_with_deployments_work():
    class FakeStack:
        def deployments(self, env):
            h = HISTORY[HISTORY["environment"] == env].drop(columns="environment").copy()
            h["started"] = h["started"].dt.strftime("%Y-%m-%dT%H:%M:%SZ")
            return h

    s = deployments_summary(FakeStack(), environments=["dev", "test"])
    assert s["deployments"].tolist() == [3, 1]
    with pytest.raises(StackError, match="needs environments"):
        deployments_summary(FakeStack())


@pytest.mark.parametrize("status,outcome", [("UPDATE_COMPLETE", "succeeded"), ("succeeded", "succeeded"),
                                            ("ROLLBACK_COMPLETE", "failed"), ("failed", "failed"),
                                            ("CREATE_IN_PROGRESS", "in_progress"), ("cancelled", "failed")])
def test_status_classification(status, outcome):
    assert classify(status) == outcome


def test_bad_history_is_named():
    with pytest.raises(StackError, match="lacks column 'duration'"):
        deployments_summary(HISTORY.drop(columns="duration"))
    bad = HISTORY.copy()
    bad["started"] = bad["started"].astype(str)
    bad.loc[4, "started"] = "yesterday"
    with pytest.raises(StackError, match="column 'started': row 4 is 'yesterday'"):
        deployments_summary(bad)
    bad = HISTORY.copy()
    bad.loc[2, "duration"] = -5
    with pytest.raises(StackError, match="column 'duration': row 2"):
        deployments_summary(bad)
    assert deployments_summary(HISTORY.iloc[:0]).empty
