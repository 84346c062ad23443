"""The bulk reader of Lambda's REPORT layout reads exactly what the tolerant pattern reads: the
same values, the same malformed lines with the same numbers, across chunk and block boundaries."""
import gzip

import numpy as np
import pandas as pd
import pytest

from stackerynb.analysis import read_lambda_reports, report_text

STAMP = "2026-10-01T10:00:00.000Z"


def report(rid, dur="12.34", billed="13", mem="128", used="70", init=None, *, stamp=STAMP, group="/aws/lambda/fn",
           sep="\t", end="\n"):
    head = " ".join(x for x in (stamp, group) if x)
    text = (f"{head + ' ' if head else ''}REPORT RequestId: {rid}{sep}Duration: {dur} ms{sep}Billed Duration: {billed} ms"
            f"{sep}Memory Size: {mem} MB{sep}Max Memory Used: {used} MB{sep}")
    if init is not None:
        text += f"Init Duration: {init} ms{sep}"
    return text + end


# every line shape a log may hold; (line, read as a report?)
VARIANTS = [
    (report("warm-1"), True),
    (report("cold-1", init="240.51"), True),
    (report("crlf-warm", end="\r\n"), True),
    (report("crlf-cold", init="1.00", end="\r\n"), True),
    (report("bare-1", stamp=None, group=None), True),
    (report("stamp-only", group=None), True),
    (report("micro-stamp", stamp="2026-10-01T10:00:01.123456+00:00", group="2026/10/01/[$LATEST]ab"), True),
    (report("ид-запроса-1", group="/aws/lambda/café-ß"), True),
    (report("spaces", sep="  "), True),
    (report("one-decimal", dur="12.3"), True),
    (report("no-decimals", dur="12", init="7"), True),
    (report("nine-digits", billed="123456789"), True),
    (report("no-trailing-tab").replace("MB\t\n", "MB\n"), True),
    (report("bad-date", stamp="2026-13-45T99:00:00.000Z"), True),
    (report("order").replace("Duration: 12.34 ms\tBilled Duration: 13 ms", "Billed Duration: 13 ms\tDuration: 12.34 ms"),
     False),
    (report("missing").replace("Memory Size: 128 MB\t", ""), False),
    (report("init-first", init="3.50").replace("Max Memory Used: 70 MB\tInit Duration: 3.50 ms",
                                               "Init Duration: 3.50 ms\tMax Memory Used: 70 MB"), False),
    (report("huge", mem="99999999999999999999999"), False),
    (report("typo").replace("Billed", "Bil1ed"), False),
    (report("other-field").replace("Max Memory Used", "Max Memory Free"), False),
    (report("a b"), False),
    (report("extra-token", group="/aws/lambda/fn extra"), False),
    (report("no-digits", dur="."), False),
    (f"{STAMP} /aws/lambda/fn [INFO] we print REPORT RequestId: in prose\n", False),
]


def canonical(n, rng, *, start=0):
    """``n`` lines in Lambda's own layout, a third cold, with START and END lines between, of
    log groups of three lengths."""
    lines = []
    for i in range(start, start + n):
        group = "/aws/lambda/fn" + "-long" * (i % 3)
        stamp = (pd.Timestamp("2026-10-01T00:00:00Z") + pd.Timedelta(seconds=i)).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"
        lines.append(f"{stamp} {group} START RequestId: r{i:08d} Version: $LATEST\n")
        init = f"{rng.uniform(50, 900):.2f}" if i % 3 == 0 else None
        lines.append(report(f"{i:08x}-1111-2222-3333-444444444444", f"{rng.uniform(0.5, 3000):.2f}", str(rng.integers(1, 4000)),
                            "512", str(rng.integers(40, 512)), init, stamp=stamp, group=group))
        lines.append(f"{stamp} {group} END RequestId: r{i:08d}\n")
    return lines


def only_the_pattern(monkeypatch):
    """Read everything with the tolerant pattern alone: the reference the bulk reader must match."""
    monkeypatch.setattr(report_text, "_lambda_layout", lambda c, D, K, occ, *a: (None, np.zeros(len(occ), bool)))


def test_every_line_shape_reads_as_the_tolerant_pattern_reads_it(tmp_path, monkeypatch):
    rng = np.random.default_rng(1)
    lines = canonical(200, rng)
    for i, (line, _) in enumerate(VARIANTS):  # spread among lines in Lambda's layout
        lines.insert(7 * i + 3, line)
    path = tmp_path / "mixed.log"
    path.write_text("".join(lines), encoding="utf-8")
    seen = []
    original = report_text._tolerant
    with monkeypatch.context() as m:
        m.setattr(report_text, "_tolerant", lambda rl: (seen.append(len(rl)), original(rl))[1])
        fast = read_lambda_reports(path)
    with monkeypatch.context() as m:
        only_the_pattern(m)
        slow = read_lambda_reports(path)
    pd.testing.assert_frame_equal(fast, slow)
    assert fast.attrs == slow.attrs
    wanted = {line.split("RequestId: ")[1].split()[0] for line, ok in VARIANTS if ok}
    assert wanted <= set(fast["request_id"])
    bad = [m["text"] for m in fast.attrs["malformed"]]
    assert len(bad) == sum(not ok for _, ok in VARIANTS)
    # the bulk reader took every line in Lambda's layout; only the odd ones went to the pattern
    in_layout = {"warm-1", "cold-1", "crlf-warm", "crlf-cold", "bare-1", "stamp-only", "micro-stamp", "ид-запроса-1",
                 "bad-date"}
    assert sum(seen) == len(wanted - in_layout) + len(bad)
    assert len(fast) == 200 + sum(ok for _, ok in VARIANTS)


def test_values_of_crlf_unicode_cold_and_warm_lines():
    lines = [report("w1", "102.25", "103", "256", "69", end="\r\n"),
             report("ид-1", "0.07", "1", "10240", "9999", "12345678.99", group="/aws/lambda/café-ß", end="\r\n"),
             "2026-10-01T10:00:00.000Z /aws/lambda/fn [INFO] ünïcödé before a report\r\n",
             report("w2", "900000.00", "900000", "128", "128", stamp="2026-10-01T10:00:05.500Z")]
    df = read_lambda_reports([pytest.importorskip("io").BytesIO("".join(lines).encode())], function="F")
    df = df.set_index("request_id")
    assert df.loc["w1", ["duration", "billed_duration", "memory", "max_memory_used"]].tolist() == [0.10225, 0.103, 256, 69]
    assert not df.loc["w1", "cold"] and np.isnan(df.loc["w1", "init_duration"])
    cold = df.loc["ид-1"]
    assert cold["function"] == "café-ß" and cold["cold"]
    assert cold["init_duration"] == 12345678.99 / 1000 and cold["duration"] == 0.07 / 1000
    assert cold["memory"] == 10240 and cold["max_memory_used"] == 9999
    assert df.loc["w2", "duration"] == 900.0 and df.loc["w2", "timestamp"] == pd.Timestamp("2026-10-01T10:00:05.5Z")
    assert not df.attrs["malformed"]


def test_a_malformed_line_in_a_fast_batch_keeps_its_number_across_chunks_and_blocks(tmp_path, monkeypatch):
    rng = np.random.default_rng(2)
    lines = canonical(3000, rng)
    broken = lines[4501].replace("Max Memory Used", "Max Memory Usd")  # the report of invocation 1500
    lines[4501] = broken
    lines[4504] = lines[4504].replace("\t", "  ")  # and one in another layout the pattern reads
    lines.insert(6000, "x" * 50_000 + "\n")  # a line longer than a chunk
    text = "".join(lines).encode()
    (tmp_path / "a.log").write_bytes(text)
    (tmp_path / "b.log.gz").write_bytes(gzip.compress(text))
    whole = read_lambda_reports(tmp_path / "a.log")
    assert len(whole) == 2999 and [m["line"] for m in whole.attrs["malformed"]] == [4502]
    assert whole.attrs["malformed"][0]["text"] == broken.rstrip("\n")
    monkeypatch.setattr(report_text, "CHUNK", 8192)  # hundreds of chunks and blocks
    for name in ("a.log", "b.log.gz"):
        small = read_lambda_reports(tmp_path / name)
        pd.testing.assert_frame_equal(small, whole)
        assert small.attrs["malformed"] == [dict(whole.attrs["malformed"][0], source=str(tmp_path / name))]


def test_very_long_lines_and_request_ids(tmp_path, monkeypatch):
    monkeypatch.setattr(report_text, "CHUNK", 4096)
    rid = "r" * 20_000
    lines = [report("short"), "y" * 30_000 + "\n", report(rid, init="5.00"), report("last", end="")]
    path = tmp_path / "long.log"
    path.write_text("".join(lines))
    df = read_lambda_reports(path)
    assert sorted(df["request_id"], key=len) == ["last", "short", rid] and not df.attrs["malformed"]
    assert df.set_index("request_id").loc[rid, "init_duration"] == 0.005


def test_the_bulk_reader_reads_lambda_layout_itself(tmp_path, monkeypatch):
    """Lambda's layout is read without the pattern (the speed of the reader rests on it)."""
    # (a report within a row's width of the end of the buffer is left to the pattern: an END line follows)
    lines = canonical(500, np.random.default_rng(3)) + [report("bare", stamp=None, group=None, end="\r\n"), f"{STAMP} END RequestId: bare\n"]
    path = tmp_path / "fast.log"
    path.write_text("".join(lines))
    monkeypatch.setattr(report_text, "_tolerant", lambda rl: pytest.fail(f"{len(rl)} line(s) left to the pattern"))
    assert len(read_lambda_reports(path)) == 501
