"""fetch_lambda_reports pages through a real moto server's CloudWatch Logs over HTTP."""
import time

import pytest

from stackerynb.errors import StackError


@pytest.fixture
def logs_client(emulator):
    import boto3
    return boto3.client("logs", region_name="us-east-1", endpoint_url=emulator,
                        aws_access_key_id="testing", aws_secret_access_key="testing")


def _put(client, function, now, n, cold_every=40):
    group = f"/aws/lambda/{function}"
    client.create_log_group(logGroupName=group)
    client.create_log_stream(logGroupName=group, logStreamName="2026/10/01/[$LATEST]abc")
    events = []
    for i in range(n):
        init = "Init Duration: 250.00 ms\t" if i % cold_every == 0 else ""
        events.append({"timestamp": now + i * 1000 - 1, "message": f"START RequestId: {function}-{i} Version: $LATEST"})
        events.append({"timestamp": now + i * 1000, "message": (
            f"REPORT RequestId: {function}-{i}\tDuration: 12.50 ms\tBilled Duration: 13 ms\t"
            f"Memory Size: 256 MB\tMax Memory Used: 60 MB\t{init}")})
    client.put_log_events(logGroupName=group, logStreamName="2026/10/01/[$LATEST]abc", logEvents=events)


def test_fetch_pages_through_every_report_of_each_function(logs_client):
    from stackerynb.analysis import fetch_lambda_reports

    now = int(time.time() * 1000) - 3_600_000
    _put(logs_client, "FetchA", now, 130)
    _put(logs_client, "FetchB", now + 500, 70)
    df = fetch_lambda_reports(["FetchA", "/aws/lambda/FetchB"], now - 10_000, now + 10**6, client=logs_client,
                              page_size=25, progress=False)
    assert df.groupby("function", observed=True).size().to_dict() == {"FetchA": 130, "FetchB": 70}
    assert df.groupby("function", observed=True)["cold"].sum().to_dict() == {"FetchA": 4, "FetchB": 2}
    assert df["request_id"].nunique() == 200 and not df.attrs["malformed"]
    assert df["time"].min() == 0 and df["time"].is_monotonic_increasing


def test_a_missing_log_group_is_a_clear_error(logs_client):
    from stackerynb.analysis import fetch_lambda_reports

    with pytest.raises(StackError, match="/aws/lambda/Nowhere"):
        fetch_lambda_reports("Nowhere", 0, 10**12, client=logs_client, progress=False)
