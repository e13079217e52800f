"""The committed OpenAPI document is the one generated from the handlers (regenerate: make openapi)."""

import json
from pathlib import Path

from openapi_spec_validator import validate

from localportal import openapi

COMMITTED = Path(__file__).resolve().parents[2] / "docs" / "openapi.json"


def test_committed_openapi_document_matches_the_handlers():
    assert json.loads(COMMITTED.read_text(encoding="utf-8")) == openapi.build(), "run `make openapi` and commit"


def test_openapi_document_is_valid_and_covers_every_route_of_the_template():
    document = openapi.build()
    validate(document)
    from localportal import template

    routes = {(r.method.lower(), r.path) for f in template.load().functions() for r in f.routes}
    documented = {(method, path) for path, ops in document["paths"].items() for method in ops}
    assert documented == routes
