"""Lambda REPORT lines straight from an account: CloudWatch Logs ``FilterLogEvents``, paginated.

boto3 is imported inside :func:`fetch_lambda_reports` only, so the analysis layer stays free of
the AWS SDK until a fetch is asked for.
"""
from __future__ import annotations

import io
import json
from datetime import datetime, timezone
from typing import Iterable

import pandas as pd

from stackerynb.errors import StackError


def _millis(when, name: str) -> int:
    if isinstance(when, (int, float)) and not isinstance(when, bool):
        return int(when)
    if isinstance(when, str):
        when = pd.Timestamp(when).to_pydatetime()
    if not isinstance(when, datetime):
        raise StackError(f"fetch_lambda_reports: {name} must be a datetime, an ISO time or epoch milliseconds, got {when!r}")
    when = when if when.tzinfo else when.replace(tzinfo=timezone.utc)
    return int(when.timestamp() * 1000)


def fetch_lambda_reports(functions: Iterable[str] | str, start, end, *, client=None, session=None,
                         region: str | None = None, endpoint_url: str | None = None,
                         progress: bool = True, page_size: int | None = None) -> pd.DataFrame:
    """REPORT lines of deployed functions between ``start`` and ``end`` as the invocations
    DataFrame of :func:`~stackerynb.analysis.read_lambda_reports` (same columns and
    ``attrs["malformed"]``).

    ``functions``: function names (log groups ``/aws/lambda/NAME``) or full log group names.
    Pages through ``FilterLogEvents`` (filter ``"REPORT RequestId"``, and ``platform.report``
    records of the JSON log format), showing a progress bar of events read. Pass a boto3
    CloudWatch Logs ``client``, or a ``session``/``region``/``endpoint_url``; ``page_size``
    caps the events per page (the service's default otherwise).
    """
    from stackerynb.analysis.logs import read_lambda_reports

    names = [functions] if isinstance(functions, str) else list(functions)
    if not names:
        raise StackError("fetch_lambda_reports: name at least one function")
    lo, hi = _millis(start, "start"), _millis(end, "end")
    if hi <= lo:
        raise StackError("fetch_lambda_reports: end must be after start")
    if client is None:
        import boto3  # noqa: PLC0415 - the analysis layer must not import boto3 at module import

        client = (session or boto3.session.Session()).client("logs", region_name=region, endpoint_url=endpoint_url)
    bar = None
    if progress:
        from tqdm.auto import tqdm

        bar = tqdm(desc="REPORT lines", unit=" events")
    frames = []
    try:
        for name in names:
            group = name if name.startswith("/") else f"/aws/lambda/{name}"
            function = group.rsplit("/", 1)[-1]
            events = []
            kwargs = {"logGroupName": group, "startTime": lo, "endTime": hi,
                      "filterPattern": '?"REPORT RequestId" ?"platform.report"'}
            if page_size:
                kwargs["limit"] = int(page_size)
            while True:
                try:
                    reply = client.filter_log_events(**kwargs)
                except Exception as exc:  # botocore: missing group, credentials, throttling
                    raise StackError(f"CloudWatch Logs FilterLogEvents on {group} failed: {exc}") from None
                page = reply.get("events", [])
                events += page
                if bar is not None:
                    bar.update(len(page))
                token = reply.get("nextToken")
                if not token or token == kwargs.get("nextToken"):
                    break
                kwargs["nextToken"] = token
            doc = io.StringIO(json.dumps({"events": events}))
            doc.name = group
            frames.append(read_lambda_reports(doc, function=function))
    finally:
        if bar is not None:
            bar.close()
    malformed = [m for f in frames for m in f.attrs["malformed"]]
    for f in frames:
        f.attrs.clear()
    out = pd.concat(frames, ignore_index=True)
    # times from the earliest arrival over all functions (each frame started at its own zero)
    busy = out["duration"] + out["init_duration"].fillna(0)
    arrival = out["timestamp"] - pd.to_timedelta(busy, unit="s")
    out["time"] = (arrival - arrival.min()).dt.total_seconds()
    out["function"] = out["function"].astype(str).astype("category")
    out = out.sort_values("time", kind="stable").reset_index(drop=True)
    out.attrs["malformed"] = malformed
    out.attrs["files"] = [f"/aws/lambda/{n}" if not n.startswith("/") else n for n in names]
    return out
