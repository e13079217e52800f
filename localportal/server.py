"""HTTP front of the local portal: /api/* to the handlers, the static site, and the dev outbox."""

from __future__ import annotations

import html
import json
import mimetypes
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

from localportal.aws import sent_mails
from localportal.runtime import Runtime

MAX_BODY = 1024 * 1024  # API Gateway accepts far more; the handlers enforce the real limit
_API_HEADERS = {"Content-Type": "application/json; charset=utf-8", "Cache-Control": "no-store"}


def _mail_body(mail_html: str) -> str:
    """The body of a mail the portal composed itself (escaped at composition), shown inline."""
    lower = mail_html.lower()
    start, end = lower.find("<body>"), lower.rfind("</body>")
    return mail_html[start + 6 : end] if start >= 0 and end > start else html.escape(mail_html)


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
        "<style>body{font-family:sans-serif;max-width:50rem;margin:auto;padding:1rem}"
        "article{border:1px solid #666;padding:0 1rem;margin:1rem 0}pre{white-space:pre-wrap}</style>"
        "</head><body><main><h1>Boîte d'envoi (développement)</h1>"
        f"<p>Courriels envoyés par le portail local, du plus récent au plus ancien.</p>{body}</main></body></html>"
    ).encode()


class Handler(BaseHTTPRequestHandler):
    server_version = "cmi-local"
    protocol_version = "HTTP/1.1"
    runtime: Runtime
    site: Path
    site_headers: dict[str, str]
    quiet = False

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - stdlib signature
        if not self.quiet:
            super().log_message(format, *args)

    def _send(self, status: int, body: bytes, headers: dict[str, str], cookies: list[str] | None = None) -> None:
        self.send_response(status)
        for name, value in headers.items():
            self.send_header(name, value)
        for cookie in cookies or []:
            self.send_header("Set-Cookie", cookie)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def _handle(self) -> None:
        url = urlsplit(self.path)
        if url.path.startswith("/api/"):
            return self._api(url.path, parse_qs(url.query))
        if self.command not in ("GET", "HEAD"):
            return self._send(405, b"", {"Allow": "GET, HEAD"})
        if url.path == "/_dev/outbox.json":
            data = json.dumps([m.as_dict() for m in reversed(sent_mails())], ensure_ascii=False).encode()
            return self._send(200, data, _API_HEADERS)
        if url.path == "/_dev/outbox":
            return self._send(
                200, _outbox_page(), {"Content-Type": "text/html; charset=utf-8", "Cache-Control": "no-store"}
            )
        return self._static(url.path)

    def _api(self, path: str, query: dict[str, list[str]]) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        if length > MAX_BODY:
            return self._send(413, b'{"message": "La requ\\u00eate est trop volumineuse."}', _API_HEADERS)
        body = self.rfile.read(length) if length else b""
        headers = [(k, v) for k, v in self.headers.items()]
        response = self.runtime.call_api(self.command, path, headers, body, self.client_address[0], query)
        if response is None:
            # What API Gateway answers for a path or method with no integration.
            return self._send(403, self.runtime.template.gateway_response(), _API_HEADERS)
        raw = response.get("body") or ""
        payload = raw.encode() if not response.get("isBase64Encoded") else __import__("base64").b64decode(raw)
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

    def do_GET(self) -> None:
        self._handle()

    do_HEAD = do_POST = do_PUT = do_DELETE = do_PATCH = do_OPTIONS = do_GET  # noqa: N815


class PortalServer(ThreadingHTTPServer):
    # The default listen queue (5) resets connections when a browser and a load test arrive together.
    request_queue_size = 128
    daemon_threads = True


def serve(runtime: Runtime, site: Path, port: int, host: str = "127.0.0.1", quiet: bool = False) -> ThreadingHTTPServer:
    """Start serving in a background thread; the caller owns shutdown()."""
    mimetypes.add_type("text/javascript", ".js")
    mimetypes.add_type("font/woff2", ".woff2")
    handler = type(
        "PortalHandler",
        (Handler,),
        {
            "runtime": runtime,
            "site": site.resolve(),
            "site_headers": runtime.template.security_headers(),
            "quiet": quiet,
        },
    )
    server = PortalServer((host, port), handler)
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
