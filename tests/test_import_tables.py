"""The import's data tables stay true to what they describe: the catalogue (every mapped
setting exists), aws-sam-translator (policy templates), and the compiler (the logical ids and
outputs it derives from node ids, which raw resources must not take)."""
import warnings

import pytest

from stackerynb import Stack
from stackerynb.catalog import KIND_NAMES, kind as catalog_kind, wire_pairs, wire_profile
from stackerynb.model.environments import Environment
from stackerynb.importing.compiled_names import COMPILED_TYPE, is_derived, output_clashes
from stackerynb.importing.convert import CONVERTERS, import_map
from stackerynb.importing.iam import action_covered, expand_action, expand_actions, level_actions
from stackerynb.importing.permissions import expand_policy_template, sam_policy_table
from stackerynb.importing.iam import resource_target


def test_import_map_names_real_kinds_settings_and_converters():
    table = import_map()
    kinds = set()
    for rtype, spec in table["types"].items():
        kind = catalog_kind(spec["kind"])
        assert kind is not None, rtype
        kinds.add(spec["kind"])
        for setting, how in (spec.get("settings") or {}).items():
            assert setting in kind.settings, (rtype, setting)
            assert "convert" not in how or how["convert"] in CONVERTERS, (rtype, how)
            if "default" in how and "map" not in how:
                assert kind.settings[setting].check(how["default"]) is None, (rtype, setting)
    # every curated kind can come from some template resource; ``resource`` takes the rest
    assert kinds == set(KIND_NAMES) - {"resource"}
    assert set(COMPILED_TYPE) == set(KIND_NAMES)


def test_sam_policy_templates_exist_and_their_levels_grant_something_they_grant():
    for name, entry in sam_policy_table()["templates"].items():
        statements = expand_policy_template(name, {entry["target"]: {"Ref": "Target"}})
        assert statements, name
        granted = expand_actions([a for s in statements for a in
                                  (s["Action"] if isinstance(s["Action"], list) else [s["Action"]])])
        profile = wire_profile("function", entry["kind"])
        for level in entry["access"]:
            assert any(action_covered(a, granted) for a in level_actions(profile, level)), (name, level)
        targets = {resource_target(r, frozenset({"Target"})) for s in statements
                   for r in (s["Resource"] if isinstance(s["Resource"], list) else [s["Resource"]])}
        assert "Target" in targets, name


def test_wildcard_actions_expand_with_cfn_lints_iam_table():
    assert expand_action("sqs:SendMessage*") == {"sqs:sendmessage"}
    assert {"dynamodb:getitem", "dynamodb:deletetable"} <= expand_action("dynamodb:*")
    assert expand_action("madeup:Thing*") == {"madeup:thing*"}
    assert action_covered("s3:getobject", frozenset({"s3:get*"}))
    assert not action_covered("s3:putobject", frozenset({"s3:get*"}))


NETWORKED = ("database", "bastion", "docker_service", "load_balancer", "cache_cluster")


def _probe(kind: str):
    """A stack with node ``X`` of ``kind`` wired to and from every kind it can be."""
    s = Stack("probe")
    s.add("virtual_network", "Net")
    s.add(kind, "X", network="Net" if kind in NETWORKED or kind == "function" else None)
    n = 0
    for a, b in wire_pairs():
        if "docker_service" in (a, b) and kind != "docker_service":
            continue
        if kind in (a, b) and a != b:
            n += 1
            other = f"N{n}"
            other_kind = b if a == kind else a
            s.add(other_kind, other, network="Net" if other_kind in NETWORKED or other_kind == "function" else None,
                  **({"type": "AWS::SQS::Queue"} if other_kind == "resource" else {}))
            s.connect(*(("X", other) if a == kind else (other, "X")))
    for node in list(s.nodes):
        if node.kind == "cdn" and not any(w.source == node.id for w in s.wires):
            s.add("object_store", node.id + "Origin")
            s.connect(node.id, node.id + "Origin")
        if node.kind == "docker_service" and not any(w.source == node.id and s.node(w.target).kind == "docker_cluster"
                                                     for w in s.wires):
            s.add("docker_cluster", node.id + "Cluster")
            s.connect(node.id, node.id + "Cluster")
    return s


@pytest.mark.parametrize("kind", [k for k in KIND_NAMES if k != "resource"])  # resource nodes derive nothing
def test_compiled_names_cover_what_the_compiler_derives(kind):
    from stackerynb.compile.compiler import build
    stack = _probe(kind)
    if kind == "queue":
        stack.set("X", dead_letter=True)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ctx = build(stack, Environment("dev"))
    made = [lid for lid, owner in ctx.owners.items() if owner == "X"]
    assert ("X" in made) == (COMPILED_TYPE[kind] is not None)
    for lid in made:
        if lid != "X":
            assert is_derived("X", kind, lid), f"{kind} compiles {lid}; add it to import_map.yaml compiled_names"
    for output in ctx.outputs:
        owner = next(n.id for n in stack.nodes if output.startswith(n.id) and output[len(n.id):] in ("Url", "Address"))
        assert output_clashes({owner: stack.node(owner).kind}, output), output
    if COMPILED_TYPE[kind]:
        assert ctx.resources["X"].resource_type == COMPILED_TYPE[kind]
