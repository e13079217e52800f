"""API fuzzing with schemathesis against the generated OpenAPI document, on the real handlers in-process.

Every operation of `localportal.openapi.build()` gets positive cases (valid per the schema) and, when it has a
body, negative cases (schema-violating bodies), sent through a tiny WSGI adapter around
`Runtime.call_api` (the same API Gateway proxy events as the local portal). Cookies are sometimes
valid (minted for a real account), sometimes forged; Origin and Content-Type vary too.
Generation is derandomized: the same requests every run.

Checked for every answer: every schemathesis check (no 5xx; status, headers and body conform to the
document; schema-valid data accepted and invalid data rejected, with schemathesis.toml naming the rules
no schema states), and every error body is a French message of cmi/messages.py.
"""

from __future__ import annotations

import json
from collections import Counter
from typing import Any
from urllib.parse import parse_qs

import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from schemathesis import GenerationMode
from schemathesis.checks import CHECKS, load_all_checks
from schemathesis.config import SchemathesisConfig

from cmi.domain import onboarding
from cmi.web.cookies import FIRST_CONNECTION as FIRST_CONNECTION_COOKIE
from cmi.web.cookies import SESSION as SESSION_COOKIE
from localportal import openapi, template
from tests.integration.conftest import EMAIL, Agent
from tests.security.conftest import ROOT
from tests.security.support import french_error_problem, mint
from tests.support import PORTAL_URL

# Per operation: positive examples, and negative ones when there is a body to break. 14 operations,
# 6 with a body: 14 * 60 + 6 * 70 = 1,260 generated requests.
POSITIVE_EXAMPLES = 60
NEGATIVE_EXAMPLES = 70
MINIMUM_TOTAL = 1000

# Every check schemathesis has (the stateful ones see no state here: tests/security/test_contract.py runs
# the stateful phase against the local portal), with the repository's schemathesis.toml.
load_all_checks()
ALL_CHECKS = CHECKS.get_all()
CONFIG = SchemathesisConfig.from_path(ROOT / "schemathesis.toml")

_REASONS = {
    200: "OK",
    201: "Created",
    204: "No Content",
    400: "Bad Request",
    401: "Unauthorized",
    403: "Forbidden",
    404: "Not Found",
    405: "Method Not Allowed",
    409: "Conflict",
    429: "Too Many Requests",
    500: "Internal Server Error",
    503: "Service Unavailable",
}


OPERATIONS = {
    f"{method.upper()} {path}"
    for f in template.load().functions()
    for method, path in ((r.method, r.path) for r in f.routes)
    if method != "ANY"  # what the path does not declare: 405 (tests/integration/test_openapi.py)
}


class ApiGatewayWsgi:
    """WSGI in front of the local runtime: each request becomes the REST (v1) proxy event of its route."""

    def __init__(self, runtime: Any) -> None:
        self.runtime = runtime
        self.sent: Counter[str] = Counter()
        self.statuses: Counter[int] = Counter()

    def __call__(self, environ: dict[str, Any], start_response: Any) -> list[bytes]:
        method = environ["REQUEST_METHOD"]
        path = environ.get("PATH_INFO", "")
        headers = [
            (name[5:].replace("_", "-").title(), value) for name, value in environ.items() if name.startswith("HTTP_")
        ]
        if environ.get("CONTENT_TYPE"):
            headers.append(("Content-Type", environ["CONTENT_TYPE"]))
        length = int(environ.get("CONTENT_LENGTH") or 0)
        body = environ["wsgi.input"].read(length) if length else b""
        query = parse_qs(environ.get("QUERY_STRING", ""))
        proxy = self.runtime.call_api(method, path, headers, body, query=query)
        route = self.runtime.match(method, path)
        self.sent[f"{method} {route[0] if route else path}"] += 1
        if proxy is None:
            proxy = {"statusCode": 404, "headers": {}, "body": ""}
        status = int(proxy["statusCode"])
        self.statuses[status] += 1
        out = list((proxy.get("headers") or {}).items())
        for name, values in (proxy.get("multiValueHeaders") or {}).items():
            out.extend((name, v) for v in values)
        start_response(f"{status} {_REASONS.get(status, 'Unknown')}", out)
        return [(proxy.get("body") or "").encode("utf-8")]


def _properties(operation: Any) -> list[str]:
    """Names of the body fields of an operation (its request model in the document)."""
    body = operation.definition.raw.get("requestBody")
    if not body:
        return []
    ref = body["content"]["application/json"]["schema"]["$ref"].rsplit("/", 1)[1]
    return list(operation.schema.raw_schema["components"]["schemas"][ref]["properties"])


def _operations(schema: Any) -> list[tuple[str, Any]]:
    return [(f"{op.method.upper()} {op.path}", op) for op in (r.ok() for r in schema.get_all_operations())]


def _plausible(active: Agent, pending: Agent, reset_token: str) -> dict[str, st.SearchStrategy[str]]:
    """Values that get past the field validators, so the fuzzer also reaches the domain code."""
    good = "Fuzz-Mobilité!2026"
    return {
        "identifier": st.sampled_from(
            [active.identifier, pending.identifier, f" {active.identifier.lower()} ", "00001ZZZZZZZZZZ", "ABCDE1"]
        ),
        "password": st.sampled_from([active.password, pending.password, "Pas-le-bon!2026", "x"]),
        "email": st.sampled_from([EMAIL, f" {EMAIL.upper()} ", pending.email, "personne@exemple.fr"]),
        "email_confirmation": st.sampled_from([pending.email, EMAIL]),
        "new_password": st.sampled_from([good, "faible", pending.password, "Camille!Martin9"]),
        "password_confirmation": st.sampled_from([good, "autre"]),
        "token": st.sampled_from([reset_token, "x" * 43, "y" * 200]),
        "first_name": st.sampled_from(["Lucie", "Jean-Pierre", "Zoé", "R2D2"]),
        "last_name": st.sampled_from(["N'Diaye", "Le Gall", "Müller", ""]),
    }


def _cookies(choice: str, harness: Any, active: Agent, pending: Agent, junk: str) -> dict[str, str]:
    """Cookies of one request: none, valid (minted now), swapped kinds, forged or junk."""
    if choice == "session":
        return {SESSION_COOKIE: mint(harness.services, "session", active.identifier, idle=1800)}
    if choice == "first_connection":
        return {FIRST_CONNECTION_COOKIE: mint(harness.services, "first_connection", pending.identifier)}
    if choice == "swapped":
        # A session token where a first-connection pass is expected, and the other way round.
        return {
            SESSION_COOKIE: mint(harness.services, "first_connection", pending.identifier),
            FIRST_CONNECTION_COOKIE: mint(harness.services, "session", active.identifier, idle=1800),
        }
    if choice == "forged":
        return {SESSION_COOKIE: junk, FIRST_CONNECTION_COOKIE: junk}
    if choice == "junk":
        return {"autre": junk}
    return {}


COOKIE_CHOICES = st.sampled_from(["none", "session", "first_connection", "swapped", "forged", "junk"])
JUNK = st.text(st.characters(min_codepoint=0x21, max_codepoint=0x7E, exclude_characters=';,"\\'), max_size=200)
# Mostly what a browser on the portal sends (or nothing, as curl), sometimes a foreign origin.
ORIGINS = st.sampled_from([None, PORTAL_URL, None, PORTAL_URL, "https://attaquant.example", "null"])


class Fuzzer:
    """Sends the generated cases of one operation and checks every answer."""

    def __init__(self, harness: Any, active: Agent, pending: Agent, reset_token: str) -> None:
        self.harness, self.active, self.pending = harness, active, pending
        self.plausible = _plausible(active, pending, reset_token)
        self.app = ApiGatewayWsgi(harness.runtime)
        self.by_operation: dict[str, Counter[int]] = {}

    def fuzz(self, label: str, operation: Any, mode: GenerationMode, examples: int) -> None:
        has_body = bool(operation.definition.raw.get("requestBody"))
        bodyless_post = operation.method.upper() != "GET" and not has_body

        @settings(
            max_examples=examples,
            derandomize=True,
            database=None,
            deadline=None,
            suppress_health_check=list(HealthCheck),
        )
        @given(
            case=operation.as_strategy(generation_mode=mode),
            cookie=COOKIE_CHOICES,
            junk=JUNK,
            origin=ORIGINS,
            data=st.data(),
        )
        def run(case: Any, cookie: str, junk: str, origin: str | None, data: Any) -> None:
            if mode is GenerationMode.POSITIVE and isinstance(case.body, dict) and data.draw(st.booleans()):
                # Half of the valid bodies carry plausible values (known identifiers, the real reset link…).
                for name in _properties(operation):
                    if name in self.plausible and data.draw(st.integers(0, 4)):
                        case.body[name] = data.draw(self.plausible[name])
            if mode is GenerationMode.POSITIVE and case.path_parameters and data.draw(st.booleans()):
                case.path_parameters["identifier"] = data.draw(self.plausible["identifier"]).strip()
            headers: dict[str, str] = {}
            if origin is not None:
                headers["Origin"] = origin
            if bodyless_post:
                headers["Content-Type"] = "application/json"  # logout: what the frontend sends
            cookies = _cookies(cookie, self.harness, self.active, self.pending, junk)
            response = case.call(app=self.app, headers=headers, cookies=cookies)
            self.by_operation.setdefault(label, Counter())[response.status_code] += 1
            case.validate_response(response, checks=ALL_CHECKS, headers=headers, transport_kwargs={"app": self.app})
            if response.status_code >= 400:
                problem = french_error_problem(response.json() if response.content else None)
                assert problem is None, f"{label} {response.status_code}: {problem}"

        run()


def test_schemathesis_fuzzing_of_every_operation(harness, active):
    # `active` went through its first connection: another référent stays pending, for the first-connection routes.
    new = onboarding.create_account(harness.services, "00001", "Lucie", "Bernard", "lucie.bernard@exemple.fr")
    pending = Agent(new.account.identifier, new.temporary_password, new.account.email)
    schema = schemathesis.openapi.from_dict(openapi.build(), config=CONFIG)
    operations = _operations(schema)
    assert {label for label, _ in operations} == OPERATIONS
    harness.post("/api/forgot-password", {"identifier": active.identifier})
    (reset_token,) = [m.text.split("#token=")[1].split()[0] for m in harness.mails(EMAIL) if "#token=" in m.text]
    fuzzer = Fuzzer(harness, active, pending, reset_token)
    sent = fuzzer.app.sent

    for label, operation in operations:
        fuzzer.fuzz(label, operation, GenerationMode.POSITIVE, POSITIVE_EXAMPLES)
        if operation.definition.raw.get("requestBody"):
            fuzzer.fuzz(label, operation, GenerationMode.NEGATIVE, NEGATIVE_EXAMPLES)
        assert sent[label] >= POSITIVE_EXAMPLES // 2, f"{label}: only {sent[label]} requests generated"

    total = sum(sent.values())
    statuses = fuzzer.app.statuses
    print(f"\nschemathesis: {total} requests; per operation {dict(sent)}; statuses {dict(statuses)}")
    for label, seen in sorted(fuzzer.by_operation.items()):
        print(f"  {label}: {dict(seen)}")
    assert not [s for s in statuses if s >= 500], statuses
    assert set(sent) == OPERATIONS
    assert total >= MINIMUM_TOTAL
    # The fuzzer reached the domain code, not only the validators.
    assert {200, 204, 400, 401, 403}.issubset(statuses), statuses


# Below the schema: raw bytes, broken JSON, deep nesting and oversized bodies, any Content-Type.

RAW_EXAMPLES = 40
JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=40),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=12), inner, max_size=4),
    max_leaves=12,
)
RAW_BODIES = st.one_of(
    st.binary(max_size=300),
    st.text(max_size=300).map(lambda t: t.encode("utf-8", "surrogatepass")),
    JSON_VALUES.map(lambda v: json.dumps(v).encode()),
    st.integers(50, 200_000).map(lambda n: b"[" * n),  # nesting deeper than the JSON parser's recursion limit
    st.integers(8193, 40_000).map(lambda n: b'{"identifier": "' + b"x" * n + b'"}'),  # over 8 KiB
)
CONTENT_TYPES = st.sampled_from(
    [
        None,
        "application/json",
        "application/json; charset=utf-8",
        "APPLICATION/JSON",
        "text/plain",
        "multipart/form-data",
    ]
)


def test_raw_bodies_never_get_a_server_error(harness):
    posts = sorted(o for o in OPERATIONS if o.startswith("POST "))
    seen: Counter[int] = Counter()

    @settings(max_examples=RAW_EXAMPLES * len(posts), derandomize=True, database=None, deadline=None)
    @given(label=st.sampled_from(posts), body=RAW_BODIES, content_type=CONTENT_TYPES)
    def run(label: str, body: bytes, content_type: str | None) -> None:
        headers = [("Origin", PORTAL_URL)] + ([("Content-Type", content_type)] if content_type else [])
        proxy = harness.runtime.call_api("POST", label.split(" ", 1)[1], headers, body)
        status = int(proxy["statusCode"])
        seen[status] += 1
        assert status < 500, proxy
        if status >= 400:
            problem = french_error_problem(json.loads(proxy["body"]))
            assert problem is None, f"{label} {status}: {problem}"

    run()
    print(f"\nraw bodies: {sum(seen.values())} requests, statuses {dict(seen)}")
    assert sum(seen.values()) >= RAW_EXAMPLES * len(posts) // 2
