"""The shared writer (stackerynb.store.files): atomic for regular files, never replacing what is
not one, cleaning up after writers that died; and the shared YAML reader's clear errors."""
from __future__ import annotations

import json
import os
import signal
import socket
import stat
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from stackerynb import Stack, StackError
from stackerynb.cli import main
from stackerynb.examples import api_with_table
from stackerynb.model.environments import load_environments
from stackerynb.model.fileformat import parse_stack
from stackerynb.importing.template_reader import parse_template
from stackerynb.store import files
from stackerynb.store.files import remove_stale_temporaries, write_atomically

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture
def dev_null():
    """/dev/null, put back as the device if a broken writer replaced it (as root, os.replace
    onto /dev/null turns it into a regular file for every process on the machine)."""
    yield "/dev/null"
    if not stat.S_ISCHR(os.stat("/dev/null").st_mode) and os.geteuid() == 0:
        os.unlink("/dev/null")
        os.mknod("/dev/null", 0o666 | stat.S_IFCHR, os.makedev(1, 3))
        os.chmod("/dev/null", 0o666)


# ------------------------------------------------------------------ what gets written where
def test_a_regular_file_is_replaced_whole_and_keeps_its_mode(tmp_path):
    target = tmp_path / "t.json"
    target.write_text("old")
    target.chmod(0o640)
    write_atomically(target, "new")
    assert target.read_text() == "new" and stat.S_IMODE(target.stat().st_mode) == 0o640
    assert os.listdir(tmp_path) == ["t.json"]


def test_dev_null_stays_a_character_device(dev_null):
    write_atomically(dev_null, "anything\n")
    assert stat.S_ISCHR(os.stat(dev_null).st_mode)


def test_compile_to_dev_null_leaves_the_device_alone(tmp_path, capsys, dev_null):
    path = api_with_table().save(tmp_path / "orders.yaml")
    assert main(["compile", str(path), "-o", "/dev/null"]) == 0
    assert stat.S_ISCHR(os.stat("/dev/null").st_mode)
    assert "wrote /dev/null" in capsys.readouterr().err


def test_a_pipe_is_written_through(tmp_path):
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    got = []
    reader = threading.Thread(target=lambda: got.append(fifo.read_text()), daemon=True)
    reader.start()
    write_atomically(fifo, "through the pipe\n")
    reader.join(timeout=30)
    assert got == ["through the pipe\n"] and stat.S_ISFIFO(os.lstat(fifo).st_mode)
    assert sorted(os.listdir(tmp_path)) == ["pipe"]


def test_a_symlink_is_followed_and_stays_a_link(tmp_path):
    real = tmp_path / "build" / "template.json"
    real.parent.mkdir()
    real.write_text("old")
    link = tmp_path / "link.json"
    link.symlink_to(real)
    path = api_with_table().save(tmp_path / "orders.yaml")
    assert main(["compile", str(path), "-o", str(link)]) == 0
    assert link.is_symlink() and os.readlink(link) == str(real)
    assert json.loads(real.read_text())["Resources"]
    assert sorted(os.listdir(real.parent)) == ["template.json"]


def test_a_dangling_symlink_creates_its_target(tmp_path):
    link = tmp_path / "link.yaml"
    link.symlink_to(tmp_path / "made.yaml")
    write_atomically(link, "x: 1\n")
    assert link.is_symlink() and (tmp_path / "made.yaml").read_text() == "x: 1\n"


def test_a_stack_saved_through_a_symlink_keeps_the_link(tmp_path):
    real = tmp_path / "real.yaml"
    api_with_table().save(real)
    link = tmp_path / "orders.yaml"
    link.symlink_to(real)
    stack = Stack.load(link)
    stack.add("queue", "Jobs")
    stack.save()
    assert link.is_symlink() and "Jobs" in Stack.load(real)


def test_a_folder_is_refused_naming_it(tmp_path):
    folder = tmp_path / "out"
    folder.mkdir()
    with pytest.raises(StackError, match=rf"{folder}: is a folder, not a regular file; nothing was written"):
        write_atomically(folder, "x")
    assert os.listdir(folder) == []


def test_a_socket_is_refused_naming_it(tmp_path):
    where = tmp_path / "s.sock"
    server = socket.socket(socket.AF_UNIX)
    try:
        server.bind(str(where))
        with pytest.raises(StackError, match=rf"{where}: is a socket, not a regular file"):
            write_atomically(where, "x")
        link = tmp_path / "to-socket"
        link.symlink_to(where)
        with pytest.raises(StackError, match="is a socket"):
            write_atomically(link, "x")
        assert stat.S_ISSOCK(os.lstat(where).st_mode) and link.is_symlink()
    finally:
        server.close()
    assert sorted(os.listdir(tmp_path)) == ["s.sock", "to-socket"]


def test_a_symlink_loop_is_a_clear_error(tmp_path):
    a, b = tmp_path / "a", tmp_path / "b"
    a.symlink_to(b)
    b.symlink_to(a)
    with pytest.raises(StackError, match="cannot write there"):
        write_atomically(a, "x")


# ------------------------------------------------------------------ writers that died
def _die_mid_save(path: Path) -> None:
    """A real process killed between writing its temporary file and the rename."""
    code = ("import os, signal, sys; from stackerynb.store import files;"
            "os.replace = lambda *a: os.kill(os.getpid(), signal.SIGKILL);"
            "files.write_atomically(sys.argv[1], 'x' * 1_000_000)")
    done = subprocess.run([sys.executable, "-c", code, str(path)], env={**os.environ, "PYTHONPATH": str(ROOT)})
    assert done.returncode == -signal.SIGKILL


def test_a_save_killed_mid_write_is_cleaned_up_by_the_next_save(tmp_path):
    path = api_with_table().save(tmp_path / "orders.yaml")
    before = path.read_bytes()
    _die_mid_save(path)
    left = [p for p in tmp_path.iterdir() if p.name != "orders.yaml"]
    assert len(left) == 1 and left[0].stat().st_size == 1_000_000 and path.read_bytes() == before
    stack = Stack.load(path)
    stack.add("queue", "Jobs")
    stack.save()
    assert os.listdir(tmp_path) == ["orders.yaml"]


def test_only_our_own_dead_temporaries_are_removed(tmp_path):
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True,
                          text=True, check=True).stdout.strip()
    alive = subprocess.Popen([sys.executable, "-c", "import sys; sys.stdin.read()"], stdin=subprocess.PIPE)
    try:
        names = {
            f".orders.yaml.{dead}.abcd1234.tmp": "gone",  # its writer died
            f".orders.yaml.{alive.pid}.abcd1234.tmp": "kept",  # a writer still at work
            f".orders.yaml.{os.getpid()}.abcd1234.tmp": "kept",  # this process's own
            ".orders.yaml.oldlegac.tmp": "gone",  # from before pids were in the name, hours old
            ".orders.yaml.newlegac.tmp": "kept",  # same, but possibly still being written
            f".other.yaml.{dead}.abcd1234.tmp": "kept",  # another file's
            f"orders.yaml.{dead}.abcd1234.tmp": "kept",  # not our name pattern
            f".orders.yaml.{dead}.abcd1234.tmp.bak": "kept",
        }
        for name in names:
            (tmp_path / name).write_text("partial")
        old = time.time() - 2 * 3600
        os.utime(tmp_path / ".orders.yaml.oldlegac.tmp", (old, old))
        folder = tmp_path / f".orders.yaml.{dead}.abcdefgh.tmp"
        folder.mkdir()  # not a regular file: never touched
        write_atomically(tmp_path / "orders.yaml", "name: orders\n")
        remaining = set(os.listdir(tmp_path))
        assert remaining == {n for n, fate in names.items() if fate == "kept"} | {"orders.yaml", folder.name}
    finally:
        alive.communicate(b"")


def test_a_stale_temporary_of_a_reused_pid_goes_after_a_day(tmp_path):
    name = tmp_path / f".orders.yaml.{os.getppid()}.abcd1234.tmp"
    name.write_text("partial")
    day_old = time.time() - 25 * 3600
    os.utime(name, (day_old, day_old))
    assert remove_stale_temporaries(tmp_path / "orders.yaml") == [name]


# ------------------------------------------------------------------ YAML with bad tags, one reporter
BAD_VALUES = [("!!bool maybe", "'maybe' is not a valid !!bool"),
              ("!!timestamp x", "'x' is not a valid !!timestamp"),
              ("!!int abc", "'abc' is not a valid !!int"),
              ("!!float abc", "'abc' is not a valid !!float"),
              ("!!timestamp 2020-13-45", "not a valid !!timestamp"),
              ("1" * 5000, "(5000 characters) is not a valid !!int"),
              ('"\\ud800 x"', "text with a lone surrogate escape")]


@pytest.mark.parametrize("value, message", BAD_VALUES)
def test_bad_tags_in_a_stack_file_name_file_and_line(value, message):
    text = f"name: orders\nnodes:\n  F:\n    kind: function\n    settings:\n      memory: {value}\n"
    with pytest.raises(StackError, match=rf"^s\.yaml:6: .*{_re(message)}"):
        parse_stack(text, "s.yaml")


@pytest.mark.parametrize("value, message", BAD_VALUES)
def test_bad_tags_in_a_template_name_file_and_line(value, message):
    text = f"Resources:\n  Q:\n    Type: AWS::SQS::Queue\n    Properties:\n      DelaySeconds: {value}\n"
    with pytest.raises(StackError, match=rf"^t\.yaml:5: .*{_re(message)}"):
        parse_template(text, "t.yaml")


@pytest.mark.parametrize("value, message", BAD_VALUES)
def test_bad_tags_in_environments_name_file_and_line(tmp_path, value, message):
    (tmp_path / "environments.yaml").write_text(f"dev:\n  target: local\n  production: {value}\n")
    with pytest.raises(StackError, match=rf"environments\.yaml:3: .*{_re(message)}"):
        load_environments(tmp_path)


def test_escaped_surrogate_pairs_are_joined_lone_ones_refused():
    """JSON writers escape an emoji as a surrogate pair; PyYAML leaves the halves apart."""
    stack = parse_stack('name: x\nnodes:\n  F:\n    kind: function\n    settings:\n'
                        '      environment: {E: "\\ud83d\\ude00"}\n', "s.yaml")
    assert stack.node("F").settings["environment"] == {"E": "\U0001F600"}
    with pytest.raises(StackError, match="s.yaml:6: .*lone surrogate"):
        parse_stack('name: x\nnodes:\n  F:\n    kind: function\n    settings:\n'
                    '      environment: {E: "\\ude00\\ud83d"}\n', "s.yaml")


def test_a_bad_mapping_tag_in_a_template_is_a_clear_error():
    with pytest.raises(StackError, match=r"^t\.yaml:5: .*not a valid !!map"):
        parse_template("Resources:\n  Q:\n    Type: AWS::SQS::Queue\n    Properties:\n      X: !!map [1]\n", "t.yaml")


@pytest.mark.parametrize("depth", [files.MAX_NESTING + 1, 330, 5000])
def test_over_deep_yaml_is_refused_when_read(tmp_path, depth):
    deep = "[" * depth + "]" * depth
    with pytest.raises(StackError, match=rf"^s\.yaml:\d+: not valid YAML: nested more than {files.MAX_NESTING} levels"):
        parse_stack(f"name: x\nraw:\n  Resources:\n    A:\n      Type: X\n      Properties: {{P: {deep}}}\n", "s.yaml")
    with pytest.raises(StackError, match=rf"^t\.yaml:\d+: not valid YAML: nested more than"):
        parse_template(f"Resources:\n  A:\n    Type: X\n    Properties: {{P: {deep}}}\n", "t.yaml")
    (tmp_path / "environments.yaml").write_text(f"dev:\n  parameters: {{P: {deep}}}\n")
    with pytest.raises(StackError, match=r"environments\.yaml:\d+: not valid YAML: nested more than"):
        load_environments(tmp_path)


def test_what_loads_can_be_saved_again(tmp_path):
    """A raw value as deep as the reader allows still saves (the writer is not the weaker side)."""
    deep = "[" * (files.MAX_NESTING - 8) + "]" * (files.MAX_NESTING - 8)
    path = tmp_path / "s.yaml"
    path.write_text(f"name: x\nraw:\n  Resources:\n    A:\n      Type: X\n      Properties: {{P: {deep}}}\n")
    stack = Stack.load(path)
    stack.add("queue", "Jobs")
    stack.save()
    assert Stack.load(path).raw == stack.raw


def _re(text: str) -> str:
    import re
    return re.escape(text)


def test_a_stack_is_never_saved_onto_a_device_pipe_or_folder(tmp_path, dev_null):
    """A stack file is read back after a save, so only regular files (or links to them) will do."""
    fifo = tmp_path / "pipe.yaml"
    os.mkfifo(fifo)
    (tmp_path / "folder.yaml").mkdir()
    for target, kind in [("/dev/null", "a character device"), (fifo, "a pipe"), (tmp_path / "folder.yaml", "a folder")]:
        with pytest.raises(StackError, match=rf"{target}: is {kind}, not a regular file; a stack file must be one"):
            api_with_table().save(target)
    assert stat.S_ISCHR(os.stat("/dev/null").st_mode) and stat.S_ISFIFO(os.stat(fifo).st_mode)
