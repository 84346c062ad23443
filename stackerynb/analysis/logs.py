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
import zlib
from pathlib import Path
from typing import Iterable, Iterator

import numpy as np
import pandas as pd

from stackerynb.analysis import report_text
from stackerynb.analysis.report_text import JSON_MARK, REPORT_MARK, merge_fields, parse_report_lines
from stackerynb.errors import StackError

COLUMNS = ["function", "time", "timestamp", "request_id", "duration", "billed_duration", "memory",
           "max_memory_used", "init_duration", "cold"]
_REPORT_MARK = REPORT_MARK
_JSON_MARK = JSON_MARK
_LEADING_TIME = re.compile(r"^(\d{4}-\d\d-\d\dT\S+)[ \t]+(\{.*)$")


def _text_frame(fields: dict, default_function: str) -> pd.DataFrame:
    """The text format's reports (fields of :func:`~stackerynb.analysis.report_text.parse_report_lines`)
    as a frame; reports without a log group are ``default_function``'s."""
    names = [_function_token(g) or default_function for g in fields["groups"]]
    used = np.zeros(len(names), bool)
    used[fields["group"][fields["group"] >= 0]] = True  # a group of lines read as malformed names no function
    cats = sorted({n for n, u in zip(names, used) if u}) or [default_function]
    if default_function not in cats and (fields["group"] < 0).any():
        cats.append(default_function)
    code_of = np.array([cats.index(n) if u else 0 for n, u in zip(names, used)]
                       + [cats.index(default_function) if default_function in cats else 0], np.int32)
    frame = pd.DataFrame({
        "function": pd.Categorical.from_codes(code_of[fields["group"]], cats),  # -1 (no group) picks the last
        "timestamp": pd.DatetimeIndex(fields["stamp"]).tz_localize("UTC"),
        "request_id": fields["rid"].to_pandas(),
        "duration": fields["dur"] / 1000,
        "billed_duration": fields["billed"] / 1000,
        "memory": fields["mem"],
        "max_memory_used": fields["used"],
        "init_duration": fields["init"] / 1000,
    }, copy=False)
    return frame  # no consolidation into 2-d blocks: a copy of every column for nothing


def _utf8(raw: bytes) -> bytes:
    """``raw`` as valid UTF-8 (undecodable bytes replaced, as a text editor shows them)."""
    if raw.isascii():
        return raw
    try:
        raw.decode("utf-8")
        return raw
    except UnicodeDecodeError:
        return raw.decode("utf-8", errors="replace").encode("utf-8")


def _read(fh, size: int, name: str) -> bytes:
    try:
        return fh.read(size)
    except (OSError, EOFError, zlib.error) as exc:
        if isinstance(fh, gzip.GzipFile):
            raise StackError(f"{name}: not a readable gzip file ({exc})") from None
        raise StackError(f"{name}: cannot be read ({exc})") from None


def _open_log(src, name: str):
    """A binary stream of the log ``src`` (a path or a file object), gunzipped when gzip."""
    if isinstance(src, Path):
        fh = open(src, "rb")
    else:
        raw = src.read()
        fh = io.BytesIO(raw.encode("utf-8", errors="replace") if isinstance(raw, str) else raw)
    if _read(fh, 2, name) == b"\x1f\x8b":
        fh.seek(0)
        return gzip.GzipFile(fileobj=fh, mode="rb")
    fh.seek(0)
    return fh


_PAD = b"\0" * 64  # after a block: room for the row gathers of its last lines


def _blocks(fh, first: bytes, name: str) -> Iterator[tuple[bytes, int]]:
    """The stream's text in blocks of whole lines (of about a parsing chunk), valid UTF-8,
    ``first`` (already read) at the start: a log of any size is read in bounded memory. Each
    block comes padded, with its length."""
    carry = [first] if first else []
    while True:
        # a block of at most one parsing chunk (with the line carried over), so it is parsed in one step
        data = _read(fh, max(report_text.CHUNK - sum(map(len, carry)), 1 << 16), name)
        if not data:
            break
        cut = data.rfind(b"\n") + 1
        if not cut:  # no line ends in this read
            carry.append(data)
            continue
        block = _utf8(b"".join([*carry, memoryview(data)[:cut]]))
        carry = [data[cut:]] if cut < len(data) else []
        yield block + _PAD, len(block)
    if carry:
        block = _utf8(b"".join(carry))
        yield block + _PAD, len(block)


def _read_log(src, name: str, function: str, malformed: list) -> list[pd.DataFrame]:
    """The frames of one log: a JSON document of ``aws logs filter-log-events``, or lines (text
    and JSON log formats) read block by block."""
    fh = _open_log(src, name)
    with fh:
        head = _read(fh, 4096, name)
        if head.lstrip()[:1] == b"{" and b'"events"' in head:
            raw = _utf8(head + _read(fh, -1, name))
            try:
                doc = json.loads(raw)
            except ValueError:
                doc = None
            if isinstance(doc, dict) and isinstance(doc.get("events"), list):
                return [_parse_events(doc["events"], function, name, malformed)]
            return _parse_blocks([(raw, len(raw))], function, name, malformed)
        return _parse_blocks(_blocks(fh, head, name), function, name, malformed)


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


def _parse_blocks(blocks: Iterable[tuple[bytes, int]], function: str, source: str, malformed: list) -> list[pd.DataFrame]:
    """Frames of the reports in consecutive blocks of whole lines (``(bytes, length)``: the bytes
    after ``length`` are padding): the text format, and lines of the JSON log format among them;
    malformed ones appended to ``malformed`` (1-based lines)."""
    pieces, json_lines, first = [], [], 0
    for block, length in blocks:
        # memchr for a quote first: most text logs hold none
        has_json = block.find(b'"', 0, length) >= 0 and block.find(_JSON_MARK.encode(), 0, length) >= 0
        fields, bad, n_lines = parse_report_lines(block, first_line=first, has_json=has_json, length=length)
        if fields is not None:
            pieces.append(fields)
        malformed.extend((source, n + 1, text.decode("utf-8", errors="replace").rstrip("\r")[:300]) for n, text in bad)
        if has_json:
            text = block[:length].decode("utf-8", errors="replace")
            json_lines += [(first + i, line) for i, line in enumerate(text.split("\n"), 1) if _JSON_MARK in line]
        first += n_lines
    frames = [_text_frame(merge_fields(pieces), function)] if pieces else []
    recs = _parse_json_lines(json_lines, function, malformed, source)
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
        # each message ends in a tab again, as Lambda writes it (strip() took it; the pattern reads
        # both the same, the bulk reader only Lambda's layout)
        fields, bad, _ = parse_report_lines("".join(t + "\t\n" for t in texts).encode("utf-8", errors="replace"))
        malformed.extend((source, numbers[n], texts[n][:300]) for n, _ in bad)  # by event number in the document
        if fields is not None:
            frame = _text_frame(fields, function)
            frame["timestamp"] = pd.to_datetime(pd.Series(stamps, dtype="float64").to_numpy()[fields["line"]], unit="ms",
                                                utc=True)
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


def _by_arrival(df: pd.DataFrame, time: np.ndarray, cold: np.ndarray) -> pd.DataFrame:
    """The invocations frame: ``df``'s rows with ``time`` and ``cold``, in :data:`COLUMNS`'
    order, sorted by ``time`` (stable, no time last). Built once from the reordered columns;
    Arrow-backed strings are reordered by Arrow's take, several times faster than pandas' take."""
    order = np.argsort(time, kind="stable")  # NaN sorts last, in order
    columns = {"time": time[order], "cold": cold[order]}
    for name in COLUMNS:
        if name in columns:
            continue
        values = df[name].array
        if isinstance(values.dtype, pd.StringDtype) and values.dtype.storage == "pyarrow":
            import pyarrow as pa

            # one array first: a take across many chunks costs several times more
            columns[name] = pa.chunked_array(values.__arrow_array__()).combine_chunks().take(pa.array(order)).to_pandas().array
        elif isinstance(values.dtype, np.dtype):
            columns[name] = values.to_numpy()[order]
        else:
            columns[name] = values.take(order)
    out = pd.DataFrame({name: columns[name] for name in COLUMNS}, copy=False)
    out["function"] = out["function"].astype("category")
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
        fn = function or (_function_from_path(src) if isinstance(src, Path) else "function")
        frames += _read_log(src, name, fn, malformed)
    frames = [f for f in frames if len(f)]
    if len(frames) == 1:
        df = frames[0]
    elif frames:
        df = pd.concat(frames, ignore_index=True)
    else:
        df = pd.DataFrame({c: pd.Series(dtype=float) for c in COLUMNS if c not in ("function", "request_id", "timestamp")})
        df["function"], df["request_id"] = pd.Series(dtype=object), pd.Series(dtype=object)
        df["timestamp"] = pd.Series(dtype="datetime64[ns, UTC]")
    cold = df["init_duration"].notna().to_numpy()
    busy = df["duration"].to_numpy(float) + np.nan_to_num(df["init_duration"].to_numpy(float))
    start = df["timestamp"] - pd.to_timedelta(busy, unit="s")
    if len(df) and start.notna().any():
        time = (start - start.min()).dt.total_seconds().to_numpy()
    else:
        time = np.full(len(df), np.nan)
    df = _by_arrival(df, time, cold)
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
