"""Editing a stack: each edit is checked on the spot, problems() reports everything at once."""
import pytest

from stackerynb import Stack, StackError
from stackerynb.model.fileformat import parse_stack


def api_stack():
    s = Stack("orders")
    s.add("rest_api", "Api")
    s.add("function", "GetOrder", memory=512)
    s.add("table", "Orders")
    s.connect("Api", "GetOrder")
    s.connect("GetOrder", "Orders", access="read")
    return s


def problems_of(text):
    return parse_stack(text, "t.yaml").problems()


def test_build_and_read_back():
    s = api_stack()
    assert [n.id for n in s] == ["Api", "GetOrder", "Orders"]
    assert s.node("GetOrder").get("memory") == 512
    assert s.node("GetOrder").get("timeout") == 30  # catalogue default
    assert [str(w) for w in s.wires] == ["Api -> GetOrder", "GetOrder -> Orders (read)"]
    assert s.problems() == []
    assert s.validate() is s


def test_stack_name_must_fit_aws_names():
    with pytest.raises(StackError, match="lower case"):
        Stack("My Stack")


def test_unknown_kind_suggests_the_nearest():
    with pytest.raises(StackError, match="unknown kind 'fuction'.*did you mean 'function'"):
        Stack("a").add("fuction", "Fn")


def test_unknown_setting_suggests_and_changes_nothing():
    s = api_stack()
    with pytest.raises(StackError) as info:
        s.set("GetOrder", memroy=1024)
    assert "GetOrder.memroy" in str(info.value) and "did you mean 'memory'" in str(info.value)
    assert s.node("GetOrder").get("memory") == 512


def test_out_of_range_and_wrong_type_name_the_setting():
    s = api_stack()
    with pytest.raises(StackError, match=r"GetOrder\.memory: 99999 is out of range 128\.\.10240"):
        s.set("GetOrder", memory=99999)
    with pytest.raises(StackError, match=r"GetOrder\.timeout: expected a whole number"):
        s.set("GetOrder", timeout="30")
    with pytest.raises(StackError, match=r"Fn\.runtime: 'cobol' is not one of"):
        s.add("function", "Fn", runtime="cobol")
    assert "Fn" not in s


def test_duplicate_and_unusable_ids():
    s = api_stack()
    with pytest.raises(StackError, match="already exists"):
        s.add("queue", "Orders")
    with pytest.raises(StackError, match="logical id"):
        s.add("queue", "my-queue")
    with pytest.raises(StackError, match="logical id"):
        s.add("queue", "")


def test_unsupported_wire_lists_what_the_source_can_wire_to():
    s = api_stack()
    s.add("timer", "Tick")
    with pytest.raises(StackError, match="a table cannot be wired to a rest_api|a timer cannot be wired to a table; a timer can wire to: function, queue, topic"):
        s.connect("Tick", "Orders")


def test_wire_to_missing_node_and_bad_access():
    s = api_stack()
    with pytest.raises(StackError, match="no node 'Ordrs'.*did you mean 'Orders'"):
        s.connect("GetOrder", "Ordrs")
    with pytest.raises(StackError, match="access 'admin' is not offered"):
        s.disconnect("GetOrder", "Orders") or s.connect("GetOrder", "Orders", access="admin")
    with pytest.raises(StackError, match="already exists"):
        s.connect("Api", "GetOrder")


def test_remove_takes_its_wires_and_position():
    s = api_stack()
    s.move("GetOrder", 10, 20)
    s.remove("GetOrder")
    assert s.wires == [] and "GetOrder" not in s.layout and "GetOrder" not in s


def test_rename_carries_wires_placement_and_position():
    s = Stack("net")
    s.add("virtual_network", "Vpc")
    s.add("database", "Db", network="Vpc")
    s.add("function", "Fn", network="Vpc")
    s.connect("Fn", "Db")
    s.move("Vpc", 1, 2)
    s.rename("Vpc", "Network")
    s.rename("Fn", "Worker")
    assert s.node("Db").network == "Network" and s.node("Worker").network == "Network"
    assert [str(w) for w in s.wires] == ["Worker -> Db"]
    assert s.layout == {"Network": (1, 2)}
    with pytest.raises(StackError, match="already exists"):
        s.rename("Worker", "Db")


def test_placement_rules():
    s = Stack("net")
    s.add("virtual_network", "Vpc")
    s.add("table", "T")
    s.add("database", "Db")
    with pytest.raises(StackError, match="does not sit inside a Virtual Network"):
        s.place("T", "Vpc")
    with pytest.raises(StackError, match="not a virtual_network"):
        s.place("Db", "T")
    assert [p.code for p in s.problems()] == ["placement"]
    assert "must sit inside a Virtual Network" in s.problems()[0].message
    s.place("Db", "Vpc")
    assert s.problems() == []


def test_a_function_reaching_a_database_must_share_its_network():
    s = Stack("net")
    s.add("virtual_network", "Vpc")
    s.add("database", "Db", network="Vpc")
    s.add("function", "Fn")
    s.connect("Fn", "Db")
    (problem,) = s.problems()
    assert problem.where == "Fn.network" and "place Fn in 'Vpc'" in problem.message


def test_set_none_returns_to_default():
    s = api_stack()
    s.set("GetOrder", memory=None)
    assert "memory" not in s.node("GetOrder").settings and s.node("GetOrder").get("memory") == 128


def test_observers_see_each_edit():
    s = Stack("a")
    seen = []
    s.observe(lambda change: seen.append((change.op, change.node.id if change.node else str(change.wire))))
    s.add("function", "Fn")
    s.add("queue", "Q")
    s.connect("Fn", "Q")
    s.set("Fn", memory=256)
    s.rename("Q", "Jobs")
    s.move("Fn", 5, 5)
    s.remove("Jobs")
    assert seen == [("add", "Fn"), ("add", "Q"), ("connect", "Fn -> Q"), ("set", "Fn"),
                    ("rename", "Jobs"), ("move", "Fn"), ("disconnect", "Fn -> Jobs"), ("remove", "Jobs")]


def test_problems_reports_everything_at_once_with_lines():
    text = """\
name: broken
nodes:
  Fn:
    kind: function
    settings:
      memroy: 256
      timeout: 5000
  Db:
    kind: databse
  Cache:
    kind: cache_cluster
  Svc:
    kind: docker_service
    network: Fn
  bad-id:
    kind: queue
  Net1:
    kind: virtual_network
  Twice:
    kind: function
    network: [Net1, Fn]
wires:
- {from: Fn, to: Ghost}
- {from: Cache, to: Fn}
- {from: Fn, to: Fn}
"""
    problems = problems_of(text)
    by = {(p.where, p.code) for p in problems}
    assert ("Fn.memroy", "unknown-setting") in by
    assert ("Fn.timeout", "bad-value") in by
    assert ("Db", "unknown-kind") in by
    assert ("Cache.network", "placement") in by
    assert ("Svc.network", "placement") in by
    assert ("bad-id", "bad-id") in by
    assert ("Twice.network", "placement") in by
    assert ("Fn", "bad-wire") in by  # missing Ghost
    assert ("Cache", "bad-wire") in by  # cache_cluster has no outgoing wires
    assert ("Fn", "cycle") in by
    assert ("Svc", "missing-wire") in by
    lines = {p.where: p.line for p in problems}
    assert lines["Fn.memroy"] == 6 and lines["Db"] == 8
    with pytest.raises(StackError) as info:
        parse_stack(text, "t.yaml").validate()
    assert len(info.value.problems) == len([p for p in problems if p.severity == "error"])
    assert "did you mean 'database'" in str(info.value)


def test_cycles_name_the_loop():
    s = Stack("loop")
    s.add("function", "A")
    s.add("queue", "Q")
    s.connect("A", "Q")
    s.connect("Q", "A")
    (problem,) = s.problems()
    assert problem.code == "cycle" and "A -> Q -> A" in problem.message


def test_a_loop_closed_by_a_read_is_not_an_event_loop():
    s = Stack("thumbs")
    s.add("object_store", "Uploads")
    s.add("function", "Thumbnail")
    s.connect("Uploads", "Thumbnail")
    s.connect("Thumbnail", "Uploads", access="read")
    assert s.problems() == []
    s.disconnect("Thumbnail", "Uploads")
    s.connect("Thumbnail", "Uploads", access="write")  # writing back re-triggers the upload event
    assert [p.code for p in s.problems()] == ["cycle"]


def test_routes_follow_their_function_through_rename_disconnect_and_undo():
    """An API's routes are keyed by function id: a rename carries the key, a disconnect drops the
    route with the wire (one undo step brings both back), and a route naming a function the API
    is not wired to is a model problem, not a compile surprise."""
    stack = Stack("routes")
    stack.add("rest_api", "Api")
    stack.add("function", "F")
    stack.connect("Api", "F")
    stack.set("Api", routes={"F": "GET /orders"})
    stack.rename("F", "Orders")
    assert stack.node("Api").get("routes") == {"Orders": "GET /orders"}
    assert stack.problems() == []
    stack.disconnect("Api", "Orders")
    assert stack.node("Api").get("routes") == {}
    stack.undo()
    assert stack.node("Api").get("routes") == {"Orders": "GET /orders"} and stack.wire("Api", "Orders")
    stack.add("function", "Other")
    stack.set("Api", routes={"Orders": "/orders", "Other": "/other", "Ordrs": "/x"})
    found = {(p.node, p.setting, p.code, p.message.split(",")[0]) for p in stack.problems()}
    assert found == {("Api", "routes", "bad-route", "has a route for 'Other'"),
                     ("Api", "routes", "bad-route", "has a route for 'Ordrs'")}
    assert "Orders" in next(p.message for p in stack.problems() if "'Ordrs'" in p.message)  # a suggestion


def test_a_rename_carries_references_to_the_ids_a_node_compiles_to_and_a_removal_is_named():
    """The raw section (kept outputs, resources) may refer to a node or to a resource the node
    compiles to (``FnRole``): a rename rewrites both, and removing what they refer to is a
    model problem naming the raw entry, not a compile refusal later."""
    stack = Stack("raw")
    stack.add("function", "Fn")
    stack.add("table", "Orders")
    stack.raw = {"Outputs": {"RoleArn": {"Value": {"Fn::GetAtt": ["FnRole", "Arn"]}},
                             "Table": {"Value": {"Ref": "Orders"}}},
                 "Resources": {"Alarm": {"Type": "AWS::SNS::Topic", "DependsOn": ["FnLogGroup"],
                                         "Properties": {"DisplayName": {"Fn::Sub": "${Fn}-${FnRole.Arn}"}}}}}
    stack.rename("Fn", "Worker")
    assert stack.raw["Outputs"]["RoleArn"]["Value"] == {"Fn::GetAtt": ["WorkerRole", "Arn"]}
    assert stack.raw["Resources"]["Alarm"]["DependsOn"] == ["WorkerLogGroup"]
    assert stack.raw["Resources"]["Alarm"]["Properties"]["DisplayName"] == {"Fn::Sub": "${Worker}-${WorkerRole.Arn}"}
    assert stack.problems() == []
    stack.remove("Orders")
    assert [(p.node, p.code, p.message.split(",")[0]) for p in stack.problems()] == \
        [(None, "dangling-reference", "raw output Table refers to Orders")]
