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

The text format is parsed by Arrow's C++ compute kernels, in chunks of a few MB, with no Python
loop per line: lines holding ``REPORT RequestId`` are picked (``match_substring``); Lambda's own
tab-separated layout is cut on tabs and fixed prefixes and cast to numbers; a chunk with any line
in another layout (spaces, no prefix, extra text) goes through one RE2 pattern (``extract_regex``)
instead. Lines that look like a report but do not parse are counted and kept, with their
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
_REPORT_MARK = "REPORT RequestId"
_JSON_MARK = '"platform.report"'
_LEADING_TIME = re.compile(r"^(\d{4}-\d\d-\d\dT\S+)[ \t]+(\{.*)$")
# The tolerant layout, for RE2 (pyarrow's extract_regex): a line may carry the export's timestamp
# and the log group before Lambda's message (either may be absent); spaces or tabs between fields.
_TOLERANT = (
    r"^(?:(?P<stamp>\d{4}-\d\d-\d\dT[^ \t\n]*)[ \t]+)?(?:(?P<group>[^ \t\n]+)[ \t]+)?REPORT RequestId:[ \t]*"
    r"(?P<rid>[^ \t\n]+)[ \t]+Duration:[ \t]*(?P<dur>\d+(?:\.\d*)?) ms[ \t]+Billed Duration:[ \t]*(?P<billed>\d+) ms"
    r"[ \t]+Memory Size:[ \t]*(?P<mem>\d+) MB[ \t]+Max Memory Used:[ \t]*(?P<used>\d+) MB"
    r"(?:[ \t]+Init Duration:[ \t]*(?P<init>\d+(?:\.\d*)?) ms)?(?:\s|$)")
_CHUNK = 1 << 22  # bytes per vectorised step: the working set stays in cache
# Lambda's own layout, tab separated with a trailing tab: field -> (prefix, suffix) in the strict path
_FIELDS = {1: ("Duration: ", " ms"), 2: ("Billed Duration: ", " ms"), 3: ("Memory Size: ", " MB"),
           4: ("Max Memory Used: ", " MB")}
_INIT = ("Init Duration: ", " ms")


def _line_array(raw: bytes):
    """The buffer's lines (each with its newline) as an Arrow string array, without a copy."""
    import pyarrow as pa

    b = np.frombuffer(raw, np.uint8)
    ends = np.flatnonzero(b == 10) + 1
    offsets = np.concatenate(([0], ends, [len(raw)] if (not ends.size or ends[-1] != len(raw)) else [])).astype(np.int64)
    return pa.Array.from_buffers(pa.large_string(), offsets.size - 1, [None, pa.py_buffer(offsets), pa.py_buffer(raw)])


def _strict(rl):
    """Fields of the REPORT lines ``rl`` in Lambda's own layout (``None`` where a line is not in
    it): a split on tabs and fixed prefixes, no regular expression."""
    import pyarrow as pa
    import pyarrow.compute as pc

    f = pc.split_pattern(rl, "\t")
    n = pc.list_value_length(f)
    ok = pc.or_(pc.equal(n, 6), pc.equal(n, 7))
    if not pc.all(ok).as_py():
        return None
    head = pc.split_pattern(pc.list_element(f, 0), " ")
    if not pc.all(pc.equal(pc.list_value_length(head), 5)).as_py():
        return None
    out = {"stamp": pc.list_element(head, 0), "group": pc.list_element(head, 1), "rid": pc.list_element(head, 4)}
    checks = [pc.equal(pc.list_element(head, 2), "REPORT"), pc.equal(pc.list_element(head, 3), "RequestId:"),
              pc.match_substring_regex(out["stamp"], r"^\d{4}-\d\d-\d\dT")]
    for i, (key, kind) in zip(_FIELDS, (("dur", pa.float64()), ("billed", pa.int64()), ("mem", pa.int64()),
                                        ("used", pa.int64()))):
        prefix, suffix = _FIELDS[i]
        field = pc.list_element(f, i)
        checks += [pc.starts_with(field, prefix), pc.ends_with(field, suffix)]
        out[key] = (pc.utf8_slice_codeunits(field, len(prefix), -len(suffix)), kind)
    last = pc.list_element(f, 5)  # Init Duration when cold (7 fields), else the line's end
    cold = pc.equal(n, 7)
    ends = pc.or_(pc.or_(pc.ends_with(rl, "\t\n"), pc.ends_with(rl, "\t\r\n")), pc.ends_with(rl, "\t"))
    checks += [ends, pc.or_(pc.invert(cold), pc.and_(pc.starts_with(last, _INIT[0]), pc.ends_with(last, _INIT[1])))]
    for c in checks:
        if not pc.all(c).as_py():
            return None
    out["init"] = (pc.if_else(cold, pc.utf8_slice_codeunits(last, len(_INIT[0]), -len(_INIT[1])), None), pa.float64())
    try:
        for key in ("dur", "billed", "mem", "used", "init"):
            out[key] = pc.cast(*out[key])
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
        return None
    return out


def _tolerant(rl):
    """Fields of the REPORT lines ``rl`` by the tolerant pattern (null rows: malformed)."""
    import pyarrow as pa
    import pyarrow.compute as pc

    st = pc.extract_regex(rl, _TOLERANT)
    out = {k: st.field(k) for k in ("stamp", "group", "rid")}
    blank = lambda a: pc.if_else(pc.equal(a, ""), None, a)  # noqa: E731 - an absent optional group
    out["stamp"], out["group"] = blank(out["stamp"]), blank(out["group"])
    for key, kind in (("dur", pa.float64()), ("billed", pa.int64()), ("mem", pa.int64()), ("used", pa.int64()),
                      ("init", pa.float64())):
        out[key] = pc.cast(blank(st.field(key)), kind)
    return out, st.is_valid()


def _parse_lines(raw: bytes):
    """REPORT lines of ``raw`` in the text format: a dict of Arrow arrays (fields, plus ``line``:
    the 0-based line number) and the 0-based numbers of the report lines that did not parse."""
    import pyarrow as pa
    import pyarrow.compute as pc

    pieces, bad = [], []
    first_line, pos = 0, 0
    has_json = _JSON_MARK.encode() in raw
    while pos < len(raw):
        end = len(raw) if pos + _CHUNK >= len(raw) else raw.rfind(b"\n", pos, pos + _CHUNK) + 1
        if end <= pos:  # a line longer than a chunk
            nl = raw.find(b"\n", pos + _CHUNK)
            end = len(raw) if nl < 0 else nl + 1
        lines = _line_array(raw[pos:end])
        where = pc.indices_nonzero(pc.match_substring(lines, _REPORT_MARK))
        if len(where):
            rl = lines.take(where)
            # platform.report records are read as JSON (looked for only where the chunk has one)
            json_lines = pc.match_substring(rl, _JSON_MARK) if has_json else None
            if json_lines is not None and pc.any(json_lines).as_py():
                text_lines = pc.invert(json_lines)
                where, rl = where.filter(text_lines), rl.filter(text_lines)
            fields = _strict(rl)
            if fields is None:
                fields, ok = _tolerant(rl)
                if not pc.all(ok).as_py():
                    missed = ~ok.to_numpy(zero_copy_only=False)
                    # a JSON line that merely mentions a report is not a malformed report line
                    not_json = ~pc.starts_with(pc.utf8_ltrim_whitespace(rl), "{").to_numpy(zero_copy_only=False)
                    bad += (np.asarray(where)[missed & not_json] + first_line).tolist()
                    fields = {k: v.filter(ok) for k, v in fields.items()}
                    where = where.filter(ok)
            fields["line"] = pc.add(where.cast(pa.int64()), first_line)
            pieces.append(fields)
        first_line += len(lines)
        pos = end
    if not pieces:
        return None, bad
    return {k: pa.concat_arrays([p[k].cast(pieces[0][k].type) if p[k].type != pieces[0][k].type and k in ("stamp", "group")
                                 else p[k] for p in pieces]) for k in pieces[0]}, bad


def _stamps(stamp) -> np.ndarray:
    """ISO timestamps (Arrow strings, nulls allowed) as datetime64[ns] UTC values (NaT where absent or unreadable)."""
    import pyarrow as pa

    try:
        return stamp.cast(pa.timestamp("ns", "UTC")).to_numpy(zero_copy_only=False).astype("datetime64[ns]")
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
        return pd.to_datetime(pd.Series(stamp.to_pylist(), dtype=object), utc=True, format="ISO8601",
                              errors="coerce").dt.tz_localize(None).to_numpy()


def _parse_text(raw: bytes, default_function: str) -> tuple[pd.DataFrame, np.ndarray, list[int]]:
    """The text format's reports of ``raw``: a frame, the 0-based line of each row, and the
    0-based lines of the reports that did not parse."""
    fields, bad = _parse_lines(raw)
    if fields is None:
        return pd.DataFrame(columns=[c for c in COLUMNS if c not in ("time", "cold")]), np.zeros(0, np.int64), bad
    groups = fields["group"].dictionary_encode()
    names = [(_function_token(g) if g else None) or default_function
             for g in groups.dictionary.to_pylist()]
    cats = sorted(set(names)) or [default_function]
    code_of = np.array([cats.index(n) for n in names] + [cats.index(default_function) if default_function in cats else 0],
                       np.int32)
    idx = groups.indices.fill_null(len(names)).to_numpy(zero_copy_only=False)
    if default_function not in cats and groups.null_count:
        cats.append(default_function)
        code_of[-1] = len(cats) - 1
    frame = pd.DataFrame({
        "function": pd.Categorical.from_codes(code_of[idx], cats),
        "timestamp": pd.DatetimeIndex(_stamps(fields["stamp"])).tz_localize("UTC"),
        "request_id": fields["rid"].to_pandas(),
        "duration": fields["dur"].to_numpy(zero_copy_only=False) / 1000,
        "billed_duration": fields["billed"].to_numpy(zero_copy_only=False) / 1000,
        "memory": fields["mem"].to_numpy(zero_copy_only=False),
        "max_memory_used": fields["used"].to_numpy(zero_copy_only=False),
        "init_duration": fields["init"].to_numpy(zero_copy_only=False) / 1000,
    })
    return frame, fields["line"].to_numpy(), bad



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
    text_frame, _, bad = _parse_text(raw, function)
    if bad:
        lines = raw.split(b"\n")
        malformed.extend((source, n + 1, lines[n].decode("utf-8", errors="replace").rstrip("\r")[:300]) for n in bad)
    frames.append(text_frame)
    if _JSON_MARK.encode() in raw:
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
        malformed.extend((source, numbers[n], texts[n][:300]) for n in bad)  # by event number in the document
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
