"""Sending a composed mail with SES v2: one raw MIME message with text and HTML side by side."""

from __future__ import annotations

from typing import Any

from cmi.mail.message import Mail


class SesSender:
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
        self.client.send_email(
            FromEmailAddress=self.sender,
            Destination={"ToAddresses": [mail.to]},
            Content={"Raw": {"Data": self.mime(mail)}},
        )
