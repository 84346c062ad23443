"""Lambda's text REPORT lines, read in bulk: numpy byte operations, no Python step per line.

A buffer is read in chunks of a few MB (the working set stays in cache). In each chunk one pass
finds the control bytes (tabs, newlines) and one the ``P`` of every ``REPORT RequestId``; the
report lines are then read in **Lambda's own layout**, all lines of the chunk at once::

    [STAMP [GROUP] ]REPORT RequestId: ID<TAB>Duration: 12.34 ms<TAB>Billed Duration: 13 ms<TAB>
    Memory Size: 128 MB<TAB>Max Memory Used: 70 MB<TAB>[Init Duration: 123.45 ms<TAB>][CR]LF

Tabs bound the fields, each field's prefix and unit are compared as 8-byte words, and its digits
become a number eight at a time (SWAR: masks, shifts and multiplies on a 64-bit word). The numbers
are exact: ``d.dd`` becomes ``ddd / 100``, one correctly rounded division, the double a decimal
parser gives. Timestamps, request ids and log groups are cut out as fixed-width rows
(``as_strided``) and handed to Arrow (a timestamp cast, strings, a dictionary of groups).

Any line not exactly in that layout (spaces for tabs, fields in another order or missing, another
number format, a timestamp of a fifth width...) goes on its own to the tolerant pattern
(:data:`TOLERANT`, RE2 through Arrow's ``extract_regex``), which decides what it is: a report, or a
malformed line, kept with its number. The layout is a subset of what the pattern reads, and both
give the same values for a line in it (the tests hold them to that).
"""
from __future__ import annotations

import numpy as np

REPORT_MARK = "REPORT RequestId"
JSON_MARK = '"platform.report"'
# The tolerant layout: a line may carry the export's timestamp and the log group before Lambda's
# message (either may be absent); spaces or tabs between fields.
TOLERANT = (
    r"^(?:(?P<stamp>\d{4}-\d\d-\d\dT[^ \t\n]*)[ \t]+)?(?:(?P<group>[^ \t\n]+)[ \t]+)?REPORT RequestId:[ \t]*"
    r"(?P<rid>[^ \t\n]+)[ \t]+Duration:[ \t]*(?P<dur>\d+(?:\.\d*)?) ms[ \t]+Billed Duration:[ \t]*(?P<billed>\d+) ms"
    r"[ \t]+Memory Size:[ \t]*(?P<mem>\d+) MB[ \t]+Max Memory Used:[ \t]*(?P<used>\d+) MB"
    r"(?:[ \t]+Init Duration:[ \t]*(?P<init>\d+(?:\.\d*)?) ms)?(?:\s|$)")
CHUNK = 1 << 22  # bytes per vectorised step
NUMBERS = ("dur", "billed", "mem", "used", "init")
_INT_DIGITS = 18  # a longer integer does not fit int64: the line is malformed, not a crash
_MAX_GROUP = 256  # wider log groups are read by the tolerant pattern
_STAMP_WIDTHS = 4  # timestamp widths tried per chunk before the rest goes to the tolerant pattern

# Lambda's fields after the request id, in order: (key, prefix, unit, digits after the point)
_LAYOUT = (("dur", b"Duration: ", b" ms\t", 2), ("billed", b"Billed Duration: ", b" ms\t", 0),
           ("mem", b"Memory Size: ", b" MB\t", 0), ("used", b"Max Memory Used: ", b" MB\t", 0))
_INIT = ("init", b"Init Duration: ", b" ms\t", 2)
_U64 = np.uint64
_LO, _HI, _ZEROS, _SIXES = (_U64(0x0F0F0F0F0F0F0F0F), _U64(0xF0F0F0F0F0F0F0F0), _U64(0x3030303030303030),
                            _U64(0x0606060606060606))


def _word(text: bytes) -> int:
    return int.from_bytes(text, "little")


def _byte_mask(positions) -> int:
    return sum(0xFF << (8 * i) for i in positions)


_ALL = 0xFFFFFFFFFFFFFFFF
# the 8-byte masks keeping the last (high) or first (low) c bytes of a word, c = 0..8 (9: none)
_KEEP_LAST = np.array([(_ALL << (8 * (8 - c))) & _ALL if c else 0 for c in range(9)] + [0], np.uint64)
_KEEP_FIRST = np.array([(1 << (8 * c)) - 1 for c in range(9)] + [0], np.uint64)
_SPACES = _U64(0x2020202020202020)
_SEVENS, _EIGHTS = _U64(0x7F7F7F7F7F7F7F7F), _U64(0x8080808080808080)
# an ISO date's first eleven bytes, YYYY-MM-DDT: digits, and '-', '-', 'T' where they belong
_DATE = (_U64(_byte_mask((0, 1, 2, 3, 5, 6))), _U64(_byte_mask((4, 7))), _U64(_word(b"\0\0\0\0-\0\0-")),
         _U64(_byte_mask((0, 1))), _U64(_byte_mask((2,))), _U64(_word(b"\0\0T")))


class _Chunk:
    """The bytes ``raw[pos:end]`` (``b``), and gathers of fixed-width rows at many offsets at once
    (a numpy gather of void items, as fast for 32 bytes as for one). Rows may run past the chunk
    into the rest of the buffer, never past its end (``room``)."""

    def __init__(self, raw: bytes, pos: int, end: int):
        self.raw, self.pos, self.n, self.room = raw, pos, end - pos, len(raw) - pos
        self.b = np.frombuffer(raw, np.uint8, self.n, pos)
        self._views: dict = {}

    def rows(self, at: np.ndarray, width: int) -> np.ndarray:
        """The ``width`` bytes from each offset of ``at`` (``at + width <= room``), a row each."""
        view = self._views.get(width)
        if view is None:
            view = self._views[width] = np.ndarray((max(self.room - width + 1, 0),), f"V{width}", self.raw,
                                                   self.pos, (1,))
        return view[at].view(np.uint8).reshape(len(at), width)

    def words(self, at: np.ndarray, width: int) -> np.ndarray:
        """:meth:`rows` as little-endian 8-byte words (``width`` a multiple of 8), offsets clipped
        into the buffer (the caller rejects the rows that were clipped)."""
        at = np.clip(at, 0, max(self.room - width, 0))
        if self.room < width:
            return np.zeros((len(at), width // 8), np.uint64)
        return self.rows(at, width).view(np.uint64)


def _col(G: np.ndarray, col: int, size: int = 8) -> np.ndarray:
    """Bytes ``col .. col + size`` (``size`` <= 8) of each row of the word matrix ``G``, as an integer."""
    q, r = divmod(col, 8)
    w = G[:, q] >> _U64(8 * r) if r else G[:, q]
    if r and r + size > 8:
        w = w | (G[:, q + 1] << _U64(64 - 8 * r))
    if size < 8:
        w = w & _U64((1 << (8 * size)) - 1)
    return w


def _is(G: np.ndarray, col: int, text: bytes) -> np.ndarray:
    """Whether each row of ``G`` holds ``text`` at byte ``col``."""
    ok = _col(G, col, min(len(text), 8)) == _word(text[:8])
    for j in range(8, len(text), 8):
        ok &= _col(G, col + j, min(len(text) - j, 8)) == _word(text[j:j + 8])
    return ok


def _no_space(word: np.ndarray, keep) -> np.ndarray:
    """Whether no byte of ``word`` that ``keep`` keeps is a space."""
    x = word ^ _SPACES
    nonzero = (((x & _SEVENS) + _SEVENS) | x) & _EIGHTS  # 0x80 in each byte that is not a space
    keep = keep & _EIGHTS
    return (nonzero & keep) == keep


def _digits(word: np.ndarray, count) -> tuple[np.ndarray, np.ndarray]:
    """The number written by the last ``count`` (1 to 8) bytes of each 8-byte word, and whether
    those bytes are all decimal digits."""
    if isinstance(count, int):
        keep, fits = _U64(_KEEP_LAST[count]), True
    else:
        keep = _KEEP_LAST[np.clip(count, 0, 9)]
        fits = (count >= 1) & (count <= 8)
    t = word & keep
    d = t & _LO
    ok = fits & ((t & _HI) == (keep & _ZEROS)) & (((d + _SIXES) & _HI) == 0)
    # the most significant digit sits in the lowest byte: pairs, then fours, then all eight
    d = (d * _U64(2561)) >> _U64(8)
    d = ((d & _U64(0x00FF00FF00FF00FF)) * _U64(6553601)) >> _U64(16)
    d = ((d & _U64(0x0000FFFF0000FFFF)) * _U64(42949672960001)) >> _U64(32)
    return d.astype(np.int64), ok


def _decimal(G: np.ndarray, count: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The ``d.dd`` number of rows that hold its whole part right-aligned in bytes 0-7 (``count``
    digits), then the point and two decimals: ``ddd / 100``, correctly rounded as a parser would."""
    whole, ok = _digits(G[:, 0], count)
    cents, ok2 = _digits(_col(G, 3), 2)  # bytes 3-10: the last two are the decimals
    return (whole * 100 + cents) / 100.0, ok & ok2 & (_col(G, 8, 1) == ord("."))


def _fixed_strings(rows: np.ndarray):
    """Arrow strings of the rows of a 2-d uint8 array (one copy-free view)."""
    import pyarrow as pa

    n, width = rows.shape
    rows = np.ascontiguousarray(rows)
    offsets = np.arange(0, n * width + 1, width, dtype=np.int64)
    return pa.Array.from_buffers(pa.large_string(), n, [None, pa.py_buffer(offsets), pa.py_buffer(rows)])


def _spans(c: _Chunk, start: np.ndarray, end: np.ndarray):
    """Arrow strings of the chunk's bytes ``[start[i], end[i])``, spans in order and apart: one
    copy of the selected bytes, through a copy-free array whose every other element is a gap."""
    import pyarrow as pa

    n = len(start)
    if n and (end - start == end[0] - start[0]).all() and end[0] > start[0]:
        return _fixed_strings(c.rows(start, int(end[0] - start[0])))
    offsets = np.empty(2 * n + 1, np.int64)
    offsets[0:-1:2], offsets[1:-1:2] = start + c.pos, end + c.pos
    offsets[-1] = offsets[-2] if n else c.pos
    spans = pa.Array.from_buffers(pa.large_string(), 2 * n, [None, pa.py_buffer(offsets), pa.py_buffer(c.raw)])
    return spans.take(pa.array(np.arange(0, 2 * n, 2)))


def stamp_ns(stamps) -> np.ndarray:
    """ISO timestamps (Arrow strings, nulls allowed) as datetime64[ns] UTC values (NaT where absent
    or unreadable)."""
    import pandas as pd
    import pyarrow as pa

    try:
        return stamps.cast(pa.timestamp("ns", "UTC")).to_numpy(zero_copy_only=False).astype("datetime64[ns]")
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
        return pd.to_datetime(pd.Series(stamps.to_pylist(), dtype=object), utc=True, format="ISO8601",
                              errors="coerce").dt.tz_localize(None).to_numpy().astype("datetime64[ns]")


def _all_digits(word: np.ndarray, keep) -> np.ndarray:
    """Whether every byte of ``word`` that ``keep`` keeps is a decimal digit."""
    t = word & keep
    return ((t & _HI) == (keep & _ZEROS)) & ((((t & _LO) + _SIXES) & _HI) == 0)


def _stamped(c: _Chunk, ls: np.ndarray, occ: np.ndarray, width: int) -> np.ndarray:
    """Whether each line starts with an ISO timestamp ``width`` bytes wide and a space, then the
    mark (no log group) or a log group and a space (no control byte before the mark: known)."""
    G = c.words(ls, -(-(width + 1) // 8) * 8)
    digits, dashes, dash_text, digits2, tee, tee_text = _DATE
    first, second = G[:, 0], _col(G, 8, 3)
    ok = (occ > ls + width) & _all_digits(first, digits) & ((first & dashes) == dash_text) \
        & _all_digits(second, digits2) & ((second & tee) == tee_text)
    for j in range(0, width, 8):
        ok &= _no_space(G[:, j // 8], _KEEP_FIRST[min(width - j, 8)])
    ok &= _col(G, width, 1) == 32
    return ok & ((occ == ls + width + 1) | ((occ > ls + width + 2) & (c.b[np.maximum(occ - 1, 0)] == 32)))


def _lambda_layout(c: _Chunk, D: np.ndarray, K: np.ndarray, occ: np.ndarray, colon: np.ndarray,
                   ls: np.ndarray, le: np.ndarray):
    """Fields of the report lines (mark at ``occ``, start ``ls``, end ``le``) that are in Lambda's
    own layout, and the mask of those lines. ``D``: offsets of the chunk's control bytes and ``K``
    the bytes, both padded with 8 newlines at the chunk's end; ``colon``: ": " follows the mark."""
    import pyarrow as pa
    import pyarrow.compute as pc

    m = len(occ)
    k = np.searchsorted(D, occ)  # the first control byte after the mark: the tab after the request id
    T = np.ndarray((len(D) - 6,), "V56", D, 0, (8,))[k].view(np.int64).reshape(m, 7)
    kinds = np.ndarray((len(K) - 7,), "V8", K, 0, (1,))[k].view(np.uint64)
    t0, t1, t2, t3, t4, t5, t6 = (T[:, i] for i in range(7))
    # no control byte before the mark on its line; then five tabs and the line's end, or six
    ok = colon & (np.where(k > 0, D[np.maximum(k - 1, 0)], -1) < ls) & (t0 > occ + 18)
    cold = ((kinds & _U64(0xFFFFFFFFFFFF)) == _U64(0x090909090909)) & (t6 == le)
    ok &= cold | (((kinds & _U64(0xFFFFFFFFFF)) == _U64(0x0909090909)) & (t5 == le))
    last = np.where(cold, t5, t4)
    ok &= (last + 1 == le) | ((last + 2 == le) & (c.b[np.minimum(last + 1, c.n - 1)] == 13))
    ok &= t4 + 21 <= c.room  # the widest row read below stays in the buffer
    # each field's digits end 3 bytes before its tab; one row from there holds the digits, the
    # unit, the tab and the next field's name
    G = c.words(t0, 16)
    ok &= _is(G, 0, b"\tDuration: ")
    G = c.words(t1 - 14, 32)
    dur, fine = _decimal(G, t1 - 3 - 3 - (t0 + 11))
    ok &= fine & _is(G, 11, b" ms\tBilled Duration: ")
    out = {"dur": dur}
    for key, tab, before, name in (("billed", t2, t1 + 18, b" ms\tMemory Size: "),
                                   ("mem", t3, t2 + 14, b" MB\tMax Memory Used: "),
                                   ("used", t4, t3 + 18, b" MB\tInit Duration: ")):
        G = c.words(tab - 11, 32)
        out[key], fine = _digits(G[:, 0], tab - 3 - before)
        ok &= fine & _is(G, 8, name if key != "used" else name[:4])
        if key == "used":
            ok &= ~cold | _is(G, 12, name[4:])
    init = np.full(m, np.nan)
    hot = np.flatnonzero(cold & ok)
    if len(hot):
        G = c.words(t5[hot] - 14, 16)
        value, fine = _decimal(G, t5[hot] - 6 - (t4[hot] + 16))
        ok[hot] &= fine & _is(G, 11, b" ms\t") & (t5[hot] + 2 <= c.room)
        init[hot] = value
    out["init"] = init
    # the head: nothing, or an ISO timestamp (of one of the chunk's few widths), then a log group or not
    width = np.zeros(m, np.int64)
    todo = ok & (occ > ls)
    for _ in range(_STAMP_WIDTHS):
        cand = np.flatnonzero(todo)
        if not len(cand):
            break
        space = c.raw.find(b" ", c.pos + ls[cand[0]], c.pos + occ[cand[0]])
        w = space - c.pos - ls[cand[0]] if space >= 0 else 0
        todo[cand[0]] = False
        if 11 <= w <= 40:
            hit = cand[_stamped(c, ls[cand], occ[cand], w)]
            todo[hit], width[hit] = False, w
    ok &= (occ == ls) | (width > 0)
    gstart = ls + width + (width > 0)
    gend = np.where(occ > gstart, occ - 1, gstart)
    ok &= gend - gstart <= _MAX_GROUP
    where = np.flatnonzero(ok)
    if not len(where):
        return None, ok
    out = {key: value[where] for key, value in out.items()}
    groups = _spans(c, gstart[where], gend[where]).dictionary_encode()
    names = groups.dictionary.to_pylist()
    codes = groups.indices.to_numpy().astype(np.int32)
    lookup = np.array([i if name else -1 for i, name in enumerate(names)], np.int32)
    plain = np.array([" " not in name for name in names])[codes]
    codes = lookup[codes]
    start, stop = occ[where] + 18, t0[where]
    size = int(stop[0] - start[0])
    if (stop - start == size).all():
        rows = c.rows(start, size)
        rid = _fixed_strings(rows)
        if np.count_nonzero(rows == 32):
            plain &= ~(rows == 32).any(axis=1)
    else:
        rid = _spans(c, start, stop)
        plain &= ~pc.match_substring(rid, " ").to_numpy(zero_copy_only=False)
    # a space in the request id or in the group: not Lambda's layout (the tolerant pattern decides)
    if not plain.all():
        ok[where[~plain]] = False
        where, codes, rid = where[plain], codes[plain], rid.filter(pa.array(plain))
        out = {key: value[plain] for key, value in out.items()}
        if not len(where):
            return None, ok
    stamps = np.full(len(where), np.datetime64("NaT"), "datetime64[ns]")
    for w in np.unique(width[where]):
        if w:
            rows = np.flatnonzero(width[where] == w)
            stamps[rows] = stamp_ns(_fixed_strings(c.rows(ls[where[rows]], int(w))))
    out.update(stamp=stamps, group=codes, groups=names, rid=rid)
    return out, ok


def _tolerant(lines) -> tuple[dict, np.ndarray]:
    """Fields of the report lines ``lines`` (Arrow strings) by :data:`TOLERANT`, and the mask of
    the lines it reads."""
    import pyarrow as pa
    import pyarrow.compute as pc

    st = pc.extract_regex(lines, TOLERANT)
    ok = st.is_valid()
    blank = lambda a: pc.if_else(pc.equal(a, ""), None, a)  # noqa: E731 - an absent optional group
    text = {key: blank(st.field(key)) for key in NUMBERS}
    for key in ("billed", "mem", "used"):  # too many digits for int64: malformed
        ok = pc.and_(ok, pc.fill_null(pc.less_equal(pc.utf8_length(text[key]), _INT_DIGITS), True))
    keep = pc.fill_null(ok, False)
    out = {key: pc.cast(text[key].filter(keep), pa.float64() if key in ("dur", "init") else pa.int64())
           .to_numpy(zero_copy_only=False) for key in NUMBERS}
    groups = blank(st.field("group")).filter(keep).dictionary_encode()
    out.update(stamp=stamp_ns(blank(st.field("stamp")).filter(keep)), rid=st.field("rid").filter(keep),
               group=groups.indices.fill_null(-1).to_numpy(zero_copy_only=False).astype(np.int32),
               groups=groups.dictionary.to_pylist())
    return out, keep.to_numpy(zero_copy_only=False)


_MARK_WORDS = (_U64(_word(b"REPORT R")), _U64(_word(b"equestId")))


def _scan(c: _Chunk):
    """One pass over the chunk: the offsets of its control bytes (tabs, newlines...) and those
    bytes, and the offsets of every ``REPORT RequestId`` (found by its ``P``), with whether ": "
    follows each."""
    hits = np.flatnonzero((c.b <= 10) | (c.b == ord("P")))
    kind = c.b[hits]
    control = kind != ord("P")
    at = hits[~control] - 2
    at = at[(at >= 0) & (at + 16 <= c.n)]
    G = c.words(at, 24)
    mark = (G[:, 0] == _MARK_WORDS[0]) & (G[:, 1] == _MARK_WORDS[1])
    colon = (G[:, 2] & _U64(0xFFFF)) == _word(b": ")
    for i in np.flatnonzero(at + 24 > c.room):  # too near the buffer's end for a row: by hand
        where = c.pos + int(at[i])
        mark[i] = c.raw.startswith(REPORT_MARK.encode(), where)
        colon[i] = c.raw.startswith(b": ", where + 16)
    return hits[control], kind[control], at[mark], colon[mark]


def _chunk_reports(c: _Chunk, first_line: int, fast: bool, has_json: bool):
    """The chunk's report lines: fields (``line`` 0-based in the buffer; ``None`` when none), the
    malformed ones as ``(0-based line, bytes)``, and the chunk's number of lines."""
    import pyarrow as pa
    import pyarrow.compute as pc

    D, K, occ, colon = _scan(c)
    NL = D[K == 10]
    n_lines = len(NL) + (1 if c.n and c.b[-1] != 10 else 0)
    if not len(occ):
        return None, [], n_lines
    line = np.searchsorted(NL, occ)
    first = np.ones(len(occ), bool)
    first[1:] = line[1:] != line[:-1]  # a line with the mark twice is one line (never in the layout)
    occ, colon, line = occ[first], colon[first], line[first]
    NLp = np.append(NL, c.n)
    ls = np.where(line > 0, NLp[np.maximum(line - 1, 0)] + 1, 0)
    le = NLp[line]
    if has_json and c.raw.find(JSON_MARK.encode(), c.pos, c.pos + c.n) >= 0:
        # lines holding platform.report records are read as JSON
        text = ~pc.match_substring(_spans(c, ls, le), JSON_MARK).to_numpy(zero_copy_only=False)
        occ, colon, line, ls, le = occ[text], colon[text], line[text], ls[text], le[text]
    fields, ok = None, np.zeros(len(occ), bool)
    if fast and len(occ):
        D = np.concatenate((D, np.full(8, c.n, D.dtype)))
        K = np.concatenate((K, np.full(8, 10, K.dtype)))
        fields, ok = _lambda_layout(c, D, K, occ, colon, ls, le)
    if fields is not None:
        fields["line"] = line[ok]
    bad = []
    other = np.flatnonzero(~ok)
    if len(other):
        lines = _spans(c, ls[other], np.minimum(le[other] + 1, c.n))  # with its newline, as the pattern expects
        more, read = _tolerant(lines)
        more["line"] = line[other][read]
        missed = np.flatnonzero(~read)
        if len(missed):
            # a JSON line that merely mentions a report is not a malformed report line
            json = pc.starts_with(pc.utf8_ltrim_whitespace(lines.take(pa.array(missed))), "{").to_pylist()
            bad = [(first_line + int(line[other[i]]), c.raw[c.pos + ls[other[i]]:c.pos + le[other[i]]])
                   for i, is_json in zip(missed, json) if not is_json]
        fields = _merge([fields, more]) if fields is not None else more
    if fields is None or not len(fields["line"]):
        return None, bad, n_lines
    fields["line"] = fields["line"] + first_line
    return fields, bad, n_lines


def _merge(pieces: list[dict], order: bool = True) -> dict:
    """Sets of fields as one (rows in line order when ``order``), group codes into one list of names."""
    import pyarrow as pa

    names: dict[str, int] = {}
    codes = []
    for p in pieces:
        remap = np.array([names.setdefault(g, len(names)) for g in p["groups"]] + [-1], np.int32)
        codes.append(remap[p["group"]])  # -1 (no group) picks the appended -1
    out = {key: np.concatenate([p[key] for p in pieces]) for key in (*NUMBERS, "stamp", "line")}
    out["group"], out["groups"] = np.concatenate(codes), list(names)
    rids = [p["rid"] for p in pieces]
    out["rid"] = pa.chunked_array([part.cast(pa.large_string()) for r in rids for part in getattr(r, "chunks", [r])],
                                  pa.large_string())
    if order and (np.diff(out["line"]) < 0).any():
        sort = np.argsort(out["line"], kind="stable")
        out = {key: (value[sort] if isinstance(value, np.ndarray) else value) for key, value in out.items()}
        out["rid"] = out["rid"].take(pa.array(sort))
    return out


def merge_fields(pieces: list[dict]) -> dict:
    """The fields of consecutive parts of a log (from :func:`parse_report_lines`) as one."""
    return _merge(pieces, order=False)


def parse_report_lines(raw: bytes, *, first_line: int = 0, fast: bool = True, has_json: bool | None = None,
                       length: int | None = None):
    """The text-format report lines of ``raw`` (valid UTF-8), in line order: a dict of fields, or
    ``None`` when there is none; the malformed report lines as ``(0-based line, bytes)``; and the
    number of lines of ``raw``. Line numbers start at ``first_line``.

    Fields: ``stamp`` (datetime64[ns], NaT when absent), ``group`` (codes into the list
    ``groups`` of log-group names, -1 when absent), ``rid`` (Arrow strings), ``dur``, ``billed``,
    ``mem``, ``used``, ``init`` (numbers as written; ``init`` NaN when warm), ``line`` (0-based).
    ``fast=False`` reads every line with the tolerant pattern alone (what the tests compare with);
    ``has_json``: whether ``raw`` holds a ``"platform.report"`` (looked for when not said).
    ``length``: read ``raw[:length]`` only; the bytes after it are padding the row gathers may read
    (without, the last lines of ``raw`` are left to the pattern).
    """
    length = len(raw) if length is None else length
    if has_json is None:
        has_json = raw.find(b'"', 0, length) >= 0 and raw.find(JSON_MARK.encode(), 0, length) >= 0
    pieces, bad = [], []
    pos, line = 0, first_line
    while pos < length:
        end = length if pos + CHUNK >= length else raw.rfind(b"\n", pos, pos + CHUNK) + 1
        if end <= pos:  # a line longer than a chunk
            nl = raw.find(b"\n", pos + CHUNK, length)
            end = length if nl < 0 else nl + 1
        fields, more, n_lines = _chunk_reports(_Chunk(raw, pos, end), line, fast, has_json)
        if fields is not None:
            pieces.append(fields)
        bad += more
        line += n_lines
        pos = end
    return (merge_fields(pieces) if pieces else None), bad, line - first_line
