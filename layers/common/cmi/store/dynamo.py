"""Helpers over the low-level DynamoDB client (lighter than the resource API) and AWS error codes."""

from __future__ import annotations

import base64
import json
from collections.abc import Mapping
from typing import Any

from boto3.dynamodb.types import TypeDeserializer, TypeSerializer

_serializer = TypeSerializer()
_deserializer = TypeDeserializer()

Item = dict[str, Any]


def to_dynamo(values: Mapping[str, Any]) -> dict[str, Any]:
    return {k: _serializer.serialize(v) for k, v in values.items() if v is not None}


def from_dynamo(item: Mapping[str, Any] | None) -> Item | None:
    if not item:
        return None
    return {k: _deserializer.deserialize(v) for k, v in item.items()}


def key(pk: str) -> dict[str, Any]:
    return {"pk": {"S": pk}}


def error_code(exc: BaseException) -> str:
    response = getattr(exc, "response", None)
    return str(response.get("Error", {}).get("Code", "")) if isinstance(response, dict) else ""


def http_status(exc: BaseException) -> int:
    """The HTTP status AWS answered with (0 when the error did not come from AWS)."""
    response = getattr(exc, "response", None)
    metadata = response.get("ResponseMetadata", {}) if isinstance(response, dict) else {}
    return int(metadata.get("HTTPStatusCode") or 0)


def cancellation_reasons(exc: BaseException) -> list[str]:
    response = getattr(exc, "response", None)
    if not isinstance(response, dict):
        return []
    return [str(r.get("Code", "None")) for r in response.get("CancellationReasons", [])]


def is_condition_failure(exc: BaseException) -> bool:
    """True when a conditional write or a transaction lost on its conditions (not a fault)."""
    code = error_code(exc)
    if code == "ConditionalCheckFailedException":
        return True
    if code == "TransactionCanceledException":
        reasons = cancellation_reasons(exc)
        return any(r == "ConditionalCheckFailed" for r in reasons) and all(
            r in ("None", "ConditionalCheckFailed") for r in reasons
        )
    return False


# Dependency failures worth a retry (answered 503 + Retry-After, nothing changed).
_TRANSIENT_CODES = frozenset(
    {
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
)
_NETWORK_ERRORS = frozenset(
    {"EndpointConnectionError", "ConnectTimeoutError", "ReadTimeoutError", "ConnectionClosedError"}
)


def is_transient(exc: BaseException) -> tuple[bool, str]:
    """Whether retrying later may help (AWS throttled, failed on its side, or could not be reached), and the code."""
    code = error_code(exc)
    # Any 5xx from AWS (SQS "InternalError", SES "ServiceUnavailable"…) is on their side.
    transient = code in _TRANSIENT_CODES or http_status(exc) >= 500 or type(exc).__name__ in _NETWORK_ERRORS
    return transient, code or type(exc).__name__


def encode_cursor(last_key: dict[str, Any] | None) -> str | None:
    """The LastEvaluatedKey of a Query as an opaque URL-safe string (None when there is no next page)."""
    if not last_key:
        return None
    return base64.urlsafe_b64encode(json.dumps(last_key, separators=(",", ":")).encode()).decode().rstrip("=")


def decode_cursor(cursor: str, names: frozenset[str]) -> dict[str, Any]:
    """Back to an ExclusiveStartKey; ValueError unless it has exactly the key attributes of the index, as strings."""
    try:
        key = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
    except (ValueError, UnicodeDecodeError):
        raise ValueError("not a cursor") from None
    if not isinstance(key, dict) or set(key) != names:
        raise ValueError("not a cursor")
    if not all(isinstance(v, dict) and set(v) == {"S"} and isinstance(v["S"], str) for v in key.values()):
        raise ValueError("not a cursor")
    return key


class Writes:
    """The writes of one table in a unit of work: transaction items added to the unit's list."""

    def __init__(self, table: str, items: list[dict[str, Any]]) -> None:
        self.table = table
        self.items = items


def query_page(
    client: Any, query: dict[str, Any], cursor: str | None, key_names: frozenset[str], partition: tuple[str, str]
) -> tuple[list[dict[str, Any]], str | None]:
    """One page of a Query from `cursor`, which must be one of this partition's; ValueError otherwise."""
    if cursor:
        start = decode_cursor(cursor, key_names)
        name, value = partition
        if start[name]["S"] != value:
            raise ValueError("not a cursor of this partition")
        query = {**query, "ExclusiveStartKey": start}
    response = client.query(**query)
    return response.get("Items", []), encode_cursor(response.get("LastEvaluatedKey"))
