"""Billing identities: the prices table and the cost functions agree with AWS's own arithmetic."""
from __future__ import annotations

import pytest

from stackerynb import StackError
from stackerynb.analysis import pricing
from stackerynb.catalog import kind
from stackerynb.catalog.prices import init_seconds, load_prices, runtimes

P = load_prices()
X86_TIER1 = 0.0000166667


def test_one_million_100ms_calls_at_512mb_cost_requests_plus_gb_seconds_at_tier_one():
    cost = pricing.invocation_cost(1_000_000, 0.100, 512)
    # GB-seconds use memory / 1024, as in AWS's examples: 1M x 0.1 s x 0.5 GB
    assert cost["requests"] == pytest.approx(0.20)
    assert cost["compute"] == pytest.approx(50_000 * X86_TIER1, rel=1e-12)


def test_aws_pricing_page_example_with_free_tier():
    # 512 MB, 3M invocations of 1 s: 1.5M GB-s - 400k free = 1.1M GB-s -> $18.33; 2M billable requests -> $0.40
    cost = pricing.invocation_cost(3_000_000, 1.0, 512, prices=load_prices(free_tier=True))
    assert round(cost["compute"], 2) == 18.33
    assert cost["requests"] == pytest.approx(0.40)


def test_duration_tiers_apply_to_the_monthly_total_per_architecture():
    x86 = P.lambda_duration("x86_64")
    assert x86.cost(7e9) == pytest.approx(6e9 * X86_TIER1 + 1e9 * 0.0000150000)
    assert x86.cost(2e10) == pytest.approx(6e9 * X86_TIER1 + 9e9 * 0.0000150000 + 5e9 * 0.0000133334)
    arm = P.lambda_duration("arm64")
    assert arm.cost(1e10) == pytest.approx(7.5e9 * 0.0000133334 + 2.5e9 * 0.0000120001)
    split = pricing.lambda_cost(0, {"x86_64": 7e9, "arm64": 1e9})
    assert split["compute"] == pytest.approx(x86.cost(7e9) + arm.cost(1e9))


def test_billed_duration_rounds_each_call_up_to_the_millisecond_and_adds_init():
    assert pricing.billed_seconds([0.001001, 0.1, 0.0]) == pytest.approx(0.002 + 0.100)
    # a cold start pays its INIT in the same rounded billed duration (since 2025-08-01)
    assert pricing.billed_seconds([0.1], [0.2504]) == pytest.approx(0.351)
    cold = pricing.invocation_cost(1, 0.1, 1024, init=0.2504, cold_starts=1)
    assert cold["compute"] == pytest.approx(0.351 * X86_TIER1)
    assert P.init_billed and P.raw["lambda"]["init"]["since"] == "2025-08-01"


def test_init_is_free_when_the_prices_say_so():
    before = load_prices(overrides={"lambda.init.billed": False})
    cost = pricing.invocation_cost(1, 0.1, 1024, prices=before, init=0.25, cold_starts=1)
    assert cost["compute"] == pytest.approx(0.1 * X86_TIER1)


def test_other_services():
    assert pricing.api_cost(1e6) == pytest.approx(3.50)
    assert pricing.api_cost(4e8) == pytest.approx(3.33e8 * 3.5e-6 + 0.67e8 * 2.8e-6)
    assert pricing.api_cost(1e6, "http") == pytest.approx(1.00)
    assert pricing.dynamodb_cost(reads=1e6, writes=1e6, storage_gb=2) == pytest.approx(0.125 + 0.625 + 0.50)
    assert pricing.sqs_cost(1e6) == pytest.approx(0.40) and pricing.sqs_cost(1e6, fifo=True) == pytest.approx(0.50)
    assert pricing.sns_cost(1e6, {"lambda": 1e6, "http": 1e6}) == pytest.approx(0.50 + 0.60)
    assert pricing.nat_gateway_cost(1, 730, 100) == pytest.approx(730 * 0.045 + 100 * 0.045)
    # AWS's provisioned concurrency example: 1,000 x 1 GB for 2 hours
    pc = pricing.provisioned_concurrency_cost(1000, 1024, 2)
    assert pc["provisioned"] == pytest.approx(1000 * 7200 * 0.0000041667)


def test_every_price_names_its_source_and_date():
    table = P.table()
    assert len(table) > 25
    assert table["source"].str.startswith("https://").all(), table[~table["source"].fillna("").str.startswith("https://")]
    assert table["as_of"].str.fullmatch(r"\d{4}-\d{2}").all()


def test_overrides_replace_prices_and_typos_are_refused(tmp_path):
    p = load_prices(overrides={"lambda.requests.price": 3e-7, "api_gateway": {"rest": {"tiers": {"0": {"price": 1e-6}}}}})
    assert p.lambda_request == 3e-7
    assert p.api_rest.first == 1e-6
    with pytest.raises(StackError, match="lambda.request"):
        load_prices(overrides={"lambda.request.price": 1})
    f = tmp_path / "prices.yaml"
    f.write_text("lambda:\n  duration:\n    arm64:\n      tiers:\n        0: {price: 0.00001}\n")
    assert load_prices(overrides=f).lambda_duration("arm64").first == 0.00001
    with pytest.raises(StackError, match="no prices for region 'mars-1'"):
        load_prices("mars-1")
    with pytest.raises(StackError, match="unknown architecture 'sparc'"):
        P.lambda_duration("sparc")


def test_cold_start_estimates_cover_every_runtime_a_function_may_use():
    assert set(kind("function").settings["runtime"].choices) <= set(runtimes())


def test_cold_start_estimates_follow_memory_and_package_size():
    assert init_seconds("java21", 128) > init_seconds("java21", 1024) > init_seconds("java21", 1769)
    assert init_seconds("java21", 1769) == init_seconds("java21", 10240)  # no more CPU past one vCPU
    assert init_seconds("python3.12", 512, package_mb=50) > init_seconds("python3.12", 512, package_mb=1)
    assert init_seconds("java21", 512) > init_seconds("nodejs20.x", 512) > init_seconds("provided.al2023", 512)
    with pytest.raises(StackError, match="runtime 'cobol'"):
        init_seconds("cobol")
