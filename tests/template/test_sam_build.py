"""`sam build` of the real functions and layer, in a temporary copy (no container, python3.11).

Slow: pip resolves the layer's requirements (from the configured index or PIP_FIND_LINKS).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from bench.size import compiled_at_start, sam_build, serve_like_lambda
from localportal import template

FUNCTION_IDS = [f.name for f in template.load().functions()]


@pytest.mark.slow
def test_sam_build_packages_functions_and_layer(tmp_path: Path) -> None:
    build, error = sam_build(tmp_path)  # a clean copy of the sources, as CI has them
    assert build is not None, error

    assert (build / "template.yaml").is_file()
    for function_id in FUNCTION_IDS:
        assert (build / function_id / "app.py").is_file(), function_id
    layers = [p for p in build.iterdir() if p.name.startswith("CommonLayer")]
    assert len(layers) == 1, sorted(p.name for p in build.iterdir())
    python = layers[0] / "python"
    assert (python / "cmi" / "__init__.py").is_file()  # mounted at /opt/python/cmi on Lambda
    for package in ("aws_lambda_powertools", "pydantic", "pydantic_core", "argon2", "email_validator"):
        assert (python / package).is_dir(), f"{package} missing from the layer"
    # The runtime provides boto3/botocore: a copy in the layer would shadow it and weigh ~100 MB.
    assert not (python / "boto3").exists() and not (python / "botocore").exists()
    # Compiled wheels must target Lambda's x86_64 Linux.
    assert list((python / "pydantic_core").glob("*x86_64-linux-gnu.so"))

    # What is deployed serves a request as Lambda starts it (runtime boto3 only), with and without tracing.
    for tracing in (False, True):
        status, _ = serve_like_lambda(build, tmp_path, tracing=tracing)
        assert status == "401", f"tracing={tracing}: {status}"

    # The layer ships bytecode valid whatever the file times after unzipping: Lambda's /opt is read-only, so
    # without it every cold start would compile pydantic, Powertools and cmi from source.
    pycs = list(python.rglob("*.pyc"))
    assert len(pycs) >= 300, len(pycs)
    assert all(pyc.read_bytes()[4:8] == (1).to_bytes(4, "little") for pyc in pycs)  # flags: hash-based, unchecked
    started = compiled_at_start(build, tmp_path)
    assert started["status"] == 401 and started["dont_write_bytecode"] == 1
    from_layer = [path for path in started["compiled"] if path.startswith(str(python))]
    assert from_layer == [], from_layer[:5]
    # The hook does see compilation: the function's own app.py ships as source and is compiled.
    assert any(path.endswith("app.py") for path in started["compiled"])
