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

The text format is parsed with one regular expression over the whole buffer (no Python loop
per line). Lines that look like a report but do not parse are counted and kept, with their
line number, in ``frame.attrs["malformed"]``; they never stop the read.
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

from stackerynb.errors import StackError

COLUMNS = ["function", "time", "timestamp", "request_id", "duration", "billed_duration", "memory",
           "max_memory_used", "init_duration", "cold"]
# A literal newline first lets the regex engine jump from line to line; the two optional
# prefix tokens are the export's timestamp and the log group (either may be absent).
_TEXT = re.compile(
    r"\n(?:(\d{4}-\d\d-\d\dT[^ \t\n]*)[ \t]+)?(?:([^ \t\n]+)[ \t]+)?REPORT RequestId:[ \t]*([^ \t\n]+)[ \t]+Duration:[ \t]*([\d.]+) ms"
    r"[ \t]+Billed Duration:[ \t]*(\d+) ms[ \t]+Memory Size:[ \t]*(\d+) MB[ \t]+Max Memory Used:[ \t]*(\d+) MB"
    r"(?:[ \t]+Init Duration:[ \t]*([\d.]+) ms)?[ \t]*(?=[\n\t ]|$)")
# Lambda's own layout (tab separated, trailing tab) after a timestamp and a log group, as
# exports print it: a stricter pattern runs about half again as fast; it is used when it takes
# every report of the buffer, the tolerant one otherwise.
_STRICT = re.compile(
    r"\n(\d{4}-[^ \n]+) ([^ \n]+) REPORT RequestId: ([^\t\n]+)\tDuration: ([\d.]+) ms\tBilled Duration: (\d+) ms"
    r"\tMemory Size: (\d+) MB\tMax Memory Used: (\d+) MB\t(?:Init Duration: ([\d.]+) ms\t)?(?=\n|$)")
_REPORT_MARK = "REPORT RequestId"
_JSON_MARK = '"platform.report"'
_LEADING_TIME = re.compile(r"^(\d{4}-\d\d-\d\dT\S+)[ \t]+(\{.*)$")


def _read_bytes(path: Path) -> str:
    with open(path, "rb") as fh:
        raw = fh.read()
    if raw[:2] == b"\x1f\x8b":
        try:
            raw = gzip.decompress(raw)
        except (OSError, EOFError) as exc:
            raise StackError(f"{path}: not a readable gzip file ({exc})") from None
    return raw.decode("utf-8", errors="replace")


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


def _parse_text(text: str, default_function: str) -> pd.DataFrame:
    rows = _STRICT.findall("\n" + text)
    if len(rows) != text.count(_REPORT_MARK):
        rows = _TEXT.findall("\n" + text)
    if not rows:
        return pd.DataFrame(columns=COLUMNS)
    stamps, groups, rid, dur, billed, mem, used, init = zip(*rows)
    names = {g: (_function_token(g) if g else None) or default_function for g in set(groups)}
    cats = sorted(set(names.values()))
    code_of = {c: i for i, c in enumerate(cats)}
    group_code = {g: code_of[n] for g, n in names.items()}
    codes = np.fromiter((group_code[g] for g in groups), np.int32, len(groups))
    init_s = np.array(init)
    has_init = init_s != ""
    init_v = np.full(len(rows), np.nan)
    if has_init.any():
        init_v[has_init] = init_s[has_init].astype(float) / 1000
    return pd.DataFrame({
        "function": pd.Categorical.from_codes(codes, cats).astype(object),
        "timestamp": pd.to_datetime(pd.Series(stamps, dtype=object).replace("", None), utc=True, format="ISO8601",
                                    errors="coerce"),
        "request_id": rid,
        "duration": np.array(dur, dtype=float) / 1000,
        "billed_duration": np.array(billed, dtype=float) / 1000,
        "memory": np.array(mem, dtype=np.int64),
        "max_memory_used": np.array(used, dtype=np.int64),
        "init_duration": init_v,
    })


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


def _malformed_text(text: str, parsed: int, source: str, malformed: list) -> None:
    """Find the REPORT lines the regular expression did not take (only when some were missed)."""
    if text.count(_REPORT_MARK) == parsed:
        return
    for number, line in enumerate(text.split("\n"), 1):
        if _REPORT_MARK in line and _JSON_MARK not in line and not line.lstrip().startswith("{") \
                and _TEXT.match("\n" + line) is None:
            malformed.append((source, number, line[:300]))


def _parse_buffer(text: str, function: str, source: str, malformed: list) -> list[pd.DataFrame]:
    frames = []
    head = text.lstrip()[:1]
    if head == "{" and '"events"' in text[:4096]:
        try:
            doc = json.loads(text)
        except ValueError:
            doc = None
        if isinstance(doc, dict) and isinstance(doc.get("events"), list):
            return [_parse_events(doc["events"], function, source, malformed)]
    text_frame = _parse_text(text, function)
    _malformed_text(text, len(text_frame), source, malformed)
    frames.append(text_frame)
    if _JSON_MARK in text:
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
        frame = _parse_text("\n".join(texts), function)
        if len(frame) != len(texts):  # find which events did not parse, by event number
            ok = [_TEXT.match("\n" + t) is not None for t in texts]
            malformed.extend((source, n, t[:300]) for n, t, good in zip(numbers, texts, ok) if not good)
            stamps = [s for s, good in zip(stamps, ok) if good]
        frame["timestamp"] = pd.to_datetime(pd.Series(stamps, dtype="float64"), unit="ms", utc=True).to_numpy()
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
            if isinstance(raw, bytes):
                raw = gzip.decompress(raw) if raw[:2] == b"\x1f\x8b" else raw
                raw = raw.decode("utf-8", errors="replace")
            text, fn = raw, function or "function"
        frames += _parse_buffer(text, fn, name, malformed)
    frames = [f for f in frames if len(f)]
    if frames:
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
    df = df.sort_values(["time"], kind="stable", na_position="last").reset_index(drop=True)
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
