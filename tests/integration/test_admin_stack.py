"""cmi-admin --stack: works against a deployed stack, reading the environment of its functions (moto)."""

import io
import json
from contextlib import redirect_stderr, redirect_stdout

import boto3
import pytest

from cmi import container
from localportal import aws
from ops import cmi_admin

STACK = "cmi-portail-connexion"


@pytest.fixture
def deployed(harness, monkeypatch):
    """A stack whose LoginFunction carries the environment the harness provisioned."""
    role = boto3.client("iam").create_role(
        RoleName="login-role",
        AssumeRolePolicyDocument=json.dumps({"Version": "2012-10-17", "Statement": []}),
    )["Role"]["Arn"]
    body = {
        "Resources": {
            "LoginFunction": {
                "Type": "AWS::Lambda::Function",
                "Properties": {
                    "FunctionName": "cmi-portail-connexion-LoginFunction-ABC123",
                    "Runtime": "python3.11",
                    "Handler": "app.lambda_handler",
                    "Role": role,
                    "Code": {"ZipFile": "def lambda_handler(event, context):\n    return {}\n"},
                    "Environment": {"Variables": harness.runtime.stack.environment},
                },
            }
        }
    }
    boto3.client("cloudformation").create_stack(StackName=STACK, TemplateBody=json.dumps(body))
    # The ops command parses its own settings, as a fresh process would.
    monkeypatch.setattr(container, "_current", None)
    return harness


def run(*args: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    with redirect_stdout(out), redirect_stderr(err):
        code = cmi_admin.main(["--stack", STACK, *args])
    return code, out.getvalue(), err.getvalue()


def test_stack_environment_is_read_from_the_deployed_function(deployed):
    environment = cmi_admin._stack_environment(STACK)
    assert environment["ACCOUNTS_TABLE"] == "AccountsTable"
    assert environment["PORTAL_URL"] == deployed.runtime.stack.environment["PORTAL_URL"]


def test_operator_registers_an_organisation_and_a_referent_on_the_stack(deployed):
    assert run("create-organisation", "75001", "MDPH de Paris")[0] == 0
    code, out, _ = run(
        "create-referent", "75001", "--first-name", "Inès", "--last-name", "Roy", "--email", "ines@exemple.fr"
    )
    assert code == 0
    identifier = out.split("identifiant ")[1].split(".")[0]
    (mail,) = [m for m in aws.sent_mails() if m.to == "ines@exemple.fr"]
    assert identifier in mail.text
    code, out, _ = run("show", identifier)
    assert code == 0 and "Inès Roy" in out


def test_unknown_stack_is_a_clear_error(deployed):
    out, err = io.StringIO(), io.StringIO()
    with redirect_stdout(out), redirect_stderr(err):
        code = cmi_admin.main(["--stack", "nope", "show", "00001"])
    assert code == 3
    assert "Erreur AWS" in err.getvalue()
