"""The resolver every API function uses: Powertools routing and validation, French answers.

Powertools validates request bodies against the route's pydantic model before any middleware
runs; the request guards (Origin, JSON only, size) therefore run both as a middleware, for
requests that validated, and first thing in the validation-error handler, so that a refused
request gets the guard's answer whatever its body. Nothing a client sends gives a 5xx.
"""

from __future__ import annotations

import binascii
import ipaddress
import json
from collections.abc import Callable
from functools import partial
from typing import Any

from aws_lambda_powertools.event_handler import APIGatewayRestResolver, Response
from aws_lambda_powertools.event_handler.exceptions import NotFoundError
from aws_lambda_powertools.event_handler.middlewares import NextMiddleware
from aws_lambda_powertools.event_handler.openapi.exceptions import (
    RequestUnsupportedContentType,
    RequestValidationError,
)
from aws_lambda_powertools.logging import correlation_paths

from cmi import messages
from cmi.container import container
from cmi.domain.errors import (
    Conflict,
    DomainError,
    InvalidInput,
    LinkNotValid,
    NotAllowed,
    NotAuthenticated,
    NotFound,
    TooManyAttempts,
)
from cmi.observability import LambdaHandler, entry, logger
from cmi.store.dynamo import is_transient
from cmi.web.models import ErrorsResponse, MessageResponse

JSON = "application/json; charset=utf-8"
HEADERS = {"Content-Type": JSON, "Cache-Control": "no-store", "X-Content-Type-Options": "nosniff"}
RETRY_AFTER_SECONDS = 2

# Error types of pydantic mapped to French; "value_error" carries our own French message.
_TYPE_MESSAGES = {
    "extra_forbidden": messages.UNKNOWN_FIELD,
    "string_type": messages.WRONG_TYPE_TEXT,
    "bool_type": messages.WRONG_TYPE_BOOLEAN,
    "string_too_long": messages.FIELD_TOO_LONG,
}
# Errors about the body as a whole: not JSON, not an object, absent.
_BODY_TYPES = frozenset({"json_invalid", "missing", "model_attributes_type", "model_type", "dict_type"})
_STATUS: dict[type[DomainError], int] = {
    InvalidInput: 400,
    LinkNotValid: 400,
    NotAuthenticated: 401,
    NotAllowed: 403,
    NotFound: 404,
    Conflict: 409,
    TooManyAttempts: 429,
}


class Refused(Exception):
    """A request the API does not take, whatever it asks (status and French message)."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


def answer(status: int, body: dict[str, Any] | None = None, headers: dict[str, str] | None = None) -> Response[Any]:
    return Response(status_code=status, body=body, headers={**HEADERS, **(headers or {})})


def _loads(text: str) -> Any:
    limit = container().settings.max_body_bytes
    if len(text) > limit or len(text.encode("utf-8", errors="surrogatepass")) > limit:
        raise json.JSONDecodeError("body too large", "", 0)  # the guard answers BODY_TOO_LARGE
    try:
        return json.loads(text)
    except RecursionError:  # nested thousands deep: malformed for us, not a server error
        raise json.JSONDecodeError("nested too deep", "", 0) from None


def _body_size(app: APIGatewayRestResolver) -> int:
    event = app.current_event
    raw = event.body or ""
    if event.is_base64_encoded:
        return len(raw) * 3 // 4
    return len(raw.encode("utf-8", errors="surrogatepass"))


def refusal(app: APIGatewayRestResolver) -> Refused | None:
    """Why this request is refused before its body is even read, if it is."""
    event = app.current_event
    if event.http_method == "GET":
        return None
    headers = event.headers
    # CSRF: a browser always sends Origin on POST; SameSite=Strict cookies do the rest.
    origin = headers.get("origin")
    if origin is not None and origin != container().settings.portal_origin:
        return Refused(403, messages.ORIGIN_REFUSED)
    if _body_size(app) > container().settings.max_body_bytes:
        return Refused(400, messages.BODY_TOO_LARGE)
    # A cross-site form cannot send application/json without a CORS preflight, which we never grant.
    content_type = headers.get("content-type", "").split(";")[0].strip().lower()
    if (event.body or content_type) and content_type != "application/json":
        return Refused(400, messages.CONTENT_TYPE_JSON)
    return None


def client_source(app: APIGatewayRestResolver) -> str | None:
    """The client's network, for the per-source throttle: its IPv4 address or its IPv6 /64.

    Behind CloudFront, API Gateway's source IP is an edge server shared by many people; the
    viewer's address comes in `CloudFront-Viewer-Address` ("ip:port"), which CloudFront sets
    itself. X-Forwarded-For is never read: its first entries are whatever the client wrote.
    """
    event = app.current_event
    viewer = event.headers.get("cloudfront-viewer-address")
    raw = viewer.rpartition(":")[0] if viewer else event.request_context.identity.source_ip
    try:
        address = ipaddress.ip_address(raw)
    except ValueError:
        return None
    if address.version == 6:
        return str(ipaddress.ip_network(f"{address}/64", strict=False))
    return str(address)


def _guard(app: APIGatewayRestResolver, next_middleware: NextMiddleware) -> Response[Any]:
    problem = refusal(app)
    if problem is not None:
        raise problem
    response = next_middleware(app)
    response.headers.update(HEADERS)
    return response


def no_body(app: APIGatewayRestResolver, next_middleware: NextMiddleware) -> Response[Any]:
    """For routes that take no body (logout): none, or an empty JSON object."""
    if (app.current_event.decoded_body or "").strip() not in ("", "{}"):
        raise Refused(400, messages.BODY_NOT_JSON)
    return next_middleware(app)


def _field_errors(error: RequestValidationError) -> dict[str, str] | None:
    errors: dict[str, str] = {}
    for problem in error.errors():
        loc = [part for part in problem.get("loc", ()) if part != "body"]
        if problem["type"] in _BODY_TYPES and not any(isinstance(part, str) for part in loc):
            return None
        name = str(loc[0]) if loc else "body"
        if problem["type"] == "value_error":
            text = str(problem.get("ctx", {}).get("error", messages.INVALID_VALUE))
        else:
            text = _TYPE_MESSAGES.get(problem["type"], messages.INVALID_VALUE)
        errors.setdefault(name, text)
    return errors


Precheck = Callable[[APIGatewayRestResolver], object]


def allowed_methods(app: APIGatewayRestResolver, path: str) -> list[str]:
    """The methods this function routes on `path` (empty: the path is not one of its own)."""
    routes = app._static_routes + app._dynamic_routes  # Powertools keeps its route table private
    return sorted({route.method for route in routes if route.rule.match(path)})


def _register_error_answers(app: APIGatewayRestResolver, precheck: Precheck | None) -> None:
    def refused(exc: Refused) -> Response[Any]:
        return answer(exc.status, {"message": exc.message})

    def invalid(exc: RequestValidationError) -> Response[Any]:
        problem = refusal(app)
        if problem is not None:
            return refused(problem)
        if precheck is not None:
            try:  # who may not call the route learns nothing of what its body should be
                precheck(app)
            except DomainError as denied:
                return domain(denied)
        errors = _field_errors(exc)
        return answer(400, {"errors": errors} if errors else {"message": messages.BODY_NOT_JSON})

    def unsupported(exc: RequestUnsupportedContentType) -> Response[Any]:
        return refused(refusal(app) or Refused(400, messages.CONTENT_TYPE_JSON))

    def domain(exc: DomainError) -> Response[Any]:
        if isinstance(exc, InvalidInput):
            return answer(400, {"errors": exc.errors})
        status = next((code for kind, code in _STATUS.items() if isinstance(exc, kind)), 400)
        headers = {"Retry-After": str(exc.wait_seconds)} if isinstance(exc, TooManyAttempts) else None
        return answer(status, {"message": exc.message}, headers)

    def not_found(exc: NotFoundError) -> Response[Any]:
        # template.yaml gives each path an ANY method: a method the path does not declare lands here.
        allowed = allowed_methods(app, app.current_event.path)
        if allowed:
            return answer(405, {"message": messages.METHOD_NOT_ALLOWED}, {"Allow": ", ".join(allowed)})
        return answer(404, {"message": messages.NOT_FOUND})

    def unexpected(exc: Exception) -> Response[Any]:
        # A request the guards refuse gets their answer, even when reading it failed (multipart without boundary…).
        problem = refusal(app)
        if problem is not None:
            return refused(problem)
        if isinstance(exc, UnicodeDecodeError | binascii.Error):  # a body that is not base64 of UTF-8 text
            return answer(400, {"message": messages.BODY_NOT_JSON})
        transient, code = is_transient(exc)
        if transient:
            logger.warning("dependency unavailable", extra={"error_code": code})
            return answer(503, {"message": messages.UNAVAILABLE}, {"Retry-After": str(RETRY_AFTER_SECONDS)})
        logger.exception("unexpected error")
        return answer(500, {"message": messages.INTERNAL_ERROR})

    handlers: dict[type[Exception], Callable[[Any], Response[Any]]] = {
        RequestValidationError: invalid,
        RequestUnsupportedContentType: unsupported,
        Refused: refused,
        DomainError: domain,
        NotFoundError: not_found,
        Exception: unexpected,
    }
    for kind, handler in handlers.items():
        app.exception_handler(kind)(handler)


def resolver(precheck: Precheck | None = None) -> APIGatewayRestResolver:
    """A REST (v1 proxy) resolver with typed bodies, the request guards and French error answers.

    `precheck`, when given, raises the domain error of a caller the routes refuse (no session, wrong role):
    the routes check it themselves; it also runs before a body's field errors are answered.
    """
    app = APIGatewayRestResolver(
        enable_validation=True,
        serializer=partial(json.dumps, ensure_ascii=False, separators=(",", ":")),
        json_body_deserializer=_loads,
    )
    app.use([_guard])
    _register_error_answers(app, precheck)
    return app


def answers(
    *statuses: int, success: int = 200, changes: bool = True, then: dict[str, str] | None = None
) -> dict[int, Any]:
    """OpenAPI declarations of a route's answers: its success (body from its return type), the guards'
    refusals when it changes state (400, 403, and API Gateway's 413 past its payload limit), what any route
    may answer (429 when API Gateway throttles the stage, 500, 503 for an unavailable dependency),
    `statuses` of its own, and `then`: the operations that follow a success (link name: operationId)."""
    descriptions = {
        400: "Requête refusée (champs en erreur, JSON invalide, trop volumineuse, lien invalide)",
        401: "Non authentifié",
        403: "Refusé : origine étrangère au portail, action réservée aux référents ou compte désactivé",
        404: "Agent introuvable dans l'organisme",
        409: "L'état du compte ne le permet pas",
        413: "Requête plus volumineuse que ce que la passerelle accepte",
        429: "Trop de tentatives (en-tête Retry-After) ou de requêtes",
        500: "Erreur technique",
        503: "Service momentanément indisponible (en-tête Retry-After)",
    }
    models = {400: ErrorsResponse | MessageResponse}
    # A 204 has no body: an empty content map keeps Powertools from describing one.
    ok: dict[str, Any] = {"description": "Succès"}
    if success == 204:
        ok = {"description": "Succès, sans contenu", "content": {}}
    if then:
        # OpenAPI links: what a client does next (the session travels in its cookie, a reset token by mail).
        ok["links"] = {name: {"operationId": operation} for name, operation in then.items()}
    codes = sorted({*statuses, 429, 500, 503, *((400, 403, 413) if changes else ())})
    return {success: ok} | {
        status: {
            "description": descriptions[status],
            "content": {"application/json": {"model": models.get(status, MessageResponse)}},
        }
        for status in codes
    }


def lambda_handler(app: APIGatewayRestResolver) -> LambdaHandler:
    resolve: Callable[[dict[str, Any], Any], dict[str, Any]] = app.resolve
    return entry(resolve, correlation_paths.API_GATEWAY_REST)
