"""A composed mail, ready to send (kept apart from the templates, which the API functions never load)."""

from dataclasses import dataclass


@dataclass(frozen=True)
class Mail:
    to: str
    subject: str
    text: str
    html: str
