"""`sam build` of the real functions and layer, in a temporary copy (no container, python3.11).

Slow: pip resolves the layer's requirements (from the configured index or PIP_FIND_LINKS).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
FUNCTION_DIRS = ["login", "first_connection", "forgot_identifier", "forgot_password", "mailer"]
FUNCTION_IDS = [
    "LoginFunction",
    "FirstConnectionFunction",
    "ForgotIdentifierFunction",
    "ForgotPasswordFunction",
    "MailerFunction",
]


def _sam() -> str:
    candidate = Path(sys.executable).parent / "sam"
    if candidate.exists():
        return str(candidate)
    found = shutil.which("sam")
    if not found:
        pytest.fail("sam (aws-sam-cli) is not installed in the project virtual environment")
    return found


@pytest.mark.slow
def test_sam_build_packages_functions_and_layer(tmp_path: Path) -> None:
    source = tmp_path / "src"
    source.mkdir()
    shutil.copy2(ROOT / "template.yaml", source / "template.yaml")
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc", ".pytest_cache", ".mypy_cache")
    shutil.copytree(ROOT / "functions", source / "functions", ignore=ignore)
    shutil.copytree(ROOT / "layers", source / "layers", ignore=ignore)
    build = tmp_path / "build"

    env = dict(os.environ)
    env["SAM_CLI_TELEMETRY"] = "0"
    env.setdefault("AWS_DEFAULT_REGION", "eu-west-3")
    # sam calls `python3.11 -m pip`: use this interpreter (the project venv has pip).
    env["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{env.get('PATH', '')}"
    result = subprocess.run(
        [
            _sam(),
            "build",
            "--template-file",
            str(source / "template.yaml"),
            "--build-dir",
            str(build),
            "--base-dir",
            str(source),
            "--cache-dir",
            str(tmp_path / "cache"),
            "--parallel",
        ],
        cwd=source,
        env=env,
        capture_output=True,
        text=True,
        check=False,
        timeout=900,
    )
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-4000:]

    assert (build / "template.yaml").is_file()
    for function_id in FUNCTION_IDS:
        assert (build / function_id / "app.py").is_file(), function_id
    layers = [p for p in build.iterdir() if p.name.startswith("CommonLayer")]
    assert len(layers) == 1, sorted(p.name for p in build.iterdir())
    python = layers[0] / "python"
    assert (python / "cmi" / "__init__.py").is_file()  # mounted at /opt/python/cmi on Lambda
    for package in ("aws_lambda_powertools", "pydantic", "pydantic_core", "argon2", "email_validator"):
        assert (python / package).is_dir(), f"{package} missing from the layer"
    # Compiled wheels must target Lambda's x86_64 Linux.
    assert list((python / "pydantic_core").glob("*x86_64-linux-gnu.so"))

    # What is deployed serves a request as Lambda starts it (runtime boto3 only), with and without tracing.
    from bench.size import serve_like_lambda

    for tracing in (False, True):
        status, _ = serve_like_lambda(build, tmp_path, tracing=tracing)
        assert status == "401", f"tracing={tracing}: {status}"
