"""Traffic: how often each entry point of a stack is called, as arrival times to simulate.

An *entry point* is a wire that triggers a function from outside the functions themselves:
``rest_api -> function`` (a route), ``timer``, ``queue``, ``table`` (stream), ``stream``,
``topic``, ``object_store`` or ``load_balancer -> function``. Entries are named
``"Source->Function"``; a bare node id works when it names exactly one entry wire.

Profiles (each gives arrival times over a span of seconds):

* :func:`constant` -- Poisson arrivals at a constant rate;
* :func:`diurnal` -- Poisson arrivals whose rate follows the day (a cosine between trough and peak);
* :func:`bursty` -- a base rate plus bursts at random times;
* :func:`periodic` -- a fixed schedule (timers);
* :func:`trace` -- per-minute counts, e.g. a row of the Azure Functions 2019 trace
  (:func:`read_azure_trace`) or CloudWatch ``Invocations`` (:func:`from_cloudwatch`).

:class:`Traffic` maps entry names to profiles, and optionally to the seconds of work the target
function does per call through that entry. :meth:`Traffic.from_csv` reads the traffic file of
``stackerynb cost`` (format in :mod:`stackerynb.analysis.cli_cost`).
"""
from __future__ import annotations

import csv
import math
import re
from dataclasses import dataclass, field, replace
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Iterator, Mapping

import numpy as np
import pandas as pd

from stackerynb.errors import StackError

DAY = 86400.0
AZURE_ID_COLUMNS = ("HashOwner", "HashApp", "HashFunction", "Trigger")
AZURE_MINUTES = tuple(str(m) for m in range(1, 1441))


# ============================================================================ profiles
class Profile:
    """Arrival times of one entry point. Subclasses are small frozen dataclasses."""

    kind = "profile"

    def arrivals(self, seconds: float, rng: np.random.Generator) -> np.ndarray:
        """Sorted arrival times in [0, seconds)."""
        raise NotImplementedError

    def mean_rate(self) -> float:
        """Long-run calls per second."""
        raise NotImplementedError

    def scaled(self, factor: float) -> "Profile":
        """The same shape with ``factor`` times the traffic."""
        raise NotImplementedError


def _check_rate(name: str, value) -> float:
    try:
        value = float(value)
    except (TypeError, ValueError):
        raise StackError(f"{name} must be a number, got {value!r}") from None
    if not math.isfinite(value) or value < 0:
        raise StackError(f"{name} must be a finite number >= 0, got {value!r}")
    return value


def _poisson_times(rate: float, start: float, end: float, rng: np.random.Generator) -> np.ndarray:
    if rate <= 0 or end <= start:
        return np.empty(0)
    n = rng.poisson(rate * (end - start))
    return np.sort(rng.uniform(start, end, n))


@dataclass(frozen=True)
class Constant(Profile):
    """Poisson arrivals at ``rate`` per second."""

    rate: float
    kind = "constant"

    def arrivals(self, seconds, rng):
        return _poisson_times(self.rate, 0.0, seconds, rng)

    def mean_rate(self):
        return self.rate

    def scaled(self, factor):
        return replace(self, rate=self.rate * factor)


@dataclass(frozen=True)
class Diurnal(Profile):
    """Poisson arrivals with rate ``mean * (1 + a cos(2 pi (t - peak) / day))``, where ``a`` makes
    the peak ``peak_to_trough`` times the trough; time 0 is midnight."""

    mean: float
    peak_to_trough: float = 4.0
    peak_hour: float = 14.0
    kind = "diurnal"

    def rate_at(self, t: np.ndarray) -> np.ndarray:
        """Instantaneous rate (per second) at times ``t``."""
        a = (self.peak_to_trough - 1) / (self.peak_to_trough + 1)
        return self.mean * (1 + a * np.cos(2 * np.pi * (np.asarray(t) - self.peak_hour * 3600) / DAY))

    def arrivals(self, seconds, rng):
        a = (self.peak_to_trough - 1) / (self.peak_to_trough + 1)
        top = self.mean * (1 + a)
        times = _poisson_times(top, 0.0, seconds, rng)  # thinning
        return times[rng.uniform(0, top, times.size) < self.rate_at(times)]

    def mean_rate(self):
        return self.mean

    def scaled(self, factor):
        return replace(self, mean=self.mean * factor)


@dataclass(frozen=True)
class Bursty(Profile):
    """A base Poisson rate plus bursts: bursts start at random (on average every ``every``
    seconds), last ``length`` seconds and add ``burst_rate`` calls per second while they last."""

    rate: float
    burst_rate: float
    every: float
    length: float
    kind = "bursty"

    def arrivals(self, seconds, rng):
        parts = [_poisson_times(self.rate, 0.0, seconds, rng)]
        starts = _poisson_times(1.0 / self.every, 0.0, seconds, rng)
        if starts.size:
            n = rng.poisson(self.burst_rate * self.length, starts.size)
            burst = np.repeat(starts, n) + rng.uniform(0, self.length, n.sum())
            parts.append(burst[burst < seconds])
        return np.sort(np.concatenate(parts))

    def mean_rate(self):
        return self.rate + self.burst_rate * self.length / self.every

    def scaled(self, factor):
        return replace(self, rate=self.rate * factor, burst_rate=self.burst_rate * factor)


@dataclass(frozen=True)
class Periodic(Profile):
    """One call every ``every`` seconds, the first at ``offset`` (timers). Scaling leaves a
    schedule alone: timers fire on time whatever the user traffic."""

    every: float
    offset: float = 0.0
    kind = "periodic"

    def arrivals(self, seconds, rng):
        return np.arange(self.offset, seconds, self.every) if self.offset < seconds else np.empty(0)

    def mean_rate(self):
        return 1.0 / self.every

    def scaled(self, factor):
        return self


@dataclass(frozen=True)
class Trace(Profile):
    """Counts of calls per ``bin_seconds`` (60: the Azure trace and CloudWatch minutes). Calls fall
    uniformly at random inside their bin; a span longer than the trace repeats it. ``factor``
    scales counts (scaled counts are Poisson with the scaled mean)."""

    counts: tuple[float, ...]
    bin_seconds: float = 60.0
    factor: float = 1.0
    source: str = ""
    kind = "trace"

    def arrivals(self, seconds, rng):
        counts = np.asarray(self.counts, dtype=float)
        if counts.size == 0 or seconds <= 0:
            return np.empty(0)
        bins = int(math.ceil(seconds / self.bin_seconds))
        reps = np.resize(counts, bins)
        n = reps.astype(np.int64) if self.factor == 1.0 else rng.poisson(reps * self.factor)
        starts = np.arange(bins) * self.bin_seconds
        times = np.repeat(starts, n) + rng.uniform(0, self.bin_seconds, int(n.sum()))
        return np.sort(times[times < seconds])

    def mean_rate(self):
        counts = np.asarray(self.counts, dtype=float)
        return float(counts.mean() * self.factor / self.bin_seconds) if counts.size else 0.0

    def scaled(self, factor):
        return replace(self, factor=self.factor * factor)


@dataclass(frozen=True)
class NoTraffic(Profile):
    """No calls (an entry kept only for its duration, or switched off)."""

    kind = "none"

    def arrivals(self, seconds, rng):
        return np.empty(0)

    def mean_rate(self):
        return 0.0

    def scaled(self, factor):
        return self


def constant(rate_per_second: float) -> Constant:
    """Poisson arrivals at a constant rate."""
    return Constant(_check_rate("rate_per_second", rate_per_second))


def diurnal(rate_per_second: float, peak_to_trough: float = 4.0, peak_hour: float = 14.0) -> Diurnal:
    """Poisson arrivals averaging ``rate_per_second``, peaking at ``peak_hour`` (0-24) with a
    peak ``peak_to_trough`` times the trough (at the opposite hour)."""
    ratio = _check_rate("peak_to_trough", peak_to_trough)
    if ratio < 1:
        raise StackError(f"peak_to_trough must be >= 1, got {peak_to_trough!r}")
    hour = _check_rate("peak_hour", peak_hour)
    if hour > 24:
        raise StackError(f"peak_hour must be within 0..24, got {peak_hour!r}")
    return Diurnal(_check_rate("rate_per_second", rate_per_second), ratio, hour)


def bursty(rate_per_second: float, burst_rate_per_second: float, burst_every_s: float, burst_length_s: float) -> Bursty:
    """A base rate plus bursts of ``burst_rate_per_second`` extra calls lasting
    ``burst_length_s``, starting on average every ``burst_every_s`` seconds."""
    every = _check_rate("burst_every_s", burst_every_s)
    if every <= 0:
        raise StackError("burst_every_s must be > 0")
    return Bursty(_check_rate("rate_per_second", rate_per_second), _check_rate("burst_rate_per_second", burst_rate_per_second),
                  every, _check_rate("burst_length_s", burst_length_s))


def periodic(every_s: float, offset_s: float = 0.0) -> Periodic:
    """A call every ``every_s`` seconds starting at ``offset_s`` (a timer's schedule)."""
    every = _check_rate("every_s", every_s)
    if every <= 0:
        raise StackError("every_s must be > 0")
    return Periodic(every, _check_rate("offset_s", offset_s))


def trace(counts, bin_seconds: float = 60.0, source: str = "") -> Trace:
    """Calls per bin (default per minute), e.g. one function's row of the Azure trace."""
    arr = np.asarray(counts, dtype=float)
    if arr.ndim != 1 or not np.all(np.isfinite(arr)) or (arr < 0).any():
        raise StackError("trace counts must be a sequence of finite numbers >= 0")
    width = _check_rate("bin_seconds", bin_seconds)
    if width <= 0:
        raise StackError("bin_seconds must be > 0")
    return Trace(tuple(arr.tolist()), width, 1.0, source)


def none() -> NoTraffic:
    """No calls."""
    return NoTraffic()


_SCHEDULE_UNITS = {"minute": 60, "minutes": 60, "hour": 3600, "hours": 3600, "day": DAY, "days": DAY}


def from_schedule(expression: str) -> Periodic:
    """The profile of a timer's ``rate(N unit)`` or simple ``cron(M H * * ? *)`` schedule."""
    m = re.fullmatch(r"rate\((\d+) (\w+)\)", expression.strip())
    if m and m.group(2) in _SCHEDULE_UNITS:
        return periodic(int(m.group(1)) * _SCHEDULE_UNITS[m.group(2)])
    m = re.fullmatch(r"cron\((\S+) (\S+) (\S+) (\S+) (\S+) (\S+)\)", expression.strip())
    if m and all(f in ("*", "?") for f in m.groups()[2:]):
        minute, hour = m.group(1), m.group(2)
        step = re.fullmatch(r"(\d+)/(\d+)", minute)
        if minute.isdigit() and hour.isdigit():
            return periodic(DAY, int(hour) * 3600 + int(minute) * 60)
        if minute.isdigit() and hour == "*":
            return periodic(3600, int(minute) * 60)
        if step and hour == "*":
            return periodic(int(step.group(2)) * 60, int(step.group(1)) * 60)
    raise StackError(f"cannot turn schedule {expression!r} into traffic; give the timer's traffic explicitly")


# ============================================================================ traffic
@dataclass
class Traffic(Mapping[str, Profile]):
    """Entry name -> :class:`Profile`; ``durations`` maps entry names to the seconds of work the
    target function does per call through that entry (when known)."""

    profiles: dict[str, Profile] = field(default_factory=dict)
    durations: dict[str, float] = field(default_factory=dict)

    def __post_init__(self):
        for name, profile in self.profiles.items():
            if not isinstance(profile, Profile):
                raise StackError(f"traffic for {name!r} must be a profile (constant(...), diurnal(...), ...), "
                                 f"got {type(profile).__name__}")
        for name, seconds in self.durations.items():
            _check_rate(f"duration of {name!r}", seconds)

    def __getitem__(self, key: str) -> Profile:
        return self.profiles[key]

    def __iter__(self) -> Iterator[str]:
        return iter(self.profiles)

    def __len__(self) -> int:
        return len(self.profiles)

    def scaled(self, factor: float) -> "Traffic":
        """Every profile scaled by ``factor`` (schedules stay as they are)."""
        factor = _check_rate("factor", factor)
        return Traffic({k: p.scaled(factor) for k, p in self.profiles.items()}, dict(self.durations))

    def with_profiles(self, extra: Mapping[str, Profile]) -> "Traffic":
        """A copy with ``extra`` profiles added (existing names win)."""
        return Traffic({**extra, **self.profiles}, dict(self.durations))

    def rates(self) -> pd.Series:
        """Mean calls per second per entry."""
        return pd.Series({k: p.mean_rate() for k, p in self.profiles.items()}, name="rate_per_second", dtype=float)

    def invocations(self, seconds: float = DAY, seed: int = 0) -> pd.DataFrame:
        """Arrivals of every entry over ``seconds``: DataFrame ``entry`` (categorical), ``time``,
        sorted by time. The same seed gives the same arrivals."""
        seconds = _check_rate("seconds", seconds)
        rng = np.random.default_rng(seed)
        names = list(self.profiles)
        parts = [self.profiles[name].arrivals(seconds, rng) for name in names]
        codes = np.repeat(np.arange(len(names)), [p.size for p in parts])
        times = np.concatenate(parts) if parts else np.empty(0)
        order = np.argsort(times, kind="stable")
        return pd.DataFrame({"entry": pd.Categorical.from_codes(codes[order], names) if names else pd.Categorical([]),
                             "time": times[order]})

    # ------------------------------------------------------------------ importers
    @classmethod
    def from_csv(cls, path: str | Path) -> "Traffic":
        """Read a traffic file (format: :mod:`stackerynb.analysis.cli_cost`), or an Azure-format
        trace whose ``HashFunction`` column names the entries."""
        return read_traffic_csv(path)

    @classmethod
    def from_azure(cls, trace_file, entries: Mapping[str, str | None] | None = None,
                   durations_file=None) -> "Traffic":
        """Traffic from an Azure Functions 2019 trace: ``entries`` maps entry name -> HashFunction
        (None: the file's only row). Without ``entries``, each row's HashFunction is the entry name.
        ``durations_file`` (``function_durations_percentiles`` format) adds each function's
        average duration."""
        frame = read_azure_trace(trace_file)
        if entries is None:
            entries = {h: h for h in frame["HashFunction"]}
        profiles, durations = {}, {}
        durs = read_azure_durations(durations_file) if durations_file is not None else None
        for entry, fn in entries.items():
            row = azure_row(frame, fn, str(trace_file))
            profiles[entry] = trace(row[list(AZURE_MINUTES)].to_numpy(float), 60.0, f"{trace_file}:{row['HashFunction']}")
            if durs is not None and row["HashFunction"] in durs.index:
                durations[entry] = float(durs.loc[row["HashFunction"], "Average"]) / 1000.0
        return cls(profiles, durations)

    @classmethod
    def from_cloudwatch(cls, functions: Mapping[str, str], start: datetime, end: datetime, **kwargs) -> "Traffic":
        """Traffic replayed from a deployed stack's CloudWatch metrics; see :func:`from_cloudwatch`."""
        return from_cloudwatch(functions, start, end, **kwargs)


# ============================================================================ Azure trace
def _read_csv(source, what: str, text_columns=()) -> tuple[pd.DataFrame, str]:
    name = str(source) if not isinstance(source, pd.DataFrame) else "<DataFrame>"
    if isinstance(source, pd.DataFrame):
        return source.copy(), name
    try:
        return pd.read_csv(source, dtype={c: str for c in text_columns}, keep_default_na=False), name
    except FileNotFoundError:
        raise StackError(f"{what} {name} does not exist") from None
    except (pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError, ValueError) as exc:
        raise StackError(f"{name}: not a readable CSV {what}: {exc}") from None


def _numeric_block(frame: pd.DataFrame, columns, name: str, expect: str, whole: bool) -> np.ndarray:
    """The columns as one float array; the first bad cell is named by line and column."""
    block = frame[list(columns)]
    for i, col in enumerate(columns):  # pandas parsed clean numeric columns already
        if not pd.api.types.is_numeric_dtype(block[col]) or pd.api.types.is_bool_dtype(block[col]):
            parsed = pd.to_numeric(block[col], errors="coerce")
            if parsed.isna().any():
                r = int(np.flatnonzero(parsed.isna().to_numpy())[0])
                raise StackError(f"{name} line {r + 2}, column {col}: expected {expect}, got '{block[col].iat[r]}'")
    values = block.apply(pd.to_numeric).to_numpy(dtype=float) if any(
        not pd.api.types.is_numeric_dtype(block[c]) for c in columns) else block.to_numpy(dtype=float)
    bad = ~np.isfinite(values) | (values < 0)
    if whole:
        bad |= values % 1 != 0
    if bad.any():
        r, c = np.argwhere(bad)[0]
        raise StackError(f"{name} line {r + 2}, column {columns[c]}: expected {expect}, got '{block.iat[r, c]}'")
    return values


def read_azure_trace(source) -> pd.DataFrame:
    """Read and check an ``invocations_per_function_md.anon.dNN.csv`` file (or DataFrame):
    ``HashOwner,HashApp,HashFunction,Trigger,1..1440`` with whole, non-negative per-minute counts.
    Errors name the file, line and column."""
    frame, name = _read_csv(source, "Azure trace", AZURE_ID_COLUMNS)
    frame.columns = [str(c) for c in frame.columns]
    missing = [c for c in AZURE_ID_COLUMNS + AZURE_MINUTES if c not in frame.columns]
    if missing:
        shown = ", ".join(missing[:6]) + (f" and {len(missing) - 6} more" if len(missing) > 6 else "")
        raise StackError(f"{name}: not the Azure trace format (HashOwner,HashApp,HashFunction,Trigger,1..1440): "
                         f"missing column{'s' if len(missing) > 1 else ''} {shown}")
    values = _numeric_block(frame, AZURE_MINUTES, name, "a whole number of invocations >= 0", whole=True)
    empty = frame["HashFunction"].astype(str).str.strip() == ""
    if empty.any():
        raise StackError(f"{name} line {int(np.flatnonzero(empty.to_numpy())[0]) + 2}: HashFunction is empty")
    ids = frame[list(AZURE_ID_COLUMNS)].astype(str).reset_index(drop=True)
    counts = pd.DataFrame(values.astype(np.int64), columns=list(AZURE_MINUTES))
    return pd.concat([ids, counts], axis=1)


def azure_row(frame: pd.DataFrame, function: str | None, name: str = "trace") -> pd.Series:
    """The row of ``function`` (a HashFunction, or ``#N`` for the N-th row, or None when the
    trace holds one row). Several rows with one hash (same function under several triggers)
    are added up."""
    if function is None or function == "":
        if len(frame) != 1:
            raise StackError(f"{name} holds {len(frame)} functions: say which (trace_function)")
        return frame.iloc[0]
    if function.startswith("#") and function[1:].isdigit():
        i = int(function[1:])
        if not 1 <= i <= len(frame):
            raise StackError(f"{name} has {len(frame)} rows; there is no row {function}")
        return frame.iloc[i - 1]
    rows = frame[frame["HashFunction"] == function]
    if rows.empty:
        raise StackError(f"{name} has no function {function!r}")
    row = rows.iloc[0].copy()
    row[list(AZURE_MINUTES)] = rows[list(AZURE_MINUTES)].sum()
    return row


def read_azure_durations(source) -> pd.DataFrame:
    """Read a ``function_durations_percentiles.anon.dNN.csv`` file: indexed by HashFunction,
    with Average, Count, Minimum, Maximum and the percentile columns, in milliseconds."""
    frame, name = _read_csv(source, "Azure durations file", ("HashOwner", "HashApp", "HashFunction"))
    need = ["HashOwner", "HashApp", "HashFunction", "Average", "Count", "Minimum", "Maximum"]
    missing = [c for c in need if c not in frame.columns]
    if missing:
        raise StackError(f"{name}: not the Azure durations format: missing {', '.join(missing)}")
    numeric = [c for c in frame.columns if c not in ("HashOwner", "HashApp", "HashFunction")]
    values = _numeric_block(frame, numeric, name, "milliseconds >= 0", whole=False)
    return pd.DataFrame(values, columns=numeric, index=pd.Index(frame["HashFunction"].astype(str), name="HashFunction"))


# ============================================================================ traffic CSV
CSV_COLUMNS = ("entry", "profile", "rate_per_second", "peak_to_trough", "peak_hour", "burst_rate_per_second",
               "burst_every_s", "burst_length_s", "every_s", "offset_s", "trace", "trace_function", "duration_ms")
_PROFILE_PARAMS = {
    "constant": ("rate_per_second",),
    "diurnal": ("rate_per_second",),
    "bursty": ("rate_per_second", "burst_rate_per_second", "burst_every_s", "burst_length_s"),
    "periodic": ("every_s",),
    "azure": ("trace",),
    "none": (),
}


def read_traffic_csv(path: str | Path) -> Traffic:
    """Read a traffic CSV; errors name the file and line. See :mod:`stackerynb.analysis.cli_cost`."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise StackError(f"traffic file {path} does not exist") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise StackError(f"cannot read traffic file {path}: {exc}") from None
    lines = [l for l in text.splitlines()]
    header_line = next((i for i, l in enumerate(lines) if l.strip() and not l.lstrip().startswith("#")), None)
    if header_line is None:
        raise StackError(f"{path}: the traffic file is empty")
    header = next(csv.reader([lines[header_line]]))
    header = [h.strip() for h in header]
    if header[:4] == list(AZURE_ID_COLUMNS):
        return Traffic.from_azure(path)
    unknown = [h for h in header if h not in CSV_COLUMNS]
    if unknown:
        raise StackError(f"{path} line {header_line + 1}: unknown column{'s' if len(unknown) > 1 else ''} "
                         f"{', '.join(map(repr, unknown))}; columns: {', '.join(CSV_COLUMNS)}")
    for need in ("entry", "profile"):
        if need not in header:
            raise StackError(f"{path} line {header_line + 1}: the header lacks column {need!r}")
    profiles: dict[str, Profile] = {}
    durations: dict[str, float] = {}
    traces: dict[Path, pd.DataFrame] = {}
    for lineno, raw in enumerate(csv.reader(lines[header_line + 1:]), start=header_line + 2):
        if not raw or all(not c.strip() for c in raw) or raw[0].lstrip().startswith("#"):
            continue
        if len(raw) > len(header):
            raise StackError(f"{path} line {lineno}: {len(raw)} fields but the header has {len(header)}")
        row = {h: (raw[i].strip() if i < len(raw) else "") for i, h in enumerate(header)}
        where = f"{path} line {lineno}"
        entry, kind = row["entry"], row["profile"].lower()
        if not entry:
            raise StackError(f"{where}: entry is empty")
        if entry in profiles:
            raise StackError(f"{where}: entry {entry!r} appears twice")
        if kind not in _PROFILE_PARAMS:
            raise StackError(f"{where}: unknown profile {row['profile']!r}; choose from {', '.join(_PROFILE_PARAMS)}")
        for need in _PROFILE_PARAMS[kind]:
            if not row.get(need):
                raise StackError(f"{where}: a {kind} profile needs {need}")

        def num(col, default=None):
            value = row.get(col, "")
            if value == "":
                return default
            try:
                out = float(value)
            except ValueError:
                raise StackError(f"{where}, column {col}: expected a number, got {value!r}") from None
            if not math.isfinite(out) or out < 0:
                raise StackError(f"{where}, column {col}: expected a number >= 0, got {value!r}")
            return out

        try:
            if kind == "constant":
                profile = constant(num("rate_per_second"))
            elif kind == "diurnal":
                profile = diurnal(num("rate_per_second"), num("peak_to_trough", 4.0), num("peak_hour", 14.0))
            elif kind == "bursty":
                profile = bursty(num("rate_per_second"), num("burst_rate_per_second"), num("burst_every_s"), num("burst_length_s"))
            elif kind == "periodic":
                profile = periodic(num("every_s"), num("offset_s", 0.0))
            elif kind == "azure":
                tpath = (path.parent / row["trace"]).resolve()
                if tpath not in traces:
                    traces[tpath] = read_azure_trace(tpath)
                r = azure_row(traces[tpath], row.get("trace_function") or None, str(tpath))
                profile = trace(r[list(AZURE_MINUTES)].to_numpy(float), 60.0, f"{tpath.name}:{r['HashFunction']}")
            else:
                profile = none()
        except StackError as exc:
            raise StackError(f"{where}: {exc}") from None
        profiles[entry] = profile
        if (d := num("duration_ms")) is not None:
            durations[entry] = d / 1000.0
    return Traffic(profiles, durations)


# ============================================================================ CloudWatch
def from_cloudwatch(functions: Mapping[str, str], start: datetime, end: datetime, *, session=None,
                    client=None, region: str | None = None, period: int = 60) -> Traffic:
    """Traffic from a deployed stack: the ``AWS/Lambda`` ``Invocations`` sum per ``period``
    seconds of each deployed function between ``start`` and ``end``.

    ``functions`` maps entry names to deployed function names. Pass a boto3 ``client`` for
    CloudWatch, or a ``session`` (default: a new boto3 session). boto3 is imported only here.
    """
    if end <= start:
        raise StackError("from_cloudwatch: end must be after start")
    if period < 60 or period % 60:
        raise StackError("from_cloudwatch: period must be a multiple of 60 seconds")
    if client is None:
        import boto3  # noqa: PLC0415 - the core must not import boto3 at module import time

        client = (session or boto3.session.Session()).client("cloudwatch", region_name=region)
    start = start if start.tzinfo else start.replace(tzinfo=timezone.utc)
    end = end if end.tzinfo else end.replace(tzinfo=timezone.utc)
    bins = int(math.ceil((end - start).total_seconds() / period))
    names = list(functions)
    queries = [{"Id": f"m{i}", "MetricStat": {
        "Metric": {"Namespace": "AWS/Lambda", "MetricName": "Invocations",
                   "Dimensions": [{"Name": "FunctionName", "Value": functions[n]}]},
        "Period": period, "Stat": "Sum"}, "ReturnData": True} for i, n in enumerate(names)]
    counts = {n: np.zeros(bins) for n in names}
    for batch in range(0, len(queries), 500):  # GetMetricData takes at most 500 queries
        token = None
        while True:
            kwargs: dict[str, Any] = {"MetricDataQueries": queries[batch:batch + 500], "StartTime": start,
                                      "EndTime": end, "ScanBy": "TimestampAscending"}
            if token:
                kwargs["NextToken"] = token
            try:
                reply = client.get_metric_data(**kwargs)
            except Exception as exc:  # botocore errors: credentials, throttling, permissions
                raise StackError(f"CloudWatch GetMetricData failed: {exc}") from None
            for result in reply.get("MetricDataResults", []):
                name = names[int(result["Id"][1:])]
                for ts, value in zip(result.get("Timestamps", []), result.get("Values", [])):
                    ts = ts if ts.tzinfo else ts.replace(tzinfo=timezone.utc)
                    b = int((ts - start).total_seconds() // period)
                    if 0 <= b < bins:
                        counts[name][b] += value
            token = reply.get("NextToken")
            if not token:
                break
    return Traffic({n: trace(counts[n], float(period), f"cloudwatch:{functions[n]}") for n in names})
