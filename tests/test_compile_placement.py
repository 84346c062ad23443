"""Networks are placed correctly, read back from the compiled template's own routes."""
from stackerynb import patterns
from stackerynb.compile import placement_table
from stackerynb.compile.placement import subnet_tiers


def table(stack):
    return placement_table(stack, stack.environment("dev")).set_index("resource")


def test_databases_private_load_balancers_and_bastions_public():
    t = table(patterns.private_network())
    assert t.loc["Db", "tier"] == "private" and not t.loc["Db", "internet_facing"]
    assert t.loc["App", "tier"] == "private" and not t.loc["App", "internet_facing"]
    assert t.loc["Reports", "tier"] == "private"
    assert t.loc["Web", "tier"] == "public" and t.loc["Web", "internet_facing"]
    assert t.loc["Jump", "tier"] == "public" and t.loc["Jump", "internet_facing"]
    assert (t["why"].str.len() > 0).all()


def test_cache_cluster_sits_in_private_subnets():
    t = table(patterns.queue_filler())
    assert t.loc["TokenBucket", "tier"] == "private" and t.loc["Worker", "tier"] == "private"


def test_tier_comes_from_routes_not_names():
    resources = {
        "Igw": {"Type": "AWS::EC2::InternetGateway", "Properties": {}},
        "PrivateLooking": {"Type": "AWS::EC2::Subnet", "Properties": {}},
        "PublicLooking": {"Type": "AWS::EC2::Subnet", "Properties": {}},
        "Table": {"Type": "AWS::EC2::RouteTable", "Properties": {}},
        "Out": {"Type": "AWS::EC2::Route", "Properties": {"RouteTableId": {"Ref": "Table"}, "GatewayId": {"Ref": "Igw"}}},
        "Assoc": {"Type": "AWS::EC2::SubnetRouteTableAssociation",
                  "Properties": {"SubnetId": {"Ref": "PrivateLooking"}, "RouteTableId": {"Ref": "Table"}}},
    }
    assert subnet_tiers(resources) == {"PrivateLooking": "public", "PublicLooking": "private"}
