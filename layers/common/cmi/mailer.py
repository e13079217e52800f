"""Sending mail (SES v2) and queueing mail requests (SQS) for the mailer function."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from cmi.observability import count, logger


@dataclass(frozen=True)
class Mail:
    to: str
    subject: str
    text: str
    html: str


class Mailer:
    def __init__(self, client: Any, sender: str) -> None:
        self.client = client
        self.sender = sender

    def mime(self, mail: Mail) -> bytes:
        from email.message import EmailMessage
        from email.utils import formatdate, make_msgid

        message = EmailMessage()
        message["Date"] = formatdate(usegmt=True)
        message["Message-ID"] = make_msgid(domain=self.sender.partition("@")[2] or None)
        message["From"] = self.sender
        message["To"] = mail.to
        message["Subject"] = mail.subject
        message.set_content(mail.text)
        message.add_alternative(mail.html, subtype="html")
        return message.as_bytes()

    def send(self, mail: Mail) -> None:
        # Raw MIME: one message with the text and HTML versions side by side.
        self.client.send_email(
            FromEmailAddress=self.sender,
            Destination={"ToAddresses": [mail.to]},
            Content={"Raw": {"Data": self.mime(mail)}},
        )


class MailQueue:
    """Mail requests go through a queue so the HTTP answer costs the same whether or not an account matches.

    A request names who it is about, never a secret: the mailer creates tokens itself.
    """

    def __init__(self, client: Any, url: str) -> None:
        self.client = client
        self.url = url

    def request(self, kind: str, **fields: str) -> None:
        self.client.send_message(QueueUrl=self.url, MessageBody=json.dumps({"kind": kind, **fields}))

    def notify(self, kind: str, identifier: str) -> None:
        """Queue an informative mail after a committed change: failing to queue it must not undo the change."""
        try:
            self.request(kind, identifier=identifier)
        except Exception:
            count("MailQueueFailed")
            logger.exception("mail request not queued", extra={"kind": kind, "identifier": identifier})
