"""Ending an account's sessions without disabling it (cmi-admin end-sessions), on in-memory stores."""

from __future__ import annotations

import pytest

from cmi.domain import auth, first_connection, onboarding, recovery
from cmi.domain.errors import NotAuthenticated
from cmi.mail import delivery
from cmi.mail.requests import ForgotPassword
from tests.unit.conftest import EMAIL, NEW


def test_ending_sessions_voids_every_open_session_and_the_account_can_log_in_again(services, active):
    sessions = [auth.login(services, active.identifier, NEW).token for _ in range(2)]
    ended = onboarding.end_sessions(services, active)
    assert ended.sessions_version == active.sessions_version + 1
    for token in sessions:
        with pytest.raises(NotAuthenticated):
            auth.current_account(services, token)
    stored = services.accounts.get(active.identifier)
    assert (stored.status, stored.password_version, stored.password_hash) == (
        "active",
        active.password_version,
        active.password_hash,
    )
    account, _ = auth.current_account(services, auth.login(services, active.identifier, NEW).token)
    assert account.identifier == active.identifier


def test_ending_sessions_voids_a_first_connection_pass_and_keeps_the_temporary_password(services, pending):
    identifier = pending.account.identifier
    opened = auth.login(services, identifier, pending.temporary_password)
    onboarding.end_sessions(services, services.accounts.get(identifier))
    with pytest.raises(NotAuthenticated):
        first_connection.prefill(services, opened.token)
    again = auth.login(services, identifier, pending.temporary_password)
    first_connection.complete(services, again.token, NEW, NEW, EMAIL, alerts_opt_in=False)
    assert services.accounts.get(identifier).status == "active"


def test_the_session_opened_by_a_first_connection_after_ending_sessions_is_valid(services, pending):
    identifier = pending.account.identifier
    onboarding.end_sessions(services, services.accounts.get(identifier))
    opened = auth.login(services, identifier, pending.temporary_password)
    session = first_connection.complete(services, opened.token, NEW, NEW, EMAIL, alerts_opt_in=False)
    assert auth.current_account(services, session.token)[0].identifier == identifier


def test_ending_sessions_keeps_reset_links_valid(services, active):
    delivery.deliver(services, ForgotPassword(active.identifier), "m1")
    link = services.mailer.sent[-1].text.split("#token=")[1].split()[0]
    onboarding.end_sessions(services, active)
    recovery.reset_password(services, link, "Autre-Mot-De-Passe!9", "Autre-Mot-De-Passe!9")
    assert services.hasher.verify(services.accounts.get(active.identifier).password_hash, "Autre-Mot-De-Passe!9")


def test_ending_the_sessions_of_a_disabled_account_writes_nothing(services, active):
    disabled = onboarding.disable(services, active)
    assert onboarding.end_sessions(services, disabled) == disabled
    assert services.accounts.get(active.identifier).sessions_version == 0
