"""Every ready-made pattern deploys to the local target, and what the emulator skips is named."""
import pytest

from stackerynb import patterns

pytestmark = pytest.mark.usefixtures("local_target")


@pytest.mark.parametrize("name", sorted(patterns.PATTERNS))
def test_pattern_deploys_locally(name, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    stack = patterns.PATTERNS[name](f"p-{name.replace('_', '-')}")
    deployment = stack.deploy("dev", yes=True, quiet=True)
    assert deployment.status == "succeeded", deployment.failure
    skipped_types = {t for _, t, _ in deployment.not_created}
    compiled_types = {r.resource_type for r in stack.compile("dev").resources.values()}
    from stackerynb.deploy.emulator import not_created_types
    assert skipped_types == compiled_types & set(not_created_types())


def test_attributes_of_skipped_resources_become_visible_placeholders():
    from stackerynb.deploy.emulator import STAND_IN_PREFIX, stand_in
    template = {"Resources": {
        "Cache": {"Type": "AWS::ElastiCache::ReplicationGroup", "Properties": {}},
        "Fn": {"Type": "AWS::Lambda::Function", "Properties": {"Environment": {"Variables": {
            "HOST": {"Fn::GetAtt": ["Cache", "PrimaryEndPoint.Address"]},
            "PORT": {"Fn::GetAtt": ["Cache", "PrimaryEndPoint.Port"]},
            "URL": {"Fn::Sub": "redis://${Cache.PrimaryEndPoint.Address}:${AWS::Region}"},
            "ROLE": {"Fn::GetAtt": ["Role", "Arn"]}}}}}}}
    out = stand_in(template)["Resources"]["Fn"]["Properties"]["Environment"]["Variables"]
    assert out["HOST"] == f"{STAND_IN_PREFIX}:Cache.PrimaryEndPoint.Address"
    assert out["PORT"] == "0"
    assert out["URL"] == {"Fn::Sub": f"redis://{STAND_IN_PREFIX}:Cache.PrimaryEndPoint.Address:${{AWS::Region}}"}
    assert out["ROLE"] == {"Fn::GetAtt": ["Role", "Arn"]}
    assert template["Resources"]["Fn"]["Properties"]["Environment"]["Variables"]["PORT"] == {
        "Fn::GetAtt": ["Cache", "PrimaryEndPoint.Port"]}, "the compiled template is not changed"


def test_a_network_stack_is_destroyed_cleanly_on_the_emulator(tmp_path, monkeypatch, emulator):
    import boto3
    monkeypatch.chdir(tmp_path)
    stack = patterns.private_network("p-destroy-net")
    assert stack.deploy("dev", yes=True, quiet=True).status == "succeeded"
    ec2 = boto3.client("ec2", endpoint_url=emulator, region_name="us-east-1",
                       aws_access_key_id="test", aws_secret_access_key="test")
    before = {v["VpcId"] for v in ec2.describe_vpcs()["Vpcs"]}
    teardown = stack.destroy("dev", yes=True, quiet=True)
    assert teardown.status == "destroyed"
    after = {v["VpcId"] for v in ec2.describe_vpcs()["Vpcs"]}
    assert len(before - after) == 1, "the stack's VPC is gone"
    assert stack.deploy("dev", yes=True, quiet=True).status == "succeeded", "and the environment can be used again"
