"""The OpenAPI document of the API, generated from the handlers' routes and models.

python -m tools.openapi > docs/openapi.json
"""

from __future__ import annotations

import json
import sys
from typing import Any

from pydantic import BaseModel

from localportal import template
from localportal.functions import load_module, mount_layers

_COOKIE_SCHEMES = {"__Host-cmi-session": "session", "__Host-cmi-first-connection": "firstConnection"}


def _schema(model: type[BaseModel], schemas: dict[str, Any], mode: str) -> dict[str, str]:
    schema = model.model_json_schema(ref_template="#/components/schemas/{model}", mode=mode)  # type: ignore[arg-type]
    for name, definition in schema.pop("$defs", {}).items():
        schemas[name] = definition
    schemas[model.__name__] = schema
    return {"$ref": f"#/components/schemas/{model.__name__}"}


def _content(schema: dict[str, Any]) -> dict[str, Any]:
    return {"application/json": {"schema": schema}}


def build() -> dict[str, Any]:
    from cmi.http import error_responses
    from cmi.models import ErrorsResponse, MessageResponse

    tpl = template.load()
    mount_layers(tpl)
    paths: dict[str, dict[str, Any]] = {}
    schemas: dict[str, Any] = {}
    for function in tpl.functions():
        declared = {(r.method, r.path) for r in function.routes}
        if not declared:
            continue
        api = load_module(function).api
        if set(api.routes) != declared:
            raise SystemExit(
                f"{function.name}: template.yaml routes {sorted(declared)} != handler routes {sorted(api.routes)}"
            )
        for (method, path), route in sorted(api.routes.items()):
            responses: dict[int, type[BaseModel] | None] = dict(route.responses)
            if method != "GET":
                responses = {**error_responses(), **responses}
            else:
                responses.setdefault(503, MessageResponse)
            documented: dict[str, Any] = {}
            for status, model in sorted(responses.items()):
                entry: dict[str, Any] = {"description": f"HTTP {status}"}
                if status == 400:
                    entry["content"] = _content(
                        {
                            "oneOf": [
                                _schema(ErrorsResponse, schemas, "serialization"),
                                _schema(MessageResponse, schemas, "serialization"),
                            ]
                        }
                    )
                elif model is not None:
                    entry["content"] = _content(_schema(model, schemas, "serialization"))
                if status in (429, 503):
                    entry["headers"] = {"Retry-After": {"schema": {"type": "integer", "minimum": 1}}}
                documented[str(status)] = entry
            operation: dict[str, Any] = {
                "operationId": route.func.__name__.replace("_", "-"),
                "summary": route.summary,
                "tags": [function.name.removesuffix("Function")],
                "responses": documented,
            }
            if route.body is not None:
                operation["requestBody"] = {
                    "required": True,
                    "content": _content(_schema(route.body, schemas, "validation")),
                }
            if route.cookie:
                operation["security"] = [{_COOKIE_SCHEMES[route.cookie]: []}]
            paths.setdefault(path, {})[method.lower()] = operation
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "Portail Carte Mobilité Inclusion Organisme - connexion",
            "version": "1.0.0",
            "description": "Connexion, première connexion, identifiant et mot de passe oubliés.",
        },
        "paths": dict(sorted(paths.items())),
        "components": {
            "schemas": dict(sorted(schemas.items())),
            "securitySchemes": {
                scheme: {"type": "apiKey", "in": "cookie", "name": cookie} for cookie, scheme in _COOKIE_SCHEMES.items()
            },
        },
    }


def render() -> str:
    return json.dumps(build(), indent=2, ensure_ascii=False, sort_keys=False) + "\n"


if __name__ == "__main__":
    sys.stdout.write(render())
