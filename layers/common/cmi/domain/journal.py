"""Entries of an organisation's journal, made by the use cases that write them with their action."""

from __future__ import annotations

from cmi.domain.model import Account, Action, JournalEvent
from cmi.domain.ports import Services


def entry(services: Services, agent: Account, actor: str, action: Action, detail: str = "") -> JournalEvent:
    """What `actor` did to `agent`, now."""
    return JournalEvent(agent.org_code, services.now(), actor, action, agent.identifier, detail, services.sequence())
