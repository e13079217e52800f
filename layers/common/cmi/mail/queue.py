"""Mail requests go through SQS, so an API answer costs the same whether or not an account matches."""

from __future__ import annotations

from typing import Any

from cmi.mail import requests
from cmi.observability import count, logger

CORRELATION = "correlation_id"


class MailQueue:
    def __init__(self, client: Any, url: str) -> None:
        self.client = client
        self.url = url

    def send(self, request: requests.MailRequest) -> None:
        # The API request's correlation id travels with the message: the mailer logs under it too.
        correlation = logger.get_correlation_id()
        attributes = {CORRELATION: {"DataType": "String", "StringValue": correlation}} if correlation else {}
        self.client.send_message(QueueUrl=self.url, MessageBody=requests.dumps(request), MessageAttributes=attributes)

    def notify(self, request: requests.MailRequest) -> None:
        try:
            self.send(request)
        except Exception:
            count("MailQueueFailed")
            about = getattr(request, "identifier", "")
            logger.exception("mail request not queued", extra={"kind": request.kind, "identifier": about})
