"""The node catalogue is complete, self-consistent data."""
import json
import re

import pytest

from stackerynb.catalog import KIND_NAMES, kind, kinds, wire_pairs, wire_profile, wire_targets
from stackerynb.catalog.kinds import SETTING_TYPES
from stackerynb.cli import main

DESIGN_KINDS = {"function", "rest_api", "table", "object_store", "cdn", "virtual_network", "bastion",
                "database", "docker_cluster", "docker_service", "load_balancer", "timer", "cache_cluster",
                "config_store", "secret", "queue", "topic", "stream",
                "state_machine", "event_bus", "http_api", "resource"}
CYTOSCAPE_SHAPES = {"ellipse", "triangle", "round-triangle", "rectangle", "round-rectangle", "bottom-round-rectangle",
                    "cut-rectangle", "barrel", "rhomboid", "diamond", "round-diamond", "pentagon", "round-pentagon",
                    "hexagon", "round-hexagon", "concave-hexagon", "heptagon", "round-heptagon", "octagon",
                    "round-octagon", "star", "tag", "round-tag", "vee"}


def test_every_design_kind_is_in_the_catalogue():
    assert set(KIND_NAMES) == DESIGN_KINDS


@pytest.mark.parametrize("name", sorted(DESIGN_KINDS))
def test_kind_is_complete(name):
    k = kind(name)
    assert k.label and k.help and re.fullmatch(r"#[0-9a-f]{6}", k.colour) and k.icon
    assert k.shape in CYTOSCAPE_SHAPES
    assert k.network in ("none", "may", "must")
    if k.network != "none":
        assert k.tier in ("public", "private")
    for s in k.settings.values():
        assert s.type in SETTING_TYPES and s.help
        assert s.check(s.default) is None, f"{name}.{s.name}: default {s.default!r} fails its own check"
        if s.type == "int":
            assert s.min is not None and s.max is not None and s.min <= s.max


def test_settings_a_user_expects():
    fn = kind("function").settings
    assert (fn["memory"].min, fn["memory"].max) == (128, 10240)
    assert (fn["timeout"].min, fn["timeout"].max) == (1, 900)
    assert set(fn["architecture"].choices) == {"x86_64", "arm64"}
    assert {"partition_key", "sort_key", "billing", "stream"} <= set(kind("table").settings)
    assert {"fifo", "visibility_timeout", "dead_letter"} <= set(kind("queue").settings)
    assert {"engine", "engine_version", "instance_class", "storage_gb"} <= set(kind("database").settings)


def test_placement_rules():
    assert kind("database").network == "must" and kind("database").tier == "private"
    assert kind("load_balancer").tier == "public" and kind("bastion").tier == "public"
    assert kind("cache_cluster").network == "must"
    assert kind("table").network == "none"


def test_setting_check_messages():
    mem = kind("function").settings["memory"]
    assert "out of range 128..10240" in mem.check(64)
    assert "whole number" in mem.check("512")
    assert "whole number" in mem.check(True)
    arch = kind("function").settings["architecture"]
    assert "not one of" in arch.check("sparc")
    assert kind("timer").settings["schedule"].check("rate(5 minutes)") is None
    assert kind("timer").settings["schedule"].check("every five minutes") is not None


def test_sam_connector_pairs_are_covered():
    sam_pairs = [("function", "table"), ("function", "object_store"), ("function", "queue"),
                 ("function", "topic"), ("function", "function"), ("rest_api", "function"),
                 ("timer", "function"), ("timer", "queue"), ("timer", "topic"), ("topic", "queue"),
                 ("topic", "function"), ("queue", "function"), ("object_store", "function"),
                 ("table", "function")]
    ours = [("function", "stream"), ("function", "config_store"), ("function", "secret"),
            ("function", "database"), ("function", "cache_cluster"), ("docker_service", "table"),
            ("load_balancer", "docker_service"), ("cdn", "object_store"), ("bastion", "database")]
    for pair in sam_pairs + ours:
        assert wire_profile(*pair) is not None, pair


def test_wire_profiles_reference_real_kinds_and_scope_to_placeholders():
    for source, target in wire_pairs():
        assert source in KIND_NAMES and target in KIND_NAMES
        profile = wire_profile(source, target)
        assert set(profile.default_access) <= set(profile.access_levels)
        for level in profile.access_levels:
            for statement in profile.statements(level):
                assert statement.actions and all(":" in a and "*" not in a for a in statement.actions)
                assert all(r.startswith("{") for r in statement.resources), "resources must be the target's ARNs"


def test_access_levels_resolve():
    profile = wire_profile("function", "table")
    assert profile.resolve_access(None) == ("read", "write")
    assert profile.resolve_access("read") == ("read",)
    assert profile.resolve_access("read_write") == ("read", "write")
    with pytest.raises(ValueError, match="choose from read, write"):
        profile.resolve_access("admin")
    assert "table" in wire_targets("function")


def test_kinds_json_for_tools(capsys):
    assert main(["kinds", "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    by_kind = {k["kind"]: k for k in data["kinds"]}
    assert set(by_kind) == DESIGN_KINDS
    memory = next(s for s in by_kind["function"]["settings"] if s["name"] == "memory")
    assert memory == {"name": "memory", "type": "int", "default": 128, "required": False,
                      "help": memory["help"], "range": [128, 10240]}
    assert by_kind["database"]["placement"] == {"network": "must", "tier": "private"}
    assert "table" in by_kind["function"]["wires_to"]


def test_kinds_table(capsys):
    assert main(["kinds"]) == 0
    out = capsys.readouterr().out
    for name in DESIGN_KINDS:
        assert name in out


def test_every_icon_has_a_glyph_in_the_installed_fonts():
    """Emoji fonts are missing on servers: an icon without a glyph draws as an empty box."""
    import glob

    from fontTools.ttLib import TTFont
    fonts = glob.glob("/usr/share/fonts/**/*.ttf", recursive=True)
    if not fonts:
        pytest.skip("no system fonts to check against")
    covered = set()
    for path in fonts:
        covered |= set(TTFont(path, lazy=True).getBestCmap())
    missing = {k.name: k.icon for k in kinds() if not all(ord(ch) in covered for ch in k.icon)}
    assert not missing


def test_health_check_path_takes_any_absolute_url_path():
    health = kind("load_balancer").settings["health_check_path"]
    for good in ["/", "/health", "/api/v1/ping", "/status.json", "/a-b_c~d/%20e", "/v1/"]:
        assert health.check(good) is None, good
    for bad in ["", "health", "//", "/a b", "http://x/health", "/" + "a" * 1024]:
        assert health.check(bad) is not None, bad

