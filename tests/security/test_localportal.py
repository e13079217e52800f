"""The local portal's own HTTP surface against a web page and a hostile client (issues 13 and 18).

The portal runs as `make run` starts it (`python -m localportal`, on free ports). A page on another
site must not reach it through DNS rebinding (Host check), nor the embedded moto server (Origin,
Sec-Fetch-*, Host); a malformed request gets a short French answer at once; any method the template
does not route gets what API Gateway or CloudFront would answer, never the stdlib's 501 HTML page.
"""

from __future__ import annotations

import base64
import hashlib
import html
import http.client
import json
import re
import socket
from dataclasses import dataclass
from pathlib import Path

import boto3
import pytest

from cmi import messages
from localportal import server, template
from tests.security.conftest import Running

ROOT = Path(__file__).resolve().parents[2]
GATEWAY_BODY = json.loads(template.load().gateway_response())


@dataclass
class Answer:
    status: int
    headers: http.client.HTTPMessage
    body: bytes


def call(
    port: int,
    method: str,
    path: str,
    *,
    host: str | None = None,
    headers: dict[str, str] | None = None,
    body: bytes | None = None,
) -> Answer:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    try:
        sent = {"Host": host or f"127.0.0.1:{port}", **(headers or {})}
        connection.request(method, path, body=body, headers=sent)
        response = connection.getresponse()
        return Answer(response.status, response.headers, response.read())
    finally:
        connection.close()


def raw(port: int, request: bytes) -> bytes:
    """Everything the server answers to these bytes, up to its closing the connection.

    The timeout is the assertion: a server that waits for a body it will never get fails here."""
    with socket.create_connection(("127.0.0.1", port), timeout=5) as connection:
        connection.sendall(request)
        received = b""
        while chunk := connection.recv(65536):
            received += chunk
    return received


def assert_short_french_text(answer: Answer) -> None:
    text = answer.body.decode()
    assert "<html" not in text.lower() and "Traceback" not in text
    assert len(text) < 300


# ---------------------------------------------------------------- 1. Host check (DNS rebinding)

FOREIGN_HOSTS = ["rebind.example:{port}", "evil.127.0.0.1.nip.io:{port}", "127.0.0.1:1", "127.0.0.1", "localhost"]


@pytest.mark.parametrize("host", FOREIGN_HOSTS)
@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("GET", "/"),
        ("GET", "/index.html"),
        ("GET", "/_dev/outbox"),
        ("GET", "/_dev/outbox.json"),
        ("POST", "/api/login"),
    ],
)
def test_a_foreign_host_gets_421_on_every_path(portal: Running, host: str, method: str, path: str) -> None:
    body = b'{"identifier": "00001X", "password": "x"}' if method == "POST" else None
    answer = call(portal.port, method, path, host=host.format(port=portal.port), body=body)
    assert answer.status == 421
    assert_short_french_text(answer)
    assert portal.temporary_password.encode() not in answer.body
    assert answer.headers["Connection"] == "close"
    if path.startswith("/api/"):
        assert answer.headers["Content-Type"].startswith("application/json")
        assert "portail local" in json.loads(answer.body)["message"]
    else:
        assert answer.headers["Content-Type"].startswith("text/plain")
        assert "portail local" in answer.body.decode()


@pytest.mark.parametrize("method", ["GET", "OPTIONS", "TRACE", "DELETE"])
def test_the_host_check_comes_before_any_method_or_route(portal: Running, method: str) -> None:
    assert call(portal.port, method, "/_dev/outbox", host="rebind.example").status == 421
    assert call(portal.port, method, "/api/session", host="rebind.example").status == 421


def test_a_request_without_host_or_with_two_gets_421(portal: Running) -> None:
    without = raw(portal.port, b"GET /_dev/outbox.json HTTP/1.1\r\nConnection: close\r\n\r\n")
    assert without.startswith(b"HTTP/1.1 421 ")
    local = f"Host: 127.0.0.1:{portal.port}\r\n".encode()
    twice = raw(portal.port, b"GET /_dev/outbox.json HTTP/1.1\r\n" + local + b"Host: rebind.example\r\n\r\n")
    assert twice.startswith(b"HTTP/1.1 421 ")
    assert portal.temporary_password.encode() not in without + twice


@pytest.mark.parametrize("name", ["127.0.0.1", "localhost", "LocalHost"])
def test_the_loopback_names_with_the_port_are_served(portal: Running, name: str) -> None:
    host = f"{name}:{portal.port}"
    page = call(portal.port, "GET", "/", host=host)
    assert page.status == 200 and b"<!doctype html>" in page.body.lower()
    outbox = call(portal.port, "GET", "/_dev/outbox.json", host=host)
    assert outbox.status == 200 and json.loads(outbox.body)
    login = call(portal.port, "POST", "/api/login", host=host, body=b"{}", headers={"Content-Type": "application/json"})
    assert login.status == 400 and set(json.loads(login.body)["errors"]) == {"identifier", "password"}


# ---------------------------------------------------------------- 2. the dev pages' headers


@pytest.mark.parametrize("path", ["/_dev/outbox", "/_dev/outbox.json"])
def test_dev_pages_send_a_strict_content_security_policy(portal: Running, path: str) -> None:
    answer = call(portal.port, "GET", path)
    assert answer.status == 200
    directives = dict(d.strip().split(" ", 1) for d in answer.headers["Content-Security-Policy"].split(";"))
    assert directives["default-src"] == "'none'"
    assert directives["frame-ancestors"] == "'none'"
    assert directives["base-uri"] == "'none'"
    assert directives["form-action"] == "'none'"
    assert "script-src" not in directives  # falls back to 'none'
    # Only the mails' own style attributes, each named by its hash ('unsafe-hashes'); never inline or eval.
    assert "unsafe-inline" not in answer.headers["Content-Security-Policy"]
    assert "unsafe-eval" not in answer.headers["Content-Security-Policy"]
    assert answer.headers["X-Content-Type-Options"] == "nosniff"
    assert answer.headers["Referrer-Policy"] == "no-referrer"
    assert answer.headers["Cache-Control"] == "no-store"
    assert answer.headers["X-Frame-Options"] == "DENY"


def test_the_outbox_page_style_is_the_one_its_policy_allows(portal: Running) -> None:
    """The page's only resource is its inline style: the policy names it by hash, so it still applies."""
    answer = call(portal.port, "GET", "/_dev/outbox")
    styles = re.findall(r"<style>(.*?)</style>", answer.body.decode(), re.S)
    assert len(styles) == 1
    digest = base64.b64encode(hashlib.sha256(styles[0].encode()).digest()).decode()
    policy = answer.headers["Content-Security-Policy"]
    assert f"style-src 'sha256-{digest}'" in policy
    assert "<script" not in answer.body.decode().lower()
    # The mails' inline style attributes (their HTML is styled inline for mail clients), each by its hash.
    attributes = {html.unescape(v) for v in re.findall(r'\sstyle="([^"]*)"', answer.body.decode())}
    allowed = dict(d.strip().split(" ", 1) for d in policy.split(";")).get("style-src-attr", "")
    for value in attributes:
        assert f"'sha256-{base64.b64encode(hashlib.sha256(value.encode()).digest()).decode()}'" in allowed


# ---------------------------------------------------------------- 3. the embedded moto server


def test_moto_refuses_a_request_with_an_origin(portal: Running) -> None:
    answer = call(portal.aws_port, "POST", "/", headers={"Origin": "https://rebind.example"}, body=b"")
    assert answer.status == 403
    assert_short_french_text(answer)


def test_moto_refuses_a_browser_request_without_an_origin(portal: Running) -> None:
    """A cross-site <img> or a top-level navigation sends no Origin, but every browser sends Sec-Fetch-*."""
    answer = call(portal.aws_port, "GET", "/moto-api/data.json", headers={"Sec-Fetch-Site": "cross-site"})
    assert answer.status == 403
    assert_short_french_text(answer)


@pytest.mark.parametrize("host", ["rebind.example:{port}", "127.0.0.1:1", "127.0.0.1"])
def test_moto_refuses_a_foreign_host(portal: Running, host: str) -> None:
    answer = call(portal.aws_port, "GET", "/moto-api/data.json", host=host.format(port=portal.aws_port))
    assert answer.status == 421
    assert_short_french_text(answer)


@pytest.mark.parametrize("name", ["127.0.0.1", "localhost"])
def test_boto3_still_reaches_moto(portal: Running, name: str) -> None:
    dynamodb = boto3.client(
        "dynamodb",
        endpoint_url=f"http://{name}:{portal.aws_port}",
        region_name="eu-west-3",
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
    )
    assert set(template.load().tables()) <= set(dynamodb.list_tables()["TableNames"])


# ---------------------------------------------------------------- 4. Content-Length


@pytest.mark.parametrize("length", ["-1", "abc", "99999999999", str(server.MAX_BODY + 1), "0x10", "1, 2", ""])
@pytest.mark.parametrize("path", ["/api/login", "/"])
def test_a_bad_content_length_gets_400_at_once(portal: Running, length: str, path: str) -> None:
    request = f"POST {path} HTTP/1.1\r\nHost: 127.0.0.1:{portal.port}\r\nContent-Length: {length}\r\n\r\n"
    answer = raw(portal.port, request.encode())  # no body sent: a server waiting for one times out
    head, _, body = answer.partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 400 "), answer[:200]
    assert b"<html" not in body.lower() and b"Traceback" not in body
    if path.startswith("/api/"):
        assert json.loads(body)["message"].startswith("La requête")
    else:
        assert body.decode().startswith("La requête")


def test_two_content_lengths_get_400(portal: Running) -> None:
    host = f"Host: 127.0.0.1:{portal.port}\r\n"
    request = f"POST /api/login HTTP/1.1\r\n{host}Content-Length: 2\r\nContent-Length: 3\r\n\r\n{{}}"
    assert raw(portal.port, request.encode()).startswith(b"HTTP/1.1 400 ")


def test_a_chunked_body_gets_400(portal: Running) -> None:
    host = f"Host: 127.0.0.1:{portal.port}\r\n"
    request = f"POST /api/login HTTP/1.1\r\n{host}Transfer-Encoding: chunked\r\n\r\n2\r\n{{}}\r\n0\r\n\r\n"
    answer = raw(portal.port, request.encode())
    assert answer.startswith(b"HTTP/1.1 400 ") and answer.count(b"HTTP/1.1") == 1


def test_a_post_without_content_length_has_an_empty_body(portal: Running) -> None:
    """As API Gateway: the bytes after the headers are not a body without Content-Length."""
    request = (
        f"POST /api/login HTTP/1.1\r\nHost: 127.0.0.1:{portal.port}\r\nContent-Type: application/json\r\n"
        "Connection: close\r\n\r\n"
        '{"identifier": "000011701060005", "password": "x"}'
    )
    head, _, body = raw(portal.port, request.encode()).partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 400 ")
    assert "message" in json.loads(body) or "errors" in json.loads(body)


def test_a_refused_body_is_never_read_as_the_next_request(portal: Running) -> None:
    """A POST on a static path is refused, and its body (here shaped like a request) is consumed, not served."""
    host = f"Host: 127.0.0.1:{portal.port}\r\n"
    smuggled = f"GET /_dev/outbox.json HTTP/1.1\r\n{host}\r\n"
    request = f"POST / HTTP/1.1\r\n{host}Content-Length: {len(smuggled)}\r\n\r\n{smuggled}"
    request += f"GET /absent.html HTTP/1.1\r\n{host}Connection: close\r\n\r\n"
    answer = raw(portal.port, request.encode())
    assert re.findall(rb"HTTP/1.1 (\d{3}) ", answer) == [b"403", b"404"]
    assert portal.temporary_password.encode() not in answer


# ---------------------------------------------------------------- 5. methods the template does not route

OTHER_METHODS = ["TRACE", "PUT", "DELETE", "PATCH", "OPTIONS", "CONNECT", "PROPFIND", "FOO"]


@pytest.mark.parametrize("method", [*OTHER_METHODS, "GET", "HEAD", "POST"])
def test_a_path_the_api_does_not_declare_gets_the_gateway_response(portal: Running, method: str) -> None:
    answer = call(portal.port, method, "/api/nothing")
    # API Gateway: MISSING_AUTHENTICATION_TOKEN (403) with the template's DEFAULT_4XX body.
    assert answer.status == 403
    assert answer.headers["Content-Type"].startswith("application/json")
    assert json.loads(answer.body or b"null") == (None if method == "HEAD" else GATEWAY_BODY)


UNDECLARED = [
    (method, path, routed)
    for path, routed in [("/api/login", "POST"), ("/api/session", "GET")]
    for method in [*OTHER_METHODS, "GET", "HEAD", "POST"]
    if method != routed
]


@pytest.mark.parametrize(("method", "path", "routed"), UNDECLARED)
def test_a_method_a_declared_path_does_not_take_gets_405_with_allow(
    portal: Running, method: str, path: str, routed: str
) -> None:
    """The path's ANY method reaches its function, which answers as the OpenAPI contract says."""
    answer = call(portal.port, method, path)
    assert (answer.status, answer.headers["Allow"]) == (405, routed)
    assert answer.headers["Content-Type"].startswith("application/json")
    assert json.loads(answer.body or b"null") == (
        None if method == "HEAD" else {"message": messages.METHOD_NOT_ALLOWED}
    )


@pytest.mark.parametrize("method", [*OTHER_METHODS, "POST"])
@pytest.mark.parametrize("path", ["/", "/index.html", "/absent.html", "/_dev/outbox"])
def test_a_static_path_answers_other_methods_as_cloudfront(portal: Running, method: str, path: str) -> None:
    answer = call(portal.port, method, path, body=b"x=1" if method in ("POST", "PUT", "PATCH") else None)
    # CloudFront's default behaviour allows GET and HEAD only: 403 for the rest.
    assert answer.status == 403
    assert answer.headers["Content-Type"].startswith("text/plain")
    assert answer.body.decode() == server.METHOD_REFUSED


def test_head_on_a_static_file_is_get_without_the_body(portal: Running) -> None:
    got = call(portal.port, "GET", "/index.html")
    head = raw(
        portal.port, f"HEAD /index.html HTTP/1.1\r\nHost: 127.0.0.1:{portal.port}\r\nConnection: close\r\n\r\n".encode()
    )
    headers, _, body = head.partition(b"\r\n\r\n")
    assert headers.startswith(b"HTTP/1.1 200 ") and body == b""
    assert f"Content-Length: {len(got.body)}".encode() in headers
    assert f"Content-Type: {got.headers['Content-Type']}".encode() in headers


@pytest.mark.parametrize(
    "request_line", [b"GARBAGE", b"GET", b"GET / HTTP/9.9", b"GET http://rebind.example/_dev/outbox.json HTTP/1.1"]
)
def test_a_malformed_request_gets_a_short_french_text(portal: Running, request_line: bytes) -> None:
    answer = raw(portal.port, request_line + f"\r\nHost: 127.0.0.1:{portal.port}\r\n\r\n".encode())
    head, _, body = answer.partition(b"\r\n\r\n")
    assert re.match(rb"HTTP/1.[01] (400|505) ", head), answer[:200]
    assert b"text/plain" in head and b"<html" not in body.lower()
    assert portal.temporary_password.encode() not in answer
