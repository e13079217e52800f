"""The référent area: a référent lists, creates, disables and enables the agents of their organisation.

The organisation is always the session's own; an identifier of another organisation answers exactly
like one that does not exist. A profile may do none of this.
"""

from __future__ import annotations

from collections.abc import Callable

from cmi import messages
from cmi.domain import auth, identity, onboarding
from cmi.domain.errors import Conflict, InvalidInput, NotAllowed, NotFound
from cmi.domain.model import Account, Page
from cmi.domain.ports import Services

AGENTS_PAGE = 500  # 1,000 agents in two requests; a page stays far below DynamoDB's 1 MB
JOURNAL_PAGE = 50


def referent(services: Services, session: str | None) -> Account:
    """The référent behind the session, or NotAuthenticated / NotAllowed."""
    account, _ = auth.current_account(services, session)
    if account.role != "referent":
        raise NotAllowed(messages.REFERENT_ONLY)
    return account


def _agent(services: Services, me: Account, identifier: str) -> Account:
    identifier = identity.normalise_identifier(identifier)
    agent = services.accounts.get(identifier) if identity.is_identifier(identifier) else None
    if agent is None or agent.org_code != me.org_code:
        raise NotFound(messages.AGENT_NOT_FOUND)
    return agent


def _page(read: Callable[[str, str | None, int], Page], me: Account, cursor: str | None, size: int) -> Page:
    try:
        return read(me.org_code, cursor, size)
    except ValueError:  # a cursor the store did not issue, or issued for another organisation
        raise InvalidInput({"cursor": messages.CURSOR_INVALID}) from None


def list_agents(services: Services, session: str | None, cursor: str | None) -> Page:
    return _page(services.accounts.agents, referent(services, session), cursor, AGENTS_PAGE)


def journal(services: Services, session: str | None, cursor: str | None) -> Page:
    return _page(services.journal.events, referent(services, session), cursor, JOURNAL_PAGE)


def create_profile(services: Services, session: str | None, first_name: str, last_name: str, email: str) -> Account:
    """A pending profile in the référent's organisation; its welcome mail goes to `email`."""
    me = referent(services, session)
    created = onboarding.create_account(services, me.org_code, first_name, last_name, email, "profile", me.identifier)
    return created.account


def send_temporary_password(services: Services, session: str | None, identifier: str) -> Account:
    me = referent(services, session)
    return onboarding.resend_temporary_password(services, _agent(services, me, identifier), me.identifier).account


def disable(services: Services, session: str | None, identifier: str) -> Account:
    me = referent(services, session)
    agent = _agent(services, me, identifier)
    if agent.identifier == me.identifier:
        raise Conflict(messages.CANNOT_DISABLE_SELF)
    return onboarding.disable(services, agent, me.identifier, keep_a_referent=True)


def enable(services: Services, session: str | None, identifier: str) -> Account:
    me = referent(services, session)
    return onboarding.enable(services, _agent(services, me, identifier), me.identifier)
