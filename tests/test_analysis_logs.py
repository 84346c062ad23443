"""Lambda REPORT lines in every format Lambda and CloudWatch Logs produce, bad lines reported."""
import gzip
import io
import shutil
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from stackerynb.analysis import read_lambda_reports, simulate
from stackerynb.analysis.logs import write_lambda_reports
from stackerynb.errors import StackError

DATA = Path(__file__).parent / "data" / "lambda_logs"


def test_text_format_with_log_group_prefix_and_malformed_lines():
    df = read_lambda_reports(DATA / "report_text.log")
    assert list(df["request_id"]) == ["6f7f0961-8a5a-4e3b-9a3c-0b4f0b6c1a01", "0c1d2e3f-4a5b-4c6d-8e9f-a0b1c2d3e4f5",
                                      "9a8b7c6d-5e4f-4a3b-2c1d-0e9f8a7b6c5d"]
    assert list(df["function"]) == ["GetOrder", "GetOrder", "PutOrder"]
    first = df.iloc[0]
    assert first["duration"] == pytest.approx(0.10225) and first["billed_duration"] == pytest.approx(0.103)
    assert first["memory"] == 256 and first["max_memory_used"] == 69
    assert first["init_duration"] == pytest.approx(0.20956) and first["cold"]
    assert np.isnan(df.iloc[1]["init_duration"]) and not df.iloc[1]["cold"]
    # arrival = REPORT time minus INIT and duration
    assert first["timestamp"] == pd.Timestamp("2026-10-01T10:00:00.412Z")
    assert df.iloc[1]["time"] == pytest.approx((5.050 - 0.0481) - (0.412 - 0.10225 - 0.20956))
    bad = pd.DataFrame(df.attrs["malformed"])
    assert list(bad["line"]) == [6, 9]
    assert "Duration: lots ms" in bad["text"].iloc[0]


def test_json_log_format_platform_report_records():
    df = read_lambda_reports(DATA / "report_json.jsonl", function="Orders")
    assert list(df["request_id"]) == ["a1", "a2"]
    assert df["duration"].tolist() == pytest.approx([0.3125, 0.095])
    assert df["init_duration"].iloc[0] == pytest.approx(0.4012) and df["cold"].tolist() == [True, False]
    assert set(df["function"]) == {"Orders"}
    assert [m["line"] for m in df.attrs["malformed"]] == [5, 6]


def test_filter_log_events_json_takes_event_timestamps_and_mixed_formats():
    df = read_lambda_reports(DATA / "filter_log_events.json", function="GetOrder")
    assert list(df["request_id"]) == ["6f7f0961-8a5a-4e3b-9a3c-0b4f0b6c1a01", "0c1d2e3f-4a5b-4c6d-8e9f-a0b1c2d3e4f5", "j1"]
    assert df["timestamp"].iloc[0] == pd.Timestamp(1790848800412, unit="ms", tz="UTC")
    assert [m["line"] for m in df.attrs["malformed"]] == [3]  # event number in the document


def test_cloudwatch_export_folder_names_functions_by_log_group_and_reads_gzip(tmp_path):
    shutil.copytree(DATA / "export", tmp_path / "export")
    df = read_lambda_reports(tmp_path / "export")
    assert list(df["function"]) == ["Charge", "Charge"] and df["cold"].tolist() == [True, False]
    assert df["memory"].tolist() == [1024, 1024]


def test_several_sources_at_once_and_file_objects():
    text = (DATA / "report_text.log").read_bytes()
    df = read_lambda_reports([io.BytesIO(gzip.compress(text)), DATA / "report_json.jsonl"], function="X")
    assert len(df) == 5 and len(df.attrs["malformed"]) == 4


def test_simulated_invocations_survive_the_round_trip_through_report_lines(tmp_path):
    rng = np.random.default_rng(3)
    t = np.sort(rng.uniform(0, 6 * 3600, 3000))
    inv = pd.DataFrame({"function": rng.choice(["A", "B", "C"], t.size), "time": t,
                        "duration": rng.lognormal(-2.5, 0.4, t.size)})
    res = simulate(inv, init={"A": 0.2, "B": 0.5, "C": 0.9})
    path = write_lambda_reports(res.invocations, tmp_path / "r.log.gz")
    back = read_lambda_reports(path)
    assert len(back) == len(inv) and not back.attrs["malformed"]
    assert back.groupby("function", observed=True)["cold"].sum().to_dict() == \
        res.summary["cold_starts"].to_dict()
    # arrival times come back to the millisecond the REPORT timestamp keeps
    assert np.abs(np.sort(back["time"].to_numpy()) - np.sort(t - t[0])).max() < 2e-3


@pytest.mark.parametrize("bad, message", [
    ("nope/missing.log", "no such log file"),
    (42, "needs a path"),
])
def test_bad_sources_name_what_is_wrong(bad, message):
    with pytest.raises(StackError, match=message):
        read_lambda_reports(bad)


def test_a_corrupt_gzip_names_the_file(tmp_path):
    p = tmp_path / "x.gz"
    p.write_bytes(b"\x1f\x8b\x08garbage")
    with pytest.raises(StackError, match="x.gz: not a readable gzip"):
        read_lambda_reports(p)


def test_lambda_layout_and_the_tolerant_pattern_read_the_same_reports(tmp_path):
    """The fast path (Lambda's tab layout) and the RE2 fallback (any chunk with an odd line) agree."""
    rng = np.random.default_rng(5)
    t = np.sort(rng.uniform(0, 3600, 500))
    inv = pd.DataFrame({"function": rng.choice(["A", "B"], t.size), "time": t, "duration": rng.lognormal(-2, 0.5, t.size)})
    res = simulate(inv, init={"A": 0.3, "B": 0.6})
    strict = write_lambda_reports(res.invocations, tmp_path / "strict.log")
    lines = strict.read_text().splitlines()
    odd = lines[:100] + ["2026-10-01T00:00:00.000Z /aws/lambda/A REPORT RequestId: broken\tDuration: ms"] + lines[100:]
    odd[7] = odd[7].replace("\t", "  ")  # spaces instead of tabs: a layout only the tolerant pattern reads
    (tmp_path / "odd.log").write_text("\n".join(odd) + "\n")
    a, b = read_lambda_reports(strict), read_lambda_reports(tmp_path / "odd.log")
    assert [m["line"] for m in b.attrs["malformed"]] == [101] and not a.attrs["malformed"]
    pd.testing.assert_frame_equal(a, b)
