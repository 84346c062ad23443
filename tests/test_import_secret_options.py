"""A generated secret's options (ExcludeCharacters, SecretStringTemplate...) import as the
secret node's ``generate_options`` and compile back as written (semantic diff empty)."""
import json
import warnings

from stackerynb.compile.compiler import assemble, build
from stackerynb.compile.raw import add_raw
from stackerynb.diff import semantic_diff
from stackerynb.importing import import_text, parse_template
from stackerynb.model.environments import Environment

TEMPLATE = """AWSTemplateFormatVersion: '2010-09-09'
Resources:
  Creds:
    Type: AWS::SecretsManager::Secret
    Properties:
      Description: database login
      GenerateSecretString:
        SecretStringTemplate: '{"username": "admin"}'
        GenerateStringKey: password
        PasswordLength: 24
        ExcludeCharacters: '"@/'
"""


def compiled(stack) -> dict:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ctx = build(stack, Environment("dev"))
        template, data = assemble(ctx)
        add_raw(ctx, template, data)
    return json.loads(template.to_json(sort_keys=False))


def test_generate_options_are_secret_settings_compiled_as_written():
    stack, report = import_text(TEMPLATE)
    secret = stack.node("Creds")
    assert secret.kind == "secret" and secret.get("length") == 24
    assert secret.get("generate_options") == {"SecretStringTemplate": '{"username": "admin"}',
                                              "GenerateStringKey": "password", "ExcludeCharacters": '"@/'}
    original = parse_template(TEMPLATE).data
    result = compiled(stack)
    assert result["Resources"]["Creds"]["Properties"]["GenerateSecretString"]["GenerateStringKey"] == "password"
    assert semantic_diff(original, result) == []
    stack.set("Creds", generate_options={})  # seeded: a plain random value, without the username
    assert {r.key.split(".")[0] for r in semantic_diff(original, compiled(stack))} == {"GenerateSecretString"}


def test_options_that_are_no_generate_setting_keep_the_secret_verbatim():
    stack, report = import_text(TEMPLATE.replace("GenerateStringKey: password", "Unknown: 1"))
    assert "Creds" not in stack or stack.node("Creds").kind == "resource"
    assert "'Unknown' is not one of" in report.set_index("resource").loc["Creds"].reason
