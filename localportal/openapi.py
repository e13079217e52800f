"""The API's OpenAPI document: each function's resolver describes its routes, Powertools merges them.

python -m localportal.openapi > docs/openapi.json   (make openapi)
"""

from __future__ import annotations

import json
import sys
from typing import Any

from localportal import template
from localportal.functions import load_module, mount_layers

TITLE = "Portail Carte Mobilité Inclusion Organisme - connexion"
DESCRIPTION = "Connexion, première connexion, identifiant et mot de passe oubliés."
# Powertools documents its own 422 answer to invalid requests; this API answers 400 in French instead.
_UNUSED = ("HTTPValidationError", "ValidationError", "ResponseValidationError")


def build() -> dict[str, Any]:
    from aws_lambda_powertools.event_handler.openapi.merge import OpenAPIMerge

    tpl = template.load()
    mount_layers(tpl)
    merge = OpenAPIMerge(title=TITLE, version="1.0.0", description=DESCRIPTION, on_conflict="error")
    for function in tpl.functions():
        if function.routes:
            schema = load_module(function).app.get_openapi_schema(title=TITLE)
            for operations in schema.paths.values():
                for method in ("get", "post"):
                    operation = getattr(operations, method)
                    if operation is not None:
                        operation.tags = [function.name.removesuffix("Function")]
            merge.add_schema(schema)
    document: dict[str, Any] = json.loads(merge.get_openapi_json_schema())
    for operations in document["paths"].values():
        for operation in operations.values():
            operation["responses"].pop("422", None)
    for name in _UNUSED:
        document.get("components", {}).get("schemas", {}).pop(name, None)
    return document


def main() -> int:
    json.dump(build(), sys.stdout, ensure_ascii=False, indent=2, sort_keys=False)
    sys.stdout.write("\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
