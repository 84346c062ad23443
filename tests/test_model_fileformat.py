"""The stack file: stable, diff-friendly, byte-identical round trips, atomic writes, errors
that name the file and line."""
import os

import pytest

from stackerynb import Stack, StackError
from stackerynb.cli import main


def sample():
    s = Stack("orders")
    s.add("virtual_network", "Vpc", position=(0, 0))
    s.add("rest_api", "Api", cors=True, position=(100, 50))
    s.add("function", "GetOrder", memory=512, environment={"LOG_LEVEL": "debug"}, network="Vpc")
    s.add("table", "Orders", sort_key="created")
    s.connect("Api", "GetOrder")
    s.connect("GetOrder", "Orders", access="read")
    return s


def test_file_is_readable_and_stable(tmp_path):
    path = sample().save(tmp_path / "orders.yaml")
    text = path.read_text()
    assert text.splitlines()[2:9] == [
        "format: 1", "name: orders", "nodes:", "  Vpc:", "    kind: virtual_network", "  Api:", "    kind: rest_api"]
    assert "- {from: GetOrder, to: Orders, access: read}" in text
    assert text.rstrip().endswith("Api: [100, 50]")
    assert text.index("wires:") < text.index("layout:")


def test_load_then_save_is_byte_identical(tmp_path):
    path = sample().save(tmp_path / "orders.yaml")
    before = path.read_bytes()
    loaded = Stack.load(path)
    assert loaded == sample()
    loaded.save()
    assert path.read_bytes() == before


def test_one_edit_is_a_small_diff(tmp_path):
    s = sample()
    path = s.save(tmp_path / "orders.yaml")
    before = path.read_text().splitlines()
    s.set("GetOrder", memory=1024)
    after = s.save().read_text().splitlines()
    changed = [(a, b) for a, b in zip(before, after) if a != b]
    assert changed == [("      memory: 512", "      memory: 1024")] and len(before) == len(after)


def test_save_is_atomic_when_writing_fails(tmp_path, monkeypatch):
    path = sample().save(tmp_path / "orders.yaml")
    before = path.read_bytes()
    s = Stack.load(path)
    s.add("queue", "Jobs")

    def broken_fsync(fd):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "fsync", broken_fsync)
    with pytest.raises(OSError):
        s.save()
    assert path.read_bytes() == before
    assert [p.name for p in tmp_path.iterdir()] == ["orders.yaml"]  # no temp file left behind


@pytest.mark.parametrize("text, where, message", [
    ("name: a\nnodes:\n  Fn: [1, 2\n", ":4:", "not valid YAML"),
    ("name: a\nnodes:\n  Fn:\n    kind: function\n  Fn:\n    kind: queue\n", ":5:", "'Fn' appears twice (first on line 3)"),
    ("name: a\nnodez: {}\n", ":2:", "unknown key 'nodez'"),
    ("nodes: {}\n", ":1:", "missing name"),
    ("name: a\nnodes:\n  Fn:\n    settings: {}\n", ":4:", "node Fn: missing kind"),
    ("name: a\nnodes:\n  Fn:\n    kind: function\n    colour: red\n", ":5:", "unknown key 'colour'"),
    ("name: a\nnodes: {}\nwires:\n- {from: A}\n", ":4:", "wire: missing to"),
    ("name: a\nnodes: {}\nwires: {A: B}\n", ":3:", "must be a list"),
    ("name: a\nnodes: {}\nlayout:\n  A: [1]\n", ":4:", "expected [x, y]"),
    ("format: 9\nname: a\n", ":1:", "format 9 is not supported"),
    ("", ":1:", "the file is empty"),
    ("x: &a [1]\ny: *a\n", ":1:", "unknown key 'x'"),
    ("name: a\nnodes:\n  A: &x {kind: queue}\n  B: *x\n", ":4:", "anchors and aliases"),
])
def test_malformed_files_name_file_and_line(tmp_path, text, where, message):
    path = tmp_path / "bad.yaml"
    path.write_text(text)
    with pytest.raises(StackError) as info:
        Stack.load(path)
    assert str(path) + where in str(info.value)
    assert any(m in str(info.value) for m in message.split("|"))


def test_not_utf8_and_missing_file(tmp_path):
    path = tmp_path / "bin.yaml"
    path.write_bytes(b"name: a\n\xff\xfe")
    with pytest.raises(StackError, match=r"bin.yaml:2: not UTF-8"):
        Stack.load(path)
    with pytest.raises(StackError, match="no such stack file"):
        Stack.load(tmp_path / "nope.yaml")


def test_invalid_content_is_kept_not_dropped(tmp_path):
    text = ("# stackerynb stack file: edit it here or on the canvas (StackEditor).\n"
            "# The layout section holds canvas positions only; it can be dropped without changing the stack.\n"
            "format: 1\nname: a\nnodes:\n  Fn:\n    kind: fnction\n    settings:\n      memroy: 12\n"
            "wires:\n- {from: Fn, to: Ghost, access: admin}\n")
    path = tmp_path / "a.yaml"
    path.write_text(text)
    s = Stack.load(path)
    assert len(s.problems()) == 2
    s.save()
    assert path.read_text() == text


def test_validate_command(tmp_path, capsys):
    good = sample().save(tmp_path / "good.yaml")
    assert main(["validate", str(good)]) == 0
    assert capsys.readouterr().out == "ok\n"
    bad = tmp_path / "bad.yaml"
    bad.write_text("name: a\nnodes:\n  Fn:\n    kind: function\n    settings:\n      memory: 1\n  Db:\n    kind: database\n")
    assert main(["validate", str(bad)]) == 1
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].startswith(f"{bad}: Fn.memory: 1 is out of range 128..10240")
    assert lines[1].startswith(f"{bad}: Db.network: a Database must sit inside a Virtual Network")
    broken = tmp_path / "broken.yaml"
    broken.write_text("name: [\n")
    assert main(["validate", str(broken)]) == 1
    assert f"{broken}:" in capsys.readouterr().err


def test_saved_files_are_readable_by_others_as_umask_allows(tmp_path):
    import stat
    path = sample().save(tmp_path / "orders.yaml")
    mask = os.umask(0)
    os.umask(mask)
    assert stat.S_IMODE(path.stat().st_mode) == 0o666 & ~mask


def test_line_separators_in_text_survive_a_save(tmp_path):
    """Found by the fuzzer: PyYAML wrote NEL / U+2028 raw, and read them back as line breaks."""
    stack = Stack("x")
    stack.add("function", "F", environment={"NOTE": "a\x85b\u2028c\u2029d"})
    stack.raw = {"Resources": {"Q": {"Type": "AWS::SQS::Queue", "Properties": {"Tag": "x\x85"}}}}
    path = stack.save(tmp_path / "x.yaml")
    assert Stack.load(path) == stack
