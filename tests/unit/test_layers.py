"""The layers of the common package: the domain knows neither HTTP nor the AWS SDK; no import cycle."""

from __future__ import annotations

import ast
import json
import subprocess
import sys
from pathlib import Path

import pytest

LAYER = Path(__file__).resolve().parents[2] / "layers" / "common"
CMI = LAYER / "cmi"
MODULES = {
    ".".join(path.relative_to(LAYER).with_suffix("").parts).removesuffix(".__init__"): path
    for path in CMI.rglob("*.py")
}


def imported(path: Path) -> set[str]:
    """Every module a file imports, at the top or inside functions (`from a import b` counts a.b if it is one)."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            found.add(node.module)
            found.update(
                f"{node.module}.{alias.name}" for alias in node.names if f"{node.module}.{alias.name}" in MODULES
            )
    return found


def test_the_package_has_its_four_layers():
    for layer in ("web", "domain", "store", "mail"):
        assert (CMI / layer / "__init__.py").is_file()


@pytest.mark.parametrize("name", sorted(n for n in MODULES if n.startswith("cmi.domain")))
def test_the_domain_imports_neither_the_web_layer_nor_the_aws_sdk(name):
    forbidden = [
        m for m in imported(MODULES[name]) if m.split(".")[0] in ("boto3", "botocore") or m.startswith("cmi.web")
    ]
    assert forbidden == []


def test_loading_every_domain_module_loads_no_aws_sdk():
    names = sorted(n for n in MODULES if n.startswith("cmi.domain"))
    probe = (
        f"import sys, json; sys.path.insert(0, {str(LAYER)!r}); import {', '.join(names)}; "
        "print(json.dumps(sorted(m for m in sys.modules if m.split('.')[0] in ('boto3', 'botocore'))))"
    )
    output = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True).stdout
    # Powertools' logger probes for botocore's bare package to tag its user agent; nothing of the SDK loads.
    assert json.loads(output) in ([], ["botocore"])


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    found: list[list[str]] = []
    state: dict[str, int] = {}

    def visit(node: str, path: list[str]) -> None:
        state[node] = 1
        for nxt in sorted(graph.get(node, ())):
            if state.get(nxt) == 1:
                found.append([*path[path.index(nxt) :], nxt])
            elif nxt not in state:
                visit(nxt, [*path, nxt])
        state[node] = 2

    for start in sorted(graph):
        if start not in state:
            visit(start, [start])
    return found


def test_no_import_cycle_between_modules_of_the_package():
    graph = {name: {m for m in imported(path) if m in MODULES and m != name} for name, path in MODULES.items()}
    assert sum(len(edges) for edges in graph.values()) > 50  # the graph was really read
    assert cycles(graph) == []


def test_the_cycle_finder_sees_a_cycle():
    assert cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c", "a"]]
