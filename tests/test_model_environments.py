"""environments.yaml: names are the user's, no file means local, bad files name file and line."""
import pytest

from stackerynb import Stack, StackError
from stackerynb.model.environments import load_environments, resolve_environment


def write(tmp_path, text):
    (tmp_path / "environments.yaml").write_text(text)
    return tmp_path


def test_no_file_means_every_name_is_local(tmp_path):
    env = resolve_environment("feature-x", tmp_path)
    assert env.is_local and env.region == "us-east-1" and not env.production


def test_defined_environments_and_unknown_names(tmp_path):
    write(tmp_path, "dev: {}\nprod:\n  target: aws\n  region: eu-west-1\n  production: true\n  profile: admin\n")
    prod = resolve_environment("prod", tmp_path)
    assert (prod.target, prod.region, prod.production, prod.profile) == ("aws", "eu-west-1", True, "admin")
    with pytest.raises(StackError, match="unknown environment 'test'.*defines: dev, prod"):
        resolve_environment("test", tmp_path)


def test_a_stack_finds_the_file_beside_it(tmp_path):
    write(tmp_path, "qa:\n  region: ap-south-1\n")
    stack = Stack("a")
    stack.save(tmp_path / "a.yaml")
    assert stack.environment("qa").region == "ap-south-1"


@pytest.mark.parametrize("text, message", [
    ("dev:\n  region: [\n", r"environments.yaml:3: not valid YAML"),
    ("dev:\n  regoin: us-east-1\n", r"environment dev: unknown key 'regoin'"),
    ("dev:\n  target: cloud\n", r"target 'cloud' must be one of local, aws"),
    ("dev:\n  region: mars-1\n", r"region 'mars-1' is not an AWS region"),
    ("dev:\n  production: yes please\n", r"production must be true or false"),
    ("Dev: {}\n", r"environment name 'Dev' must be lower case"),
])
def test_bad_files_name_the_file_and_what_is_wrong(tmp_path, text, message):
    write(tmp_path, text)
    with pytest.raises(StackError, match=message):
        load_environments(tmp_path)
