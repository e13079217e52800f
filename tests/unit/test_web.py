"""The shared resolver: bad input always gets a French 4xx, never a 5xx; guards before the body."""

import base64
import json
from typing import ClassVar

import pytest
from aws_lambda_powertools.event_handler import Response

from cmi import container, messages
from cmi.domain.errors import NotAuthenticated, TooManyAttempts
from cmi.web import cookies
from cmi.web.app import no_body, resolver
from cmi.web.models import LoginRequest, MessageResponse
from tests.unit.fakes import SETTINGS

app = resolver()
seen: list[tuple[LoginRequest, str | None]] = []


@pytest.fixture(autouse=True)
def settings():
    with container.override(container.Container(settings=SETTINGS)):
        yield


@app.post("/api/login")
def _login(body: LoginRequest, session: cookies.SessionToken = None) -> Response[MessageResponse]:
    seen.append((body, session))
    return Response(200, body={"message": "ok"}, cookies=[cookies.make("__Host-x", "v", 60)])


@app.post("/api/logout", middlewares=[no_body])
def _logout() -> Response[None]:
    return Response(204, body="")


@app.get("/api/boom")
def _boom() -> MessageResponse:
    raise RuntimeError("secret detail")


class _Busy(Exception):
    response: ClassVar = {"Error": {"Code": "ThrottlingException"}, "ResponseMetadata": {"HTTPStatusCode": 400}}


@app.get("/api/busy")
def _busy() -> MessageResponse:
    raise _Busy


@app.get("/api/wait")
def _wait() -> MessageResponse:
    raise TooManyAttempts("Trop de tentatives.", 59.2)


@app.get("/api/who")
def _who() -> MessageResponse:
    raise NotAuthenticated(messages.NOT_AUTHENTICATED)


def event(body=None, *, headers=None, method="POST", path="/api/login", b64=False):
    sent = {"Content-Type": "application/json", **(headers or {})}
    raw = body if isinstance(body, str) or body is None else json.dumps(body)
    if b64 and raw is not None:
        raw = base64.b64encode(raw.encode()).decode()
    return {
        "httpMethod": method,
        "resource": path,
        "path": path,
        "headers": {k: v for k, v in sent.items() if v is not None},
        "body": raw,
        "isBase64Encoded": b64,
        "requestContext": {"requestId": "r1", "identity": {"sourceIp": "203.0.113.9"}},
    }


def call(*args, **kwargs):
    result = app.resolve(event(*args, **kwargs), {})
    headers = {k: v[-1] for k, v in result["multiValueHeaders"].items() if k != "Set-Cookie"}
    return result["statusCode"], json.loads(result["body"]) if result["body"] else None, {**result, "headers": headers}


def test_valid_body_reaches_the_route_normalised():
    status, body, result = call({"identifier": " 00001abc ", "password": "x"})
    assert status == 200
    assert seen[-1][0].identifier == "00001ABC"
    assert result["multiValueHeaders"]["Set-Cookie"] == [
        "__Host-x=v; Path=/; Max-Age=60; HttpOnly; Secure; SameSite=Strict"
    ]
    assert result["headers"]["Cache-Control"] == "no-store"
    assert result["headers"]["X-Content-Type-Options"] == "nosniff"
    assert result["headers"]["Content-Type"] == "application/json; charset=utf-8"


def test_the_session_cookie_reaches_the_route_first_value_kept():
    call({"identifier": "00001abc", "password": "x"}, headers={"Cookie": "a=1; __Host-cmi-session=tok; junk"})
    assert seen[-1][1] == "tok"
    call({"identifier": "00001abc", "password": "x"})
    assert seen[-1][1] is None


def test_empty_fields_give_both_manual_messages():
    status, body, _ = call({"identifier": "", "password": ""})
    assert status == 400
    assert body == {"errors": {"identifier": messages.IDENTIFIER_REQUIRED, "password": messages.PASSWORD_REQUIRED}}


def test_missing_fields_are_treated_as_empty():
    assert call({})[1] == {
        "errors": {"identifier": messages.IDENTIFIER_REQUIRED, "password": messages.PASSWORD_REQUIRED}
    }


@pytest.mark.parametrize("raw", ["{", "[]", "null", "12", '"x"', "\x00", '{"a":' * 1500])
def test_malformed_json_gets_a_french_400(raw):
    status, body, _ = call(raw)
    assert status == 400
    assert body == {"message": messages.BODY_NOT_JSON}


def test_wrong_types_and_unknown_fields_are_named_per_field():
    status, body, _ = call({"identifier": 5, "password": ["x"], "admin": True})
    assert status == 400
    assert body["errors"] == {
        "identifier": messages.WRONG_TYPE_TEXT,
        "password": messages.WRONG_TYPE_TEXT,
        "admin": messages.UNKNOWN_FIELD,
    }


def test_oversized_body_is_refused_before_parsing():
    status, body, _ = call({"identifier": "00001abc", "password": "x" * 9000})
    assert (status, body) == (400, {"message": messages.BODY_TOO_LARGE})


def test_base64_body_is_decoded_and_bad_base64_refused():
    assert call({"identifier": "00001abc", "password": "x"}, b64=True)[0] == 200
    assert call("%%%", b64=True)[:2] == (400, {"message": messages.BODY_NOT_JSON})


@pytest.mark.parametrize(
    "content_type", [None, "text/plain", "application/x-www-form-urlencoded", "multipart/form-data"]
)
def test_state_changing_routes_accept_only_json(content_type):
    status, body, _ = call({"identifier": "00001abc", "password": "x"}, headers={"Content-Type": content_type})
    assert (status, body) == (400, {"message": messages.CONTENT_TYPE_JSON})


def test_json_with_charset_is_accepted():
    assert (
        call({"identifier": "00001abc", "password": "x"}, headers={"Content-Type": "application/json; charset=utf-8"})[
            0
        ]
        == 200
    )


def test_foreign_origin_is_refused_and_portal_origin_accepted():
    body = {"identifier": "00001abc", "password": "x"}
    assert call(body, headers={"Origin": "https://evil.example"})[:2] == (403, {"message": messages.ORIGIN_REFUSED})
    assert call(body, headers={"Origin": "https://portail.test"})[0] == 200


def test_unknown_route_and_method_get_french_answers():
    # An unknown path never reaches a function in API Gateway; one that does still gets a French 404.
    assert call(None, method="GET", path="/api/nothing")[:2] == (404, {"message": messages.NOT_FOUND})
    # A method the path does not declare reaches it through the path's ANY method: 405 and what is allowed.
    status, body, headers = call(None, method="DELETE", path="/api/login")
    assert (status, body, headers["headers"]["Allow"]) == (405, {"message": messages.METHOD_NOT_ALLOWED}, "POST")


def test_foreign_origin_is_refused_before_the_body_is_judged():
    status, body, _ = call({"identifier": 5}, headers={"Origin": "https://evil.example"})
    assert (status, body) == (403, {"message": messages.ORIGIN_REFUSED})


@pytest.mark.parametrize("raw", [None, "", "{}"])
def test_a_route_without_body_takes_none_or_an_empty_object(raw):
    assert call(raw, path="/api/logout")[0] == 204


@pytest.mark.parametrize("raw", ["x", '{"a":1}'])
def test_a_route_without_body_refuses_anything_else(raw):
    assert call(raw, path="/api/logout")[:2] == (400, {"message": messages.BODY_NOT_JSON})


def test_domain_errors_become_statuses_here_only():
    assert call(None, method="GET", path="/api/who")[:2] == (401, {"message": messages.NOT_AUTHENTICATED})
    status, body, result = call(None, method="GET", path="/api/wait")
    assert (status, body, result["headers"]["Retry-After"]) == (429, {"message": "Trop de tentatives."}, "60")


def test_an_unexpected_error_is_a_generic_500_without_details():
    status, body, result = call(None, method="GET", path="/api/boom")
    assert (status, body) == (500, {"message": messages.INTERNAL_ERROR})
    assert "secret" not in result["body"] and "Traceback" not in result["body"]


def test_unavailable_dependency_gives_503_with_retry_after():
    status, body, result = call(None, method="GET", path="/api/busy")
    assert (status, body) == (503, {"message": messages.UNAVAILABLE})
    assert result["headers"]["Retry-After"] == "2"
