"""HTTP front of the local portal: /api/* to the handlers, the static site, and the dev outbox."""

from __future__ import annotations

import base64
import hashlib
import html
import json
import mimetypes
import re
import threading
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, cast
from urllib.parse import parse_qs

from localportal.aws import sent_mails
from localportal.hosts import allowed_hosts, is_allowed
from localportal.runtime import Runtime

# API Gateway accepts up to 10 MB; the handlers enforce the real limit (8 KiB), this one only bounds
# what a thread reads before they see it.
MAX_BODY = 1024 * 1024
_LENGTH = re.compile(r"[0-9]{1,16}")
_API_HEADERS = {"Content-Type": "application/json; charset=utf-8", "Cache-Control": "no-store"}
_TEXT_HEADERS = {"Content-Type": "text/plain; charset=utf-8", "Cache-Control": "no-store"}

MISDIRECTED = "Cette adresse n'est pas celle du portail local : ouvrez-le par http://127.0.0.1:{port}/ ou http://localhost:{port}/."
BAD_TARGET = "La requête est mal formée : l'adresse demandée doit commencer par « / »."
BAD_LENGTH = "La requête est mal formée : l'en-tête Content-Length n'est pas valide."
TOO_LARGE = "La requête est trop volumineuse."
CHUNKED = "La requête est mal formée : un corps sans en-tête Content-Length n'est pas accepté."
METHOD_REFUSED = "Cette méthode n'est pas autorisée pour cette adresse."

_OUTBOX_STYLE = (
    "body{font-family:sans-serif;max-width:50rem;margin:auto;padding:1rem}"
    "article{border:1px solid #666;padding:0 1rem;margin:1rem 0}pre{white-space:pre-wrap}"
)
# The dev pages show temporary passwords and reset links: nothing may run, load, frame or post from them.
# Their only resource is the inline style above, allowed by its hash; the mails' links stay clickable
# (CSP does not govern following a link) and leak no Referer.
_DEV_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'none'; "
        f"style-src 'sha256-{base64.b64encode(hashlib.sha256(_OUTBOX_STYLE.encode()).digest()).decode()}'; "
        "img-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'"
    ),
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "no-store",
    "X-Frame-Options": "DENY",
    "Cross-Origin-Resource-Policy": "same-origin",
}


def _message(text: str) -> bytes:
    return json.dumps({"message": text}, ensure_ascii=False).encode()


def _mail_body(mail_html: str) -> str:
    """The body of a mail the portal composed itself (escaped at composition), shown inline."""
    lower = mail_html.lower()
    start, end = lower.find("<body>"), lower.rfind("</body>")
    return mail_html[start + 6 : end] if start >= 0 and end > start else html.escape(mail_html)


_STYLE_ATTRIBUTE = re.compile(r'\sstyle="([^"]*)"')


def _sha256(text: str) -> str:
    return f"'sha256-{base64.b64encode(hashlib.sha256(text.encode()).digest()).decode()}'"


def _outbox_headers(page: bytes) -> dict[str, str]:
    """The dev headers, the mails' own inline style attributes allowed one by one, by their hash."""
    styles = sorted({html.unescape(v) for v in _STYLE_ATTRIBUTE.findall(page.decode())})
    if not styles:
        return _DEV_HEADERS
    allowed = "style-src-attr 'unsafe-hashes' " + " ".join(_sha256(style) for style in styles) + "; "
    return {**_DEV_HEADERS, "Content-Security-Policy": allowed + _DEV_HEADERS["Content-Security-Policy"]}


def _outbox_page() -> bytes:
    rows = [
        f"<article><h2>{html.escape(mail.subject)}</h2>"
        f"<p>À : {html.escape(mail.to)} · {html.escape(mail.sent_at)}</p>{_mail_body(mail.html)}"
        f"<details><summary>Version texte</summary><pre>{html.escape(mail.text)}</pre></details></article>"
        for mail in reversed(sent_mails())
    ]
    body = "".join(rows) or "<p>Aucun courriel envoyé.</p>"
    return (
        '<!doctype html><html lang="fr"><head><meta charset="utf-8"><title>Boîte d\'envoi (développement)</title>'
        f"<style>{_OUTBOX_STYLE}</style>"
        "</head><body><main><h1>Boîte d'envoi (développement)</h1>"
        f"<p>Courriels envoyés par le portail local, du plus récent au plus ancien.</p>{body}</main></body></html>"
    ).encode()


class Handler(BaseHTTPRequestHandler):
    server_version = "cmi-local"
    protocol_version = "HTTP/1.1"
    # The stdlib's own refusals (malformed request line, oversized headers…): short French text, not its HTML page.
    error_message_format = "La requête n'a pas pu être traitée (erreur %(code)d).\n"
    error_content_type = "text/plain; charset=utf-8"
    runtime: Runtime
    site: Path
    site_headers: dict[str, str]
    listen_port: int
    hosts: frozenset[str]
    quiet = False

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - stdlib signature
        if not self.quiet:
            super().log_message(format, *args)

    def __getattr__(self, name: str) -> Callable[[], None]:
        # The stdlib answers 501 to any method without a do_X; API Gateway and CloudFront answer every
        # method, so every method goes to _handle, which answers as they would.
        if name.startswith("do_"):
            return self._handle
        raise AttributeError(name)

    def send_error(self, code: int, message: str | None = None, explain: str | None = None) -> None:
        if self.command is None:
            # The request line was not understood: the stdlib then assumes HTTP/0.9 and would send the
            # body alone; a status line and headers tell the client what happened.
            self.request_version = "HTTP/1.0"
        super().send_error(code, message, explain)

    def _send(self, status: int, body: bytes, headers: dict[str, str], cookies: list[str] | None = None) -> None:
        self.send_response(status)
        for name, value in headers.items():
            self.send_header(name, value)
        for cookie in cookies or []:
            self.send_header("Set-Cookie", cookie)
        self.send_header("Content-Length", str(len(body)))
        if self.close_connection:
            self.send_header("Connection", "close")
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def _refuse(self, status: int, text: str, api: bool, headers: dict[str, str] | None = None) -> None:
        """An answer before the body is read: the connection closes, so unread bytes are never taken for a request."""
        self.close_connection = True
        body, base = (_message(text), _API_HEADERS) if api else (text.encode(), _TEXT_HEADERS)
        self._send(status, body, {**base, **(headers or {})})

    def _body(self, api: bool) -> bytes | None:
        """The request body, or None once a malformed or oversized one has been refused."""
        if self.headers.get_all("Transfer-Encoding"):
            self._refuse(400, CHUNKED, api)
            return None
        lengths = self.headers.get_all("Content-Length")
        if not lengths:
            return b""  # as API Gateway: no Content-Length, no body
        if len(lengths) != 1 or not _LENGTH.fullmatch(lengths[0].strip()):
            self._refuse(400, BAD_LENGTH, api)
            return None
        length = int(lengths[0])
        if length > MAX_BODY:
            self._refuse(400, TOO_LARGE, api)
            return None
        return self.rfile.read(length) if length else b""

    def _handle(self) -> None:
        path, _, query = self.path.partition("?")
        api = path.startswith("/api/")
        dev = path.startswith("/_dev/")
        if not is_allowed(self.headers.get_all("Host"), self.hosts):
            return self._refuse(421, MISDIRECTED.format(port=self.listen_port), api, _DEV_HEADERS if dev else None)
        if not path.startswith("/"):  # absolute-form or "*": browsers and boto3 send only paths
            return self._refuse(400, BAD_TARGET, api)
        body = self._body(api)
        if body is None:
            return None
        if api:
            return self._api(path, parse_qs(query), body)
        if self.command not in ("GET", "HEAD"):
            # CloudFront's default behaviour allows GET and HEAD only and answers any other method with
            # 403 (its "invalid method" error page: here as plain French text); /_dev/* follows the same rule.
            return self._send(
                403, METHOD_REFUSED.encode(), {**_TEXT_HEADERS, **(_DEV_HEADERS if dev else self.site_headers)}
            )
        if path == "/_dev/outbox.json":
            data = json.dumps([m.as_dict() for m in reversed(sent_mails())], ensure_ascii=False).encode()
            return self._send(200, data, {**_API_HEADERS, **_DEV_HEADERS})
        if path == "/_dev/outbox":
            page = _outbox_page()
            return self._send(200, page, {"Content-Type": "text/html; charset=utf-8", **_outbox_headers(page)})
        return self._static(path)

    def _api(self, path: str, query: dict[str, list[str]], body: bytes) -> None:
        headers = [(k, v) for k, v in self.headers.items()]
        response = self.runtime.call_api(self.command, path, headers, body, self.client_address[0], query)
        if response is None:
            # API Gateway answers a path the template does not declare with MISSING_AUTHENTICATION_TOKEN, 403,
            # whose body is the template's DEFAULT_4XX. (A declared path has an ANY method: its function answers
            # 405 with Allow to any method it does not route, TRACE included, as API Gateway would call it; in
            # production CloudFront refuses TRACE and CONNECT itself, with 403, before the API sees them.)
            return self._send(403, self.runtime.template.gateway_response(), _API_HEADERS)
        raw = response.get("body") or ""
        payload = raw.encode() if not response.get("isBase64Encoded") else base64.b64decode(raw)
        headers_out = dict(response.get("headers") or {})
        cookies: list[str] = []
        for name, values in (response.get("multiValueHeaders") or {}).items():
            if name.lower() == "set-cookie":
                cookies.extend(values)
            else:
                headers_out[name] = ", ".join(values)
        self._send(int(response["statusCode"]), payload, headers_out, cookies)

    def _static(self, path: str) -> None:
        relative = path.lstrip("/") or "index.html"
        target = (self.site / relative).resolve()
        if not target.is_relative_to(self.site) or not target.is_file():
            missing = self.site / "404.html"
            body = missing.read_bytes() if missing.is_file() else b"Page introuvable"
            return self._send(404, body, {"Content-Type": "text/html; charset=utf-8", **self.site_headers})
        kind = mimetypes.guess_type(target.name)[0] or "application/octet-stream"
        if kind.startswith("text/") or kind in ("application/javascript", "text/javascript"):
            kind += "; charset=utf-8"
        self._send(200, target.read_bytes(), {"Content-Type": kind, "Cache-Control": "no-cache", **self.site_headers})


class PortalServer(ThreadingHTTPServer):
    # The default listen queue (5) resets connections when a browser and a load test arrive together.
    request_queue_size = 128
    daemon_threads = True


def serve(runtime: Runtime, site: Path, port: int, host: str = "127.0.0.1", quiet: bool = False) -> ThreadingHTTPServer:
    """Start serving in a background thread; the caller owns shutdown()."""
    mimetypes.add_type("text/javascript", ".js")
    mimetypes.add_type("font/woff2", ".woff2")
    handler = cast(
        "type[Handler]",
        type(
            "PortalHandler",
            (Handler,),
            {
                "runtime": runtime,
                "site": site.resolve(),
                "site_headers": runtime.template.security_headers(),
                "quiet": quiet,
            },
        ),
    )
    server = PortalServer((host, port), handler)
    handler.listen_port = server.server_port  # the bound one (port 0 picks a free port)
    handler.hosts = allowed_hosts(handler.listen_port)
    threading.Thread(target=server.serve_forever, name="portal-http", daemon=True).start()
    return server


def pump(runtime: Runtime, stop: threading.Event) -> threading.Thread:
    """The SQS event source mappings: deliver queued messages to their functions until stopped."""

    def loop() -> None:
        while not stop.is_set():
            try:
                runtime.drain_queues(wait_seconds=1, rounds=1)
            except Exception as exc:  # keep delivering; the failure is in the console
                print(f"[portail] erreur de distribution de la file : {exc}", flush=True)
                stop.wait(1)

    thread = threading.Thread(target=loop, name="sqs-pump", daemon=True)
    thread.start()
    return thread
