"""Function code and handlers stay inside the project: write_starter never writes outside it and
deploy never packages a folder (or a link) outside it. Bad values are refused with a StackError
naming the node and setting, at validation where the model can tell, and again where files are
touched."""
from __future__ import annotations

import os

import pytest

from stackerynb import Stack, StackError
from stackerynb.deploy import packaging
from stackerynb.deploy.starters import split_handler


def project_with_stack(tmp_path, **settings):
    """``tmp_path/project/stacks/app.yaml`` (the project is its folder: no git work tree above)
    and a folder outside it with a 'private key'."""
    outside = tmp_path / "home" / ".ssh"
    outside.mkdir(parents=True)
    (outside / "id_rsa").write_text("PRIVATE KEY")
    folder = tmp_path / "project"
    folder.mkdir()
    stack = Stack("app")
    stack.add("function", "Worker", **settings)
    stack.save(folder / "app.yaml")
    return stack, folder, outside


def files_under(path):
    return sorted(str(p.relative_to(path)) for p in path.rglob("*") if p.is_file())


@pytest.mark.parametrize("handler", ["/abs/x.handler", "..tmp.x.handler", "a//b.handler", "../x.handler"])
def test_handlers_that_lead_outside_are_refused_at_validation(tmp_path, handler):
    stack = Stack("app")
    with pytest.raises(StackError, match=r"Worker\.handler"):
        stack.add("function", "Worker", handler=handler)
    with pytest.raises(ValueError, match="inside the code folder"):
        split_handler(handler)


@pytest.mark.parametrize("code", ["/etc", "~/.ssh", "C:/Windows"])
def test_absolute_code_folders_are_refused_at_validation(code):
    with pytest.raises(StackError, match=r"Worker\.code"):
        Stack("app").add("function", "Worker", code=code)


@pytest.mark.parametrize("code", ["../..", "../../home/.ssh", ".."])
def test_write_starter_never_writes_outside_the_project(tmp_path, code):
    stack, folder, outside = project_with_stack(tmp_path, code=code)
    before = files_under(tmp_path)
    with pytest.raises(StackError, match=r"Worker\.code: .* outside the project"):
        packaging.write_starter(stack, "Worker")
    assert files_under(tmp_path) == before


def test_write_starter_folder_argument_is_checked_too(tmp_path):
    stack, folder, outside = project_with_stack(tmp_path)
    with pytest.raises(StackError, match=r"Worker\.folder: .* outside the project"):
        packaging.write_starter(stack, "Worker", folder="../home")
    assert stack.node("Worker").get("code") == ""


def test_deploy_never_packages_a_folder_outside_the_project(tmp_path):
    stack, folder, outside = project_with_stack(tmp_path, code="../home/.ssh", handler="id_rsa.handler")
    with pytest.raises(StackError, match=r"Worker\.code: '\.\./home/\.ssh' leads to .* outside the project"):
        packaging.package_functions(stack)


def test_links_out_of_the_project_are_not_packaged(tmp_path):
    stack, folder, outside = project_with_stack(tmp_path, code="worker")
    (folder / "worker").mkdir()
    (folder / "worker" / "handler.py").write_text("def handler(e, c):\n    return 1\n")
    os.symlink(outside / "id_rsa", folder / "worker" / "key")
    with pytest.raises(StackError, match=r"Worker\.code: .*key links to .*id_rsa, outside the project"):
        packaging.package_functions(stack)
    os.remove(folder / "worker" / "key")
    os.symlink(outside, folder / "linked")
    stack.set("Worker", code="linked")
    with pytest.raises(StackError, match=r"Worker\.code: 'linked' leads to .* outside the project"):
        packaging.package_functions(stack)


def test_code_elsewhere_in_the_project_is_fine(tmp_path):
    """A git work tree is the project: ``stacks/app.yaml`` may use ``../functions/worker``."""
    import subprocess
    subprocess.run(["git", "init", "-q", str(tmp_path)], check=True)
    (tmp_path / "functions" / "worker").mkdir(parents=True)
    (tmp_path / "functions" / "worker" / "handler.py").write_text("def handler(e, c):\n    return 1\n")
    (tmp_path / "stacks").mkdir()
    stack = Stack("app")
    stack.add("function", "Worker", code="../functions/worker")
    stack.save(tmp_path / "stacks" / "app.yaml")
    assert packaging.package_functions(stack)["Worker"].source == "../functions/worker"
