"""API Gateway (REST, v1 proxy) plumbing: routing, body parsing, cookies, CSRF and error mapping.

A handler module declares its routes on an `Api`; every error becomes a French JSON answer here,
in one place. Nothing a client sends can produce a 5xx or a stack trace.
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from pydantic import BaseModel, ValidationError

from cmi import messages
from cmi.config import Settings
from cmi.errors import (
    BadRequest,
    FieldErrors,
    Forbidden,
    MethodNotAllowed,
    NotFound,
    PortalError,
    Unavailable,
)
from cmi.models import ErrorsResponse, MessageResponse

SESSION_COOKIE = "__Host-cmi-session"
FIRST_CONNECTION_COOKIE = "__Host-cmi-first-connection"

# Error types of pydantic mapped to French; "value_error" carries our own French message.
_TYPE_MESSAGES = {
    "extra_forbidden": messages.UNKNOWN_FIELD,
    "string_type": messages.WRONG_TYPE_TEXT,
    "bool_type": messages.WRONG_TYPE_BOOLEAN,
    "string_too_long": messages.FIELD_TOO_LONG,
}
# Dependency failures worth a retry (answered 503 + Retry-After, nothing changed).
_TRANSIENT_CODES = {
    "ProvisionedThroughputExceededException",
    "ThrottlingException",
    "Throttling",
    "RequestLimitExceeded",
    "TooManyRequestsException",
    "InternalServerError",
    "InternalFailure",
    "ServiceUnavailable",
    "TransactionCanceledException",
    "TransactionConflictException",
    "LimitExceededException",
    "RequestThrottled",
}
RETRY_AFTER_SECONDS = 2


class Cookie:
    @staticmethod
    def set(name: str, value: str, max_age: int | None = None) -> str:
        # __Host- prefix: Secure, Path=/ and no Domain, so no sibling host can plant or read it.
        cookie = f"{name}={value}; Path=/; Secure; HttpOnly; SameSite=Strict"
        return cookie if max_age is None else f"{cookie}; Max-Age={max_age}"

    @staticmethod
    def clear(name: str) -> str:
        return Cookie.set(name, "", max_age=0)


@dataclass
class Request:
    method: str
    path: str
    headers: dict[str, str]
    cookies: dict[str, str]
    body: Any = None
    source_ip: str = ""
    request_id: str = ""

    def cookie(self, name: str) -> str | None:
        value = self.cookies.get(name)
        return value or None


@dataclass
class Response:
    status: int
    body: dict[str, Any] | None = None
    cookies: list[str] = field(default_factory=list)
    headers: dict[str, str] = field(default_factory=dict)


Handler = Callable[[Request], Response]


@dataclass(frozen=True)
class Route:
    method: str
    path: str
    func: Handler
    summary: str
    body: type[BaseModel] | None
    responses: dict[int, type[BaseModel] | None]
    cookie: str | None


def _lower_headers(event: dict[str, Any]) -> dict[str, str]:
    headers: dict[str, str] = {}
    for name, values in (event.get("multiValueHeaders") or {}).items():
        if values:
            headers[name.lower()] = ", ".join(values) if name.lower() != "cookie" else "; ".join(values)
    for name, value in (event.get("headers") or {}).items():
        if value is not None:
            headers.setdefault(name.lower(), value)
    return headers


def parse_cookies(header: str) -> dict[str, str]:
    cookies: dict[str, str] = {}
    for part in header.split(";"):
        name, sep, value = part.strip().partition("=")
        if sep and name and name not in cookies:
            cookies[name] = value.strip().strip('"')
    return cookies


def _field_errors(error: ValidationError) -> dict[str, str]:
    errors: dict[str, str] = {}
    for problem in error.errors():
        name = str(problem["loc"][0]) if problem["loc"] else "body"
        if problem["type"] == "value_error":
            text = str(problem.get("ctx", {}).get("error", messages.INVALID_VALUE))
        else:
            text = _TYPE_MESSAGES.get(problem["type"], messages.INVALID_VALUE)
        errors.setdefault(name, text)
    return errors


class Api:
    """The routes of one Lambda function."""

    def __init__(self, settings: Callable[[], Settings]) -> None:
        self.routes: dict[tuple[str, str], Route] = {}
        self._settings = settings

    def route(
        self,
        method: str,
        path: str,
        *,
        summary: str,
        body: type[BaseModel] | None = None,
        responses: dict[int, type[BaseModel] | None],
        cookie: str | None = None,
    ) -> Callable[[Handler], Handler]:
        def register(func: Handler) -> Handler:
            self.routes[(method, path)] = Route(method, path, func, summary, body, responses, cookie)
            return func

        return register

    def resolve(self, event: dict[str, Any]) -> dict[str, Any]:
        try:
            response = self._dispatch(event)
        except PortalError as exc:
            response = Response(exc.status, exc.body(), headers=exc.headers())
        except Exception as exc:
            response = self._unexpected(exc)
        return self._to_proxy(response)

    def _dispatch(self, event: dict[str, Any]) -> Response:
        method = str(event.get("httpMethod", "")).upper()
        path = str(event.get("resource") or event.get("path") or "")
        route = self.routes.get((method, path))
        if route is None:
            if any(p == path for (_, p) in self.routes):
                raise MethodNotAllowed(messages.METHOD_NOT_ALLOWED)
            raise NotFound(messages.NOT_FOUND)
        headers = _lower_headers(event)
        request = Request(
            method=method,
            path=path,
            headers=headers,
            cookies=parse_cookies(headers.get("cookie", "")),
            source_ip=str(((event.get("requestContext") or {}).get("identity") or {}).get("sourceIp", "")),
            request_id=str((event.get("requestContext") or {}).get("requestId", "")),
        )
        if method != "GET":
            self._check_origin(headers)
            # A route without a body (logout) may be called with none; anything sent must be JSON.
            if route.body is not None or event.get("body"):
                self._check_json(headers)
            request.body = self._parse_body(event, headers, route.body)
        return route.func(request)

    def _check_origin(self, headers: dict[str, str]) -> None:
        # CSRF: a browser always sends Origin on POST; SameSite=Strict cookies do the rest.
        origin = headers.get("origin")
        if origin is not None and origin != self._settings().portal_origin:
            raise Forbidden(messages.ORIGIN_REFUSED)

    @staticmethod
    def _check_json(headers: dict[str, str]) -> None:
        # A cross-site form cannot send application/json without a CORS preflight, which we never grant.
        content_type = headers.get("content-type", "").split(";")[0].strip().lower()
        if content_type != "application/json":
            raise BadRequest(messages.CONTENT_TYPE_JSON)

    def _parse_body(self, event: dict[str, Any], headers: dict[str, str], model: type[BaseModel] | None) -> Any:
        raw = event.get("body") or ""
        limit = self._settings().max_body_bytes
        if event.get("isBase64Encoded"):
            if len(raw) > limit * 4 // 3 + 4:
                raise BadRequest(messages.BODY_TOO_LARGE)
            try:
                data = base64.b64decode(raw, validate=True)
            except (binascii.Error, ValueError):
                raise BadRequest(messages.BODY_NOT_JSON) from None
        else:
            data = raw.encode("utf-8", errors="surrogatepass")
        if len(data) > limit:
            raise BadRequest(messages.BODY_TOO_LARGE)
        if model is None:
            if data.strip() not in (b"", b"{}"):
                raise BadRequest(messages.BODY_NOT_JSON)
            return None
        try:
            payload = json.loads(data)
        except (ValueError, RecursionError):
            raise BadRequest(messages.BODY_NOT_JSON) from None
        if not isinstance(payload, dict):
            raise BadRequest(messages.BODY_NOT_JSON)
        try:
            return model.model_validate(payload)
        except ValidationError as exc:
            raise FieldErrors(_field_errors(exc)) from None

    @staticmethod
    def _unexpected(exc: Exception) -> Response:
        from cmi.dynamo import error_code, http_status
        from cmi.observability import logger

        code = error_code(exc)
        # Any 5xx from AWS (SQS "InternalError", SES "ServiceUnavailable"…) is on their side: retrying helps.
        transient = (
            code in _TRANSIENT_CODES
            or http_status(exc) >= 500
            or type(exc).__name__
            in (
                "EndpointConnectionError",
                "ConnectTimeoutError",
                "ReadTimeoutError",
                "ConnectionClosedError",
            )
        )
        if transient:
            logger.warning("dependency unavailable", extra={"error_code": code or type(exc).__name__})
            error = Unavailable(messages.UNAVAILABLE, RETRY_AFTER_SECONDS)
            return Response(error.status, error.body(), headers=error.headers())
        logger.exception("unexpected error")
        return Response(500, {"message": messages.INTERNAL_ERROR})

    @staticmethod
    def _to_proxy(response: Response) -> dict[str, Any]:
        headers = {
            "Content-Type": "application/json; charset=utf-8",
            "Cache-Control": "no-store",
            "X-Content-Type-Options": "nosniff",
            **response.headers,
        }
        result: dict[str, Any] = {
            "statusCode": response.status,
            "headers": headers,
            "body": "" if response.body is None else json.dumps(response.body, ensure_ascii=False),
        }
        if response.cookies:
            result["multiValueHeaders"] = {"Set-Cookie": response.cookies}
        return result


def error_responses() -> dict[int, type[BaseModel]]:
    """Answers every state-changing route may give (documented in the OpenAPI document)."""
    return {400: ErrorsResponse, 403: MessageResponse, 503: MessageResponse}
