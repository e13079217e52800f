"""What a cold start loads: heavy modules only where used (checked in a fresh interpreter)."""

import json
import subprocess
import sys

import pytest

from localportal import template
from localportal.functions import LambdaContext

FUNCTIONS = {f.name: f for f in template.load().functions()}
LAYER = str(template.ROOT / "layers" / "common")
PROBE = """
import json, sys
sys.path[:0] = [{layer!r}, {code!r}]
import app
heavy = ("pydantic", "aws_xray_sdk", "argon2", "email_validator", "boto3")
print(json.dumps(sorted({{m.split(".")[0] for m in sys.modules if m.split(".")[0] in heavy}})))
"""


def loaded_at_import(name: str) -> set[str]:
    function = FUNCTIONS[name]
    code = PROBE.format(layer=LAYER, code=str(function.code_uri))
    env = {"POWERTOOLS_SERVICE_NAME": "test", "PATH": ""}
    output = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, check=True).stdout
    return set(json.loads(output))


@pytest.mark.parametrize("name", sorted(FUNCTIONS))
def test_no_function_loads_the_xray_sdk_at_import(name):
    # The tracer is created at the first traced invocation, and only when tracing is on.
    assert "aws_xray_sdk" not in loaded_at_import(name)


def test_the_mailer_validates_no_request_and_does_not_load_pydantic():
    assert "pydantic" not in loaded_at_import("MailerFunction")


def test_forgot_routes_do_not_load_the_password_hasher():
    assert "argon2" not in loaded_at_import("ForgotIdentifierFunction")


def test_traced_invocation_without_the_xray_sdk_still_answers(monkeypatch):
    """On Lambda with Tracing: Active but no X-Ray SDK in the layer, the handler must not fail."""
    import importlib.util

    from cmi import observability

    monkeypatch.setenv("AWS_XRAY_DAEMON_ADDRESS", "127.0.0.1:2000")
    monkeypatch.delenv("POWERTOOLS_TRACE_DISABLED", raising=False)
    real_find_spec = importlib.util.find_spec
    monkeypatch.setattr(
        importlib.util, "find_spec", lambda name, *a: None if name == "aws_xray_sdk" else real_find_spec(name, *a)
    )
    assert observability._tracing_enabled() is False
    handler = observability.entry(lambda event, context: {"statusCode": 204}, None)
    assert handler({}, LambdaContext("LoginFunction")) == {"statusCode": 204}
