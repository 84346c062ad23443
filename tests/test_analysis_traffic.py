"""Traffic profiles, the traffic CSV, the Azure trace format and CloudWatch replay."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from stackerynb import StackError
from stackerynb.analysis import traffic as tr

DATA = Path(__file__).parent / "data"
TRACE = DATA / "azure_invocations_d01.csv"
RNG = lambda seed=0: np.random.default_rng(seed)  # noqa: E731


def within_poisson(count, mean, sigmas=4):
    return abs(count - mean) <= sigmas * np.sqrt(mean)


def test_constant_rate_gives_sorted_poisson_arrivals():
    times = tr.constant(2.0).arrivals(10_000, RNG())
    assert within_poisson(times.size, 20_000)
    assert np.all(np.diff(times) >= 0) and times.min() >= 0 and times.max() < 10_000
    gaps = np.diff(times)
    assert gaps.std() / gaps.mean() == pytest.approx(1.0, abs=0.05)  # exponential gaps


def test_diurnal_peaks_at_its_hour_with_the_asked_peak_to_trough_ratio():
    p = tr.diurnal(1.0, peak_to_trough=4, peak_hour=14)
    times = p.arrivals(20 * 86400, RNG(1))
    hours = (times % 86400) // 3600
    per_hour = np.bincount(hours.astype(int), minlength=24)
    assert per_hour.argmax() in (13, 14)
    assert per_hour.max() / per_hour.min() == pytest.approx(4, rel=0.15)
    assert within_poisson(times.size, 20 * 86400)


def test_bursty_mean_rate_and_bursts():
    p = tr.bursty(0.1, burst_rate_per_second=10, burst_every_s=3600, burst_length_s=60)
    assert p.mean_rate() == pytest.approx(0.1 + 10 * 60 / 3600)
    times = p.arrivals(50 * 86400, RNG(2))
    assert times.size / (50 * 86400) == pytest.approx(p.mean_rate(), rel=0.05)
    per_minute = np.bincount((times // 60).astype(int))
    assert per_minute.max() > 300  # a burst minute, far above the base 6 per minute


def test_periodic_is_exact_and_does_not_scale():
    p = tr.periodic(300, offset_s=60)
    assert p.arrivals(1000, RNG()).tolist() == [60, 360, 660, 960]
    assert p.scaled(10) == p


def test_trace_replays_counts_minute_by_minute_and_repeats_past_its_end():
    counts = [3, 0, 5, 1]
    times = tr.trace(counts).arrivals(480, RNG())
    assert np.bincount((times // 60).astype(int), minlength=8).tolist() == counts * 2
    scaled = tr.trace([100] * 1000).scaled(0.5)
    assert within_poisson(scaled.arrivals(60_000, RNG()).size, 50_000)


def test_same_seed_same_arrivals():
    t = tr.Traffic({"A->f": tr.constant(1), "T->g": tr.periodic(60)})
    a, b = t.invocations(3600, seed=4), t.invocations(3600, seed=4)
    pd.testing.assert_frame_equal(a, b)
    assert not t.invocations(3600, seed=5).equals(a)
    assert list(a["entry"].cat.categories) == ["A->f", "T->g"]
    assert a["time"].is_monotonic_increasing
    assert (a["entry"] == "T->g").sum() == 60


@pytest.mark.parametrize("expr,every,offset", [("rate(5 minutes)", 300, 0), ("rate(1 hour)", 3600, 0),
                                               ("cron(30 12 * * ? *)", 86400, 45000), ("cron(0/15 * * * ? *)", 900, 0)])
def test_timer_schedules_become_periodic_profiles(expr, every, offset):
    p = tr.from_schedule(expr)
    assert (p.every, p.offset) == (every, offset)


def test_unusual_cron_schedules_ask_for_explicit_traffic():
    with pytest.raises(StackError, match="give the timer's traffic explicitly"):
        tr.from_schedule("cron(0 9 ? * MON-FRI *)")


def test_profiles_refuse_bad_parameters():
    with pytest.raises(StackError, match="rate_per_second"):
        tr.constant(-1)
    with pytest.raises(StackError, match="peak_to_trough"):
        tr.diurnal(1, peak_to_trough=0.5)
    with pytest.raises(StackError, match="every_s"):
        tr.periodic(0)
    with pytest.raises(StackError, match="must be a profile"):
        tr.Traffic({"A->f": 3})


# ----------------------------------------------------------------------------- Azure
def test_azure_trace_is_read_and_checked():
    frame = tr.read_azure_trace(TRACE)
    assert frame["HashFunction"].tolist() == ["f_http", "f_timer", "f_queue"]
    assert frame.loc[1, [str(m) for m in range(1, 11)]].tolist() == [1, 0, 0, 0, 0, 1, 0, 0, 0, 0]
    t = tr.Traffic.from_azure(TRACE, {"Api->Get": "f_http", "Nightly": "f_timer"}, DATA / "azure_durations_d01.csv")
    times = t["Api->Get"].arrivals(86400, RNG())
    assert times.size == frame.loc[0, [str(m) for m in range(1, 1441)]].sum()
    assert t.durations == {"Api->Get": 0.120, "Nightly": 2.0}


def test_malformed_azure_trace_names_line_and_column():
    with pytest.raises(StackError, match=r"azure_malformed.csv line 3, column 17: .* got '-2'"):
        tr.read_azure_trace(DATA / "azure_malformed.csv")


def test_azure_trace_missing_columns_and_unknown_function(tmp_path):
    f = tmp_path / "short.csv"
    f.write_text("HashOwner,HashApp,HashFunction,Trigger,1,2\no,a,f,http,1,2\n")
    with pytest.raises(StackError, match="missing columns 3, 4, 5"):
        tr.read_azure_trace(f)
    with pytest.raises(StackError, match="no function 'nope'"):
        tr.Traffic.from_azure(TRACE, {"x": "nope"})
    with pytest.raises(StackError, match="holds 3 functions"):
        tr.Traffic.from_azure(TRACE, {"x": None})


# ----------------------------------------------------------------------------- traffic CSV
def write(tmp_path, text, name="traffic.csv"):
    path = tmp_path / name
    path.write_text(text)
    return path


def test_traffic_csv_reads_every_profile_kind(tmp_path):
    (tmp_path / "trace.csv").write_bytes(TRACE.read_bytes())
    path = write(tmp_path, "# my traffic\n"
                 "entry,profile,rate_per_second,peak_to_trough,peak_hour,burst_rate_per_second,burst_every_s,"
                 "burst_length_s,every_s,trace,trace_function,duration_ms\n"
                 "Api->Get,diurnal,5,3,,,,,,,,120\n"
                 "Api->Put,constant,0.5\n"
                 "Queue,bursty,0.1,,,20,3600,60\n"
                 "Nightly,periodic,,,,,,,3600\n"
                 "Api->Search,azure,,,,,,,,trace.csv,f_http,80\n"
                 "Charge,none,,,,,,,,,,300\n")
    t = tr.Traffic.from_csv(path)
    kinds = {k: p.kind for k, p in t.items()}
    assert kinds == {"Api->Get": "diurnal", "Api->Put": "constant", "Queue": "bursty", "Nightly": "periodic",
                     "Api->Search": "trace", "Charge": "none"}
    assert t["Api->Get"].peak_to_trough == 3 and t["Api->Get"].peak_hour == 14
    assert t.durations == {"Api->Get": 0.12, "Api->Search": 0.08, "Charge": 0.3}


@pytest.mark.parametrize("body,message", [
    ("Api->Get,constnt,1\n", r"line 2: unknown profile 'constnt'"),
    ("Api->Get,constant,\n", r"line 2: a constant profile needs rate_per_second"),
    ("Api->Get,constant,fast\n", r"line 2, column rate_per_second: expected a number, got 'fast'"),
    ("Api->Get,constant,1\nApi->Get,constant,2\n", r"line 3: entry 'Api->Get' appears twice"),
    (",constant,1\n", r"line 2: entry is empty"),
    ("Api->Get,azure,,missing.csv\n", r"line 2: Azure trace .*missing.csv does not exist"),
])
def test_traffic_csv_errors_name_the_line(tmp_path, body, message):
    header = "entry,profile,rate_per_second,trace\n" if "azure" in body else "entry,profile,rate_per_second\n"
    with pytest.raises(StackError, match=message):
        tr.Traffic.from_csv(write(tmp_path, header + body))


def test_traffic_csv_header_problems(tmp_path):
    with pytest.raises(StackError, match="unknown column 'rps'"):
        tr.Traffic.from_csv(write(tmp_path, "entry,profile,rps\n"))
    with pytest.raises(StackError, match="lacks column 'profile'"):
        tr.Traffic.from_csv(write(tmp_path, "entry,rate_per_second\n"))
    with pytest.raises(StackError, match="does not exist"):
        tr.Traffic.from_csv(tmp_path / "nope.csv")
    with pytest.raises(StackError, match="empty"):
        tr.Traffic.from_csv(write(tmp_path, "\n# nothing\n"))


def test_an_azure_format_file_is_a_traffic_file_too():
    t = tr.Traffic.from_csv(TRACE)
    assert list(t) == ["f_http", "f_timer", "f_queue"]


# ----------------------------------------------------------------------------- CloudWatch
def test_cloudwatch_invocations_replay_per_minute():
    boto3 = pytest.importorskip("boto3")
    moto = pytest.importorskip("moto")
    start = datetime(2026, 1, 5, tzinfo=timezone.utc)
    with moto.mock_aws():
        cw = boto3.client("cloudwatch", region_name="us-east-1")
        cw.put_metric_data(Namespace="AWS/Lambda", MetricData=[
            {"MetricName": "Invocations", "Dimensions": [{"Name": "FunctionName", "Value": "shop-Get"}],
             "Timestamp": start + timedelta(minutes=m, seconds=5), "Value": float(m % 3 + 1), "Unit": "Count"}
            for m in range(10)])
        t = tr.from_cloudwatch({"Api->Get": "shop-Get", "Api->Idle": "shop-Idle"}, start, start + timedelta(minutes=10),
                               client=cw)
    assert t["Api->Get"].counts == (1, 2, 3, 1, 2, 3, 1, 2, 3, 1)
    assert sum(t["Api->Idle"].counts) == 0
    assert t["Api->Get"].arrivals(600, RNG()).size == 19
    with pytest.raises(StackError, match="end must be after start"):
        tr.from_cloudwatch({"x": "y"}, start, start)
