"""Read what Lambda writes: REPORT lines to an invocations DataFrame.

:func:`read_lambda_reports` accepts, compressed (gzip) or not, one file, several, or a folder:

* the **text format**, one line per log event, Lambda's message optionally prefixed as CloudWatch
  Logs exports and ``aws logs tail`` print it: ``[TIMESTAMP] [LOG-GROUP] REPORT RequestId: ID
  Duration: 12.3 ms Billed Duration: 13 ms Memory Size: 128 MB Max Memory Used: 60 MB [Init
  Duration: 240.5 ms]``. The function is the log group's name after ``/aws/lambda/`` (or a bare
  name in that place), else the ``function`` argument, else the folder ``.../aws/lambda/NAME/``
  of a CloudWatch Logs export, else the file's name;
* the **JSON log format**: lines holding a ``platform.report`` record (``time``,
  ``record.requestId``, ``record.metrics.durationMs``, ``billedDurationMs``, ``memorySizeMB``,
  ``maxMemoryUsedMB``, ``initDurationMs``), bare or after a timestamp;
* the JSON printed by ``aws logs filter-log-events`` (``{"events": [{"timestamp", "message",
  "logStreamName"}, ...]}``), each message in either format above.

The text format is read in bulk by :mod:`stackerynb.analysis.report_text` (numpy byte operations
on chunks of a few MB, no Python step per line; a line not in Lambda's own tab layout goes on its
own through one RE2 pattern). Lines that look like a report but do not parse are counted and kept,
with their line number, in ``frame.attrs["malformed"]``; they never stop the read.
"""
from __future__ import annotations

import gzip
import io
import json
import os
import re
from pathlib import Path
from typing import Iterable

import numpy as np
import pandas as pd

from stackerynb.analysis.report_text import JSON_MARK, REPORT_MARK, parse_report_lines
from stackerynb.errors import StackError

COLUMNS = ["function", "time", "timestamp", "request_id", "duration", "billed_duration", "memory",
           "max_memory_used", "init_duration", "cold"]
_REPORT_MARK = REPORT_MARK
_JSON_MARK = JSON_MARK
_LEADING_TIME = re.compile(r"^(\d{4}-\d\d-\d\dT\S+)[ \t]+(\{.*)$")


def _parse_text(raw: bytes, default_function: str, has_json: bool | None = None) -> tuple[pd.DataFrame, np.ndarray, list]:
    """The text format's reports of ``raw``: a frame, the 0-based line of each row, and the
    reports that did not parse as ``(0-based line, bytes)``."""
    fields, bad = parse_report_lines(raw, has_json=has_json)
    if fields is None:
        return pd.DataFrame(columns=[c for c in COLUMNS if c not in ("time", "cold")]), np.zeros(0, np.int64), bad
    names = [_function_token(g) or default_function for g in fields["groups"]]
    cats = sorted(set(names)) or [default_function]
    if default_function not in cats and (fields["group"] < 0).any():
        cats.append(default_function)
    code_of = np.array([cats.index(n) for n in names] + [cats.index(default_function) if default_function in cats else 0],
                       np.int32)
    frame = pd.DataFrame({
        "function": pd.Categorical.from_codes(code_of[fields["group"]], cats),  # -1 (no group) picks the last
        "timestamp": pd.DatetimeIndex(fields["stamp"]).tz_localize("UTC"),
        "request_id": fields["rid"].to_pandas(),
        "duration": fields["dur"] / 1000,
        "billed_duration": fields["billed"] / 1000,
        "memory": fields["mem"],
        "max_memory_used": fields["used"],
        "init_duration": fields["init"] / 1000,
    })
    return frame, fields["line"], bad


def _utf8(raw: bytes) -> bytes:
    """``raw`` as valid UTF-8 (undecodable bytes replaced, as a text editor shows them)."""
    if raw.isascii():
        return raw
    try:
        raw.decode("utf-8")
        return raw
    except UnicodeDecodeError:
        return raw.decode("utf-8", errors="replace").encode("utf-8")


def _read_bytes(path: Path) -> bytes:
    with open(path, "rb") as fh:
        raw = fh.read()
    if raw[:2] == b"\x1f\x8b":
        try:
            raw = gzip.decompress(raw)
        except (OSError, EOFError) as exc:
            raise StackError(f"{path}: not a readable gzip file ({exc})") from None
    return _utf8(raw)


def _function_from_path(path: Path) -> str:
    parts = path.parts
    for i in range(len(parts) - 2):
        if parts[i] == "aws" and parts[i + 1] == "lambda":
            return parts[i + 2]
    name = path.name
    for suffix in (".gz", ".json", ".log", ".txt", ".jsonl"):
        if name.endswith(suffix):
            name = name[: -len(suffix)]
    return name


def _function_token(token: str) -> str | None:
    if "/aws/lambda/" in token:
        return token.rsplit("/aws/lambda/", 1)[1].split("/")[0] or None
    if "/" in token or "[" in token or ":" in token:
        return None  # a log stream name, not a function
    return token


def _json_record(obj, function: str, when=None) -> dict | None:
    if not isinstance(obj, dict) or obj.get("type") != "platform.report":
        return None
    rec = obj.get("record")
    m = rec.get("metrics") if isinstance(rec, dict) else None
    if not isinstance(m, dict) or not isinstance(rec.get("requestId"), str):
        return None
    try:
        init = m.get("initDurationMs")
        return {"function": function, "timestamp": obj.get("time", when), "request_id": rec["requestId"],
                "duration": float(m["durationMs"]) / 1000, "billed_duration": float(m["billedDurationMs"]) / 1000,
                "memory": int(m["memorySizeMB"]), "max_memory_used": int(m["maxMemoryUsedMB"]),
                "init_duration": np.nan if init is None else float(init) / 1000}
    except (KeyError, TypeError, ValueError):
        return None


def _parse_json_lines(lines: Iterable[tuple[int, str]], function: str, malformed: list, source: str) -> list[dict]:
    out = []
    for number, line in lines:
        body, when = line.strip(), None
        m = _LEADING_TIME.match(body)
        if m:
            when, body = m.group(1), m.group(2)
        try:
            rec = _json_record(json.loads(body), function, when)
        except ValueError:
            rec = None
        if rec is None:
            malformed.append((source, number, line[:300]))
        else:
            out.append(rec)
    return out


def _parse_buffer(raw: bytes, function: str, source: str, malformed: list) -> list[pd.DataFrame]:
    frames = []
    head = raw.lstrip()[:1]
    if head == b"{" and b'"events"' in raw[:4096]:
        try:
            doc = json.loads(raw)
        except ValueError:
            doc = None
        if isinstance(doc, dict) and isinstance(doc.get("events"), list):
            return [_parse_events(doc["events"], function, source, malformed)]
    has_json = _JSON_MARK.encode() in raw
    text_frame, _, bad = _parse_text(raw, function, has_json)
    malformed.extend((source, n + 1, text.decode("utf-8", errors="replace").rstrip("\r")[:300]) for n, text in bad)
    frames.append(text_frame)
    if has_json:
        text = raw.decode("utf-8", errors="replace")
        lines = [(i, line) for i, line in enumerate(text.split("\n"), 1) if _JSON_MARK in line]
        recs = _parse_json_lines(lines, function, malformed, source)
        if recs:
            frame = pd.DataFrame(recs)
            frame["timestamp"] = pd.to_datetime(frame["timestamp"], utc=True, format="ISO8601", errors="coerce")
            frames.append(frame)
    return frames


def _parse_events(events: list, function: str, source: str, malformed: list) -> pd.DataFrame:
    texts, stamps, numbers, json_lines = [], [], [], []
    for i, ev in enumerate(events, 1):
        msg = ev.get("message") if isinstance(ev, dict) else None
        if not isinstance(msg, str):
            malformed.append((source, i, str(ev)[:300]))
            continue
        if _JSON_MARK in msg:
            json_lines.append((i, msg, ev.get("timestamp")))
        elif _REPORT_MARK in msg:
            texts.append(msg.strip().replace("\n", " "))
            stamps.append(ev.get("timestamp"))
            numbers.append(i)
    frames = []
    if texts:
        frame, lines, bad = _parse_text("\n".join(texts).encode("utf-8", errors="replace"), function)
        malformed.extend((source, numbers[n], texts[n][:300]) for n, _ in bad)  # by event number in the document
        frame["timestamp"] = pd.to_datetime(pd.Series(stamps, dtype="float64").to_numpy()[lines], unit="ms", utc=True)
        frames.append(frame)
    for i, msg, stamp in json_lines:
        recs = _parse_json_lines([(i, msg)], function, malformed, source)
        for r in recs:
            if r["timestamp"] is None and stamp is not None:
                r["timestamp"] = pd.Timestamp(stamp, unit="ms", tz="UTC").isoformat()
        if recs:
            f = pd.DataFrame(recs)
            f["timestamp"] = pd.to_datetime(f["timestamp"], utc=True, format="ISO8601", errors="coerce")
            frames.append(f)
    return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(columns=COLUMNS)


def _sources(source) -> list[tuple[str, object]]:
    if isinstance(source, (str, os.PathLike)):
        path = Path(source)
        if path.is_dir():
            files = sorted(p for p in path.rglob("*") if p.is_file() and not p.name.startswith("."))
            if not files:
                raise StackError(f"{path}: folder holds no log files")
            return [(str(p), p) for p in files]
        if not path.exists():
            raise StackError(f"{path}: no such log file")
        if not path.is_file():
            raise StackError(f"{path}: not a regular file")
        return [(str(path), path)]
    if isinstance(source, io.IOBase) or hasattr(source, "read"):
        return [(getattr(source, "name", "<stream>"), source)]
    if isinstance(source, (list, tuple)):
        out = []
        for s in source:
            out += _sources(s)
        return out
    raise StackError(f"read_lambda_reports needs a path, a folder, a file object or a list of them, got {type(source).__name__}")


def require_times(invocations: pd.DataFrame, what: str) -> None:
    """Raise a StackError when invocations carry no arrival times (REPORT lines without timestamps)."""
    times = pd.to_numeric(invocations["time"], errors="coerce") if "time" in invocations else None
    if times is None or times.isna().any():
        n = len(invocations) if times is None else int(times.isna().sum())
        raise StackError(f"{what} needs arrival times, and {n:,} invocation(s) have none: their REPORT lines carry no "
                         "timestamp (read a CloudWatch Logs export, the JSON of aws logs filter-log-events, or lines "
                         "prefixed with an ISO timestamp)")


def _by_arrival(df: pd.DataFrame) -> pd.DataFrame:
    """``df`` sorted by ``time`` (stable, no time last), on a fresh index. Arrow-backed string
    columns are reordered by Arrow's take, several times faster than pandas' take of them."""
    order = np.argsort(df["time"].to_numpy(float), kind="stable")  # NaN sorts last, in order
    arrow = [c for c in df.columns if isinstance(df[c].dtype, pd.StringDtype) and df[c].dtype.storage == "pyarrow"]
    out = df.drop(columns=arrow).take(order).reset_index(drop=True)
    if arrow:
        import pyarrow as pa

        for c in arrow:
            out[c] = pa.chunked_array(df[c].array.__arrow_array__()).take(pa.array(order)).to_pandas()
    return out


def read_lambda_reports(source, *, function: str | None = None) -> pd.DataFrame:
    """Lambda REPORT lines (formats in the module docstring) as one row per invocation.

    Columns: ``function`` (categorical), ``time`` (seconds from the first arrival; an arrival is
    the report's timestamp minus its duration and INIT, since Lambda logs REPORT at the end),
    ``timestamp`` (the report's, UTC), ``request_id``, ``duration`` and ``billed_duration``
    (seconds), ``memory`` and ``max_memory_used`` (MB), ``init_duration`` (seconds, NaN when
    warm) and ``cold``. Sorted by arrival. ``attrs["malformed"]``: the report lines that did not
    parse, as dicts (source, line, text; ``pd.DataFrame(df.attrs["malformed"])`` tabulates them);
    ``attrs["files"]``: files read.
    """
    malformed: list = []
    frames = []
    sources = _sources(source)
    for name, src in sources:
        if isinstance(src, Path):
            text = _read_bytes(src)
            fn = function or _function_from_path(src)
        else:
            raw = src.read()
            if isinstance(raw, str):
                raw = raw.encode("utf-8", errors="replace")
            raw = gzip.decompress(raw) if raw[:2] == b"\x1f\x8b" else raw
            text, fn = _utf8(raw), function or "function"
        frames += _parse_buffer(text, fn, name, malformed)
    frames = [f for f in frames if len(f)]
    if len(frames) == 1:
        df = frames[0]
    elif frames:
        df = pd.concat(frames, ignore_index=True)
    else:
        df = pd.DataFrame({c: pd.Series(dtype=float) for c in COLUMNS if c not in ("function", "request_id", "timestamp")})
        df["function"], df["request_id"] = pd.Series(dtype=object), pd.Series(dtype=object)
        df["timestamp"] = pd.Series(dtype="datetime64[ns, UTC]")
    df["cold"] = df["init_duration"].notna().to_numpy()
    busy = df["duration"].to_numpy(float) + np.nan_to_num(df["init_duration"].to_numpy(float))
    start = df["timestamp"] - pd.to_timedelta(busy, unit="s")
    if len(df) and start.notna().any():
        df["time"] = (start - start.min()).dt.total_seconds().to_numpy()
    else:
        df["time"] = np.nan
    df = _by_arrival(df)
    df["function"] = df["function"].astype("category")
    df = df[COLUMNS]
    df.attrs["malformed"] = [{"source": s, "line": n, "text": t} for s, n, t in malformed]
    df.attrs["files"] = [n for n, _ in sources]
    return df


def write_lambda_reports(invocations: pd.DataFrame, path, *, start="2026-10-01T00:00:00Z", seed: int = 0) -> Path:
    """Write simulated invocations (``function``, ``time``, ``duration``, ``cold``, ``latency``,
    optionally ``memory``) as Lambda REPORT lines, as CloudWatch Logs exports print them (UTC
    timestamp, log group, message); gzip when ``path`` ends in ``.gz``. Used to make the sample log
    the kit ships, so the whole read path is exercised."""
    rng = np.random.default_rng(seed)
    df = invocations
    n = len(df)
    dur = df["duration"].to_numpy(float)
    init = np.where(df["cold"].to_numpy(bool), df["latency"].to_numpy(float) - dur, np.nan)
    mem = df["memory"].to_numpy(np.int64) if "memory" in df else np.full(n, 128)
    end = pd.Timestamp(start) + pd.to_timedelta(df["time"].to_numpy(float) + np.nan_to_num(init) + dur, unit="s")
    order = np.argsort(end.to_numpy(), kind="stable")
    hexes = rng.bytes(16 * n).hex()
    used = np.minimum(mem, (40 + rng.integers(0, 30, n)))
    stamp = end.strftime("%Y-%m-%dT%H:%M:%S.%f").str[:-3] + "Z"
    lines = []
    fns = df["function"].astype(str).to_numpy()
    for i in order:
        ids_i = hexes[32 * i:32 * i + 32]
        rid = f"{ids_i[:8]}-{ids_i[8:12]}-{ids_i[12:16]}-{ids_i[16:20]}-{ids_i[20:32]}"
        text = (f"{stamp[i]} /aws/lambda/{fns[i]} REPORT RequestId: {rid}\tDuration: {dur[i] * 1000:.2f} ms\t"
                f"Billed Duration: {int(np.ceil(dur[i] * 1000 - 1e-9))} ms\tMemory Size: {mem[i]} MB\t"
                f"Max Memory Used: {used[i]} MB\t")
        if np.isfinite(init[i]):
            text += f"Init Duration: {init[i] * 1000:.2f} ms\t"
        lines.append(text)
    data = ("\n".join(lines) + "\n").encode()
    return _write(Path(path), data)


def _write(path: Path, data: bytes) -> Path:
    if str(path).endswith(".gz"):
        data = gzip.compress(data, compresslevel=9, mtime=0)
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_bytes(data)
    os.replace(tmp, path)
    return path
