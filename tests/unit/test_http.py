"""Request parsing and error mapping: bad input always gets a French 4xx, never a 5xx."""

import base64
import json

import pytest

from cmi import messages
from cmi.config import Settings
from cmi.errors import Unavailable
from cmi.http import Api, Cookie, Request, Response, parse_cookies
from cmi.models import LoginRequest, MessageResponse

SETTINGS = Settings(
    accounts_table="a",
    tokens_table="t",
    throttle_table="th",
    mail_queue_url="https://sqs/q",
    portal_url="https://portail.test/",
    sender_email="ne-pas-repondre@portail.test",
)
api = Api(lambda: SETTINGS)
seen: list[Request] = []


@api.route("POST", "/api/login", summary="test", body=LoginRequest, responses={200: MessageResponse})
def _login(request: Request) -> Response:
    seen.append(request)
    return Response(200, {"message": "ok"}, cookies=[Cookie.set("__Host-x", "v", 60)])


@api.route("GET", "/api/boom", summary="test", responses={200: MessageResponse})
def _boom(request: Request) -> Response:
    raise RuntimeError("secret detail")


@api.route("GET", "/api/busy", summary="test", responses={200: MessageResponse})
def _busy(request: Request) -> Response:
    raise Unavailable(messages.UNAVAILABLE, 2)


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
    result = api.resolve(event(*args, **kwargs))
    return result["statusCode"], json.loads(result["body"]) if result["body"] else None, result


def test_valid_body_reaches_the_route_normalised():
    status, body, result = call({"identifier": " 00001abc ", "password": "x"})
    assert status == 200
    assert seen[-1].body.identifier == "00001ABC"
    assert seen[-1].source_ip == "203.0.113.9"
    assert result["multiValueHeaders"]["Set-Cookie"] == [
        "__Host-x=v; Path=/; Secure; HttpOnly; SameSite=Strict; Max-Age=60"
    ]
    assert result["headers"]["Cache-Control"] == "no-store"


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
    assert call(None, method="GET", path="/api/nothing")[:2] == (404, {"message": messages.NOT_FOUND})
    assert call(None, method="DELETE", path="/api/login")[:2] == (405, {"message": messages.METHOD_NOT_ALLOWED})


def test_an_unexpected_error_is_a_generic_500_without_details():
    status, body, result = call(None, method="GET", path="/api/boom")
    assert (status, body) == (500, {"message": messages.INTERNAL_ERROR})
    assert "secret" not in result["body"] and "Traceback" not in result["body"]


def test_unavailable_dependency_gives_503_with_retry_after():
    status, body, result = call(None, method="GET", path="/api/busy")
    assert (status, body) == (503, {"message": messages.UNAVAILABLE})
    assert result["headers"]["Retry-After"] == "2"


def test_cookie_header_parsing_keeps_the_first_value_and_ignores_junk():
    assert parse_cookies('a=1; b="2"; a=3; junk; =x') == {"a": "1", "b": "2"}
