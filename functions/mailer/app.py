"""Mailer: sends the mails queued by the API functions (SQS event, partial batch failures)."""

from typing import Any

from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType, process_partial_response
from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord

from cmi.container import container
from cmi.mail import delivery, requests
from cmi.mail.queue import CORRELATION
from cmi.observability import entry, logger

# A batch where every record failed is reported like any other: SQS retries exactly those.
processor = BatchProcessor(event_type=EventType.SQS, raise_on_entire_batch_failure=False)


def deliver(record: SQSRecord) -> None:
    # Logs of this message carry the correlation id of the API request that queued it.
    attribute = record.message_attributes[CORRELATION]  # None when absent (Powertools)
    logger.set_correlation_id(attribute.string_value if attribute else None)
    try:
        delivery.deliver(container(), requests.loads(record.body), record.message_id)
    except requests.UnknownMailRequest:
        # Retrying cannot make it valid: logged and dropped rather than parked in the dead-letter queue.
        logger.error("unknown mail request", extra={"message_id": record.message_id})
    except Exception:
        logger.exception("mail request failed", extra={"message_id": record.message_id})
        raise  # retried by SQS, then parked in the dead-letter queue


def _process(event: dict[str, Any], context: Any) -> dict[str, Any]:
    return dict(process_partial_response(event=event, record_handler=deliver, processor=processor, context=context))


lambda_handler = entry(_process, None)
