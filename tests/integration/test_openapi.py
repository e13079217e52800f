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
    declared = {route for route in routes if route[0] != "any"}
    documented = {(method, path) for path, ops in document["paths"].items() for method in ops}
    assert documented == declared
    # Every documented path also has the ANY method that answers 405 to the others.
    assert {("any", path) for _, path in declared} == routes - declared


def test_every_method_a_path_does_not_declare_gets_405_with_allow(harness):
    from cmi import messages
    from localportal import template

    declared: dict[str, set[str]] = {}
    for function in template.load().functions():
        for route in function.routes:
            if route.method != "ANY":
                declared.setdefault(route.path, set()).add(route.method)
    for path, methods in declared.items():
        concrete = path.replace("{identifier}", "000011701060005")
        for method in sorted({"GET", "POST", "PUT", "PATCH", "DELETE", "OPTIONS", "TRACE"} - methods):
            r = harness.call(method, concrete, None)
            assert (r.status, r.json) == (405, {"message": messages.METHOD_NOT_ALLOWED}), (method, path)
            assert r.headers["Allow"] == ", ".join(sorted(methods)), (method, path)


def test_every_link_of_the_document_names_an_operation_of_it():
    document = openapi.build()
    operations = {op["operationId"] for ops in document["paths"].values() for op in ops.values()}
    links = [
        link["operationId"]
        for ops in document["paths"].values()
        for op in ops.values()
        for answer in op["responses"].values()
        for link in answer.get("links", {}).values()
    ]
    assert len(links) >= 4  # login → session, logout; session → logout; forgot → reset → login
    assert set(links) <= operations


def test_every_text_field_of_a_request_is_required_in_the_document():
    document = openapi.build()
    for name, schema in document["components"]["schemas"].items():
        if name.endswith("Request"):
            texts = [field for field, spec in schema["properties"].items() if spec.get("type") == "string"]
            assert sorted(schema["required"]) == sorted(texts), name
            assert all("default" not in schema["properties"][field] for field in texts), name
