"""Mailer: sends the mails queued by the API functions (SQS event, partial batch failures)."""

import json
from typing import Any

from cmi import outbox, portal
from cmi.observability import entry, logger


def _process(event: dict[str, Any]) -> dict[str, Any]:
    failures = []
    for record in event.get("Records", []):
        try:
            outbox.deliver(portal.current(), json.loads(record["body"]))
        except Exception:
            # Retried by SQS, then parked in the dead-letter queue.
            logger.exception("mail request failed", extra={"message_id": record.get("messageId")})
            failures.append({"itemIdentifier": record["messageId"]})
    return {"batchItemFailures": failures}


lambda_handler = entry(_process, None)
