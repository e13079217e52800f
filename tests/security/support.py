"""Helpers of the security suite: French message recognition, minted tokens, fault injection."""

from __future__ import annotations

import io
import json
import logging
import re
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import replace
from typing import Any

import boto3

from cmi import container, messages
from cmi.domain.model import Grant, TokenKind


def _template(text: str) -> str:
    # "{minutes}" and friends become wildcards; everything else is literal.
    return re.sub(r"\\\{[a-z_]+\\\}", ".*?", re.escape(text))


_CONSTANTS = [v for k, v in vars(messages).items() if k.isupper() and isinstance(v, str)]
_ONE = "(?:" + "|".join(_template(c) for c in sorted(_CONSTANTS, key=len, reverse=True)) + ")"
# Password rules are joined by a space when several fail.
_MESSAGE = re.compile(rf"{_ONE}(?: {_ONE})*")


def is_catalogued(text: object) -> bool:
    """True when the text is one of cmi/messages.py (formatted templates included, several joined by a space)."""
    return isinstance(text, str) and bool(text) and _MESSAGE.fullmatch(text) is not None


def french_error_problem(body: Any) -> str | None:
    """Why a 4xx/5xx body is not a French message from the catalogue, or None when it is."""
    if not isinstance(body, dict):
        return f"body is not a JSON object: {body!r}"
    if set(body) == {"message"}:
        return None if is_catalogued(body["message"]) else f"message not in cmi/messages.py: {body['message']!r}"
    if set(body) == {"errors"} and isinstance(body["errors"], dict) and body["errors"]:
        bad = {k: v for k, v in body["errors"].items() if not is_catalogued(v)}
        return None if not bad else f"field messages not in cmi/messages.py: {bad!r}"
    return f"neither {{message}} nor {{errors}}: {body!r}"


def mint(services: Any, kind: TokenKind, identifier: str, lifetime: int = 3600, idle: int | None = None) -> str:
    """A valid token of `kind` for the account, written straight to the table (no argon2, no login)."""
    account = services.accounts.get(identifier)
    raw = services.new_token()
    uow = services.unit_of_work()
    uow.tokens.issue(raw, Grant(kind, identifier, account.password_version, lifetime, idle), services.now())
    assert uow.commit()
    return raw


# Fault injection: a botocore "before-call" hook that returns an error response instead of calling moto.

Fault = dict[str, Any]


def error(code: str, message: str = "injected", status: int = 400, **extra: Any) -> Fault:
    return {"Error": {"Code": code, "Message": message}, "ResponseMetadata": {"HTTPStatusCode": status}, **extra}


THROUGHPUT = error("ProvisionedThroughputExceededException", status=400)
SES_REJECTED = error("MessageRejected", "Email address is not verified.")
SES_THROTTLED = error("TooManyRequestsException", status=429)
SQS_DOWN = error("InternalError", status=500)
TX_CANCELLED_THROTTLED = error(
    "TransactionCanceledException",
    "Transaction cancelled, please refer cancellation reasons for specific reasons [ThrottlingError, None]",
    CancellationReasons=[
        {"Code": "ThrottlingError", "Message": "Throughput exceeds the current capacity."},
        {"Code": "None"},
    ],
)
CONDITION_FAILED = error("ConditionalCheckFailedException", "The conditional request failed")


class Faults:
    """Which operations fail, how and how many times; registered on every client the portal creates."""

    def __init__(self) -> None:
        self.rules: list[tuple[str, str, Fault, int | None, Callable[[dict[str, Any]], bool] | None]] = []
        self.injected: list[str] = []

    def fail(
        self,
        service: str,
        operation: str,
        fault: Fault,
        times: int | None = None,
        when: Callable[[dict[str, Any]], bool] | None = None,
    ) -> None:
        """Make `service.operation` answer `fault` (`times` times, or always) when `when(params)` holds."""
        self.rules.append((service, operation, fault, times, when))

    def clear(self) -> None:
        self.rules.clear()

    def _hook(self, service: str) -> Callable[..., Any]:
        def before_call(model: Any, params: dict[str, Any], **_: Any) -> Any:
            for index, (svc, op, fault, times, when) in enumerate(self.rules):
                if svc != service or op != model.name:
                    continue
                if when is not None and not when(_decoded(params)):
                    continue
                if times is not None:
                    if times <= 0:
                        continue
                    self.rules[index] = (svc, op, fault, times - 1, when)
                self.injected.append(f"{service}.{op}:{fault['Error']['Code']}")
                # A before-call handler returning (http, parsed) short-circuits the request.
                return _Http(fault["ResponseMetadata"]["HTTPStatusCode"]), fault
            return None

        return before_call

    def client_factory(self, service: str) -> Any:
        from botocore.config import Config

        # No retries: an injected fault is seen exactly as often as it is armed.
        client = boto3.client(service, config=Config(retries={"mode": "standard", "max_attempts": 1}))
        service_id = client.meta.service_model.service_id.hyphenize()
        client.meta.events.register(f"before-call.{service_id}", self._hook(service))
        return client


def _decoded(params: dict[str, Any]) -> dict[str, Any]:
    """The API parameters of a request (JSON protocols: the serialized body)."""
    body = params.get("body")
    if isinstance(body, bytes | str) and body:
        try:
            loaded = json.loads(body)
        except ValueError:
            return {}
        return loaded if isinstance(loaded, dict) else {}
    return body if isinstance(body, dict) else {}


class _Http:
    def __init__(self, status: int) -> None:
        self.status_code = status
        self.headers: dict[str, str] = {}
        self.content = b""
        self.raw = None


@contextmanager
def injected(harness: Any) -> Iterator[Faults]:
    """Run the handlers with clients that fail on demand (the harness clock and settings are kept)."""
    faults = Faults()
    with container.override(replace(container.container(), client_factory=faults.client_factory)):
        yield faults


# What the functions write to CloudWatch: Logger lines (JSON) and EMF metrics (printed to stdout).


@contextmanager
def logged_lines() -> Iterator[io.StringIO]:
    """Every JSON line the Powertools Logger writes while the block runs."""
    from cmi.observability import logger

    handler = logger.registered_handler
    assert isinstance(handler, logging.StreamHandler)
    buffer = io.StringIO()
    previous = handler.setStream(buffer)
    try:
        yield buffer
    finally:
        handler.setStream(previous)


def metric_counts(stdout: str) -> Counter[str]:
    """Sum of every EMF metric printed in `stdout`, by name."""
    counts: Counter[str] = Counter()
    for line in stdout.splitlines():
        try:
            blob = json.loads(line)
        except ValueError:
            continue
        if not isinstance(blob, dict) or "_aws" not in blob:
            continue
        for directive in blob["_aws"]["CloudWatchMetrics"]:
            for metric in directive["Metrics"]:
                counts[metric["Name"]] += int(sum(blob[metric["Name"]]))
    return counts


TABLES = ("AccountsTable", "TokensTable", "ThrottleTable")


def snapshot(harness: Any) -> dict[str, Any]:
    """Every item of every table, and how many mail requests wait in the queue."""
    queue = harness.services.settings.mail_queue_url
    attributes = boto3.client("sqs").get_queue_attributes(
        QueueUrl=queue, AttributeNames=["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"]
    )["Attributes"]
    return {**{name: harness.table(name) for name in TABLES}, "queued": attributes}
