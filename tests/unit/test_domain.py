"""The use cases on in-memory stores: the rules of the portal, without AWS, HTTP or moto."""

from __future__ import annotations

import pytest

from cmi import messages
from cmi.domain import auth, first_connection, onboarding, recovery
from cmi.domain.errors import InvalidInput, LinkNotValid, NotAuthenticated, OnboardingError, TooManyAttempts
from cmi.mail import delivery
from cmi.mail.requests import AccountNotice, ForgotIdentifier, ForgotPassword
from tests.unit.conftest import EMAIL, NEW


def test_login_opens_a_session_with_the_configured_lifetime_and_forgets_failures(services, active):
    with pytest.raises(NotAuthenticated):
        auth.login(services, active.identifier, "wrong")
    opened = auth.login(services, active.identifier, NEW)
    assert (opened.next, opened.lifetime_seconds) == ("home", 12 * 3600)
    assert services.throttle.get_login(active.identifier).exists is False
    account, record = auth.current_account(services, opened.token)
    assert account.identifier == active.identifier
    assert record.pk != opened.token  # stored hashed


def test_a_pending_account_gets_a_15_minute_first_connection_pass(services, pending):
    opened = auth.login(services, pending.account.identifier, pending.temporary_password)
    assert (opened.next, opened.lifetime_seconds) == ("first_connection", 15 * 60)
    with pytest.raises(NotAuthenticated):
        auth.current_account(services, opened.token)  # not a session
    assert first_connection.prefill(services, opened.token).identifier == pending.account.identifier


def test_wrong_password_and_unknown_identifier_get_the_same_answer_and_are_both_counted(services, active):
    for identifier in (active.identifier, "00001UNKNOWN"):
        with pytest.raises(NotAuthenticated) as caught:
            auth.login(services, identifier, "Wrong-Password1!")
        assert caught.value.message == messages.BAD_CREDENTIALS
        assert services.throttle.get_login(identifier).failures == 1


def test_after_five_failures_even_the_right_password_waits_one_minute(services, active):
    for _ in range(5):
        with pytest.raises(NotAuthenticated):
            auth.login(services, active.identifier, "wrong")
    with pytest.raises(TooManyAttempts) as caught:
        auth.login(services, active.identifier, NEW)
    assert caught.value.wait_seconds == 60
    services.clock.advance(60)
    assert auth.login(services, active.identifier, NEW).next == "home"


def test_the_25th_failure_queues_exactly_one_blocked_notice(services, active):
    for _ in range(30):
        try:
            auth.login(services, active.identifier, "wrong")
        except (NotAuthenticated, TooManyAttempts):
            services.clock.advance(900)
    assert services.mail_requests.sent == [AccountNotice(active.identifier, "identifier_blocked")]
    with pytest.raises(TooManyAttempts) as caught:
        auth.login(services, active.identifier, NEW)
    assert caught.value.message == messages.BLOCKED.format(count=25)


def test_temporary_password_is_valid_7_days_and_not_one_second_more(services, pending):
    services.clock.advance(7 * 86400)
    assert auth.login(services, pending.account.identifier, pending.temporary_password).next == "first_connection"
    services.clock.advance(1)
    with pytest.raises(NotAuthenticated) as caught:
        auth.login(services, pending.account.identifier, pending.temporary_password)
    assert caught.value.message == messages.TEMPORARY_PASSWORD_EXPIRED


def test_login_ends_the_session_the_browser_still_held(services, active):
    old = auth.login(services, active.identifier, NEW).token
    auth.login(services, active.identifier, NEW, previous_session=old)
    with pytest.raises(NotAuthenticated):
        auth.current_account(services, old)


def test_a_session_idles_out_after_30_minutes_without_use(services, active):
    token = auth.login(services, active.identifier, NEW).token
    services.clock.advance(30 * 60 - 1)
    auth.current_account(services, token)  # used: the idle timer slides
    services.clock.advance(30 * 60 - 1)
    auth.current_account(services, token)
    services.clock.advance(30 * 60)
    with pytest.raises(NotAuthenticated):
        auth.current_account(services, token)


def test_logout_ends_the_session(services, active):
    token = auth.login(services, active.identifier, NEW).token
    auth.logout(services, token)
    with pytest.raises(NotAuthenticated):
        auth.current_account(services, token)


def test_first_connection_activates_once_and_queues_the_activation_mail(services, pending):
    opened = auth.login(services, pending.account.identifier, pending.temporary_password)
    session = first_connection.complete(services, opened.token, NEW, NEW, EMAIL.upper(), alerts_opt_in=True)
    account, _ = auth.current_account(services, session.token)
    assert (account.status, account.alerts_opt_in, account.password_version) == ("active", True, 2)
    assert services.mail_requests.sent == [AccountNotice(account.identifier, "account_activated")]
    with pytest.raises(NotAuthenticated):  # the pass was consumed
        first_connection.complete(services, opened.token, NEW, NEW, EMAIL, alerts_opt_in=False)


def test_first_connection_names_each_failing_field(services, pending):
    opened = auth.login(services, pending.account.identifier, pending.temporary_password)
    with pytest.raises(InvalidInput) as caught:
        first_connection.complete(
            services, opened.token, pending.temporary_password, "other", "autre@exemple.fr", alerts_opt_in=False
        )
    assert caught.value.errors == {
        "new_password": messages.PASSWORD_SAME_AS_TEMPORARY,
        "password_confirmation": messages.CONFIRMATION_MISMATCH,
        "email_confirmation": messages.EMAIL_CONFIRMATION_MISMATCH,
    }
    assert services.accounts.get(pending.account.identifier).pending


def test_forgot_routes_queue_typed_requests_whatever_the_input(services):
    assert recovery.forgot_identifier(services, "personne@exemple.fr") == messages.FORGOT_IDENTIFIER_SENT
    assert recovery.forgot_password(services, "00001NOBODY") == messages.FORGOT_PASSWORD_SENT
    assert services.mail_requests.sent == [ForgotIdentifier("personne@exemple.fr"), ForgotPassword("00001NOBODY")]


def _reset_link(services, identifier, message_id="m1"):
    delivery.deliver(services, ForgotPassword(identifier), message_id)
    return services.mailer.sent[-1].text.split("#token=")[1].split()[0]


def test_a_reset_link_sets_the_password_once_lifts_the_block_and_voids_other_links(services, active):
    for _ in range(3):
        with pytest.raises(NotAuthenticated):
            auth.login(services, active.identifier, "wrong")
    first, second = _reset_link(services, active.identifier, "m1"), _reset_link(services, active.identifier, "m2")
    recovery.reset_password(services, first, "Autre-Mot-De-Passe!9", "Autre-Mot-De-Passe!9")
    assert services.throttle.get_login(active.identifier).exists is False
    assert services.mail_requests.sent == [AccountNotice(active.identifier, "password_changed")]
    for used_or_voided in (first, second):
        with pytest.raises(LinkNotValid):
            recovery.reset_password(services, used_or_voided, "Encore-Un-Autre!7", "Encore-Un-Autre!7")


def test_a_reset_link_is_valid_exactly_60_minutes(services, active):
    token = _reset_link(services, active.identifier)
    services.clock.advance(60 * 60)
    with pytest.raises(LinkNotValid):
        recovery.reset_password(services, token, "Autre-Mot-De-Passe!9", "Autre-Mot-De-Passe!9")


def test_a_forgot_password_message_delivered_twice_makes_one_link(services, active):
    delivery.deliver(services, ForgotPassword(active.identifier), "same-message")
    delivery.deliver(services, ForgotPassword(active.identifier), "same-message")
    assert len(services.mailer.sent) == 2  # welcome + one reset link
    assert sum(1 for t in services.memory.tokens.values() if t.kind == "reset") == 1


def test_a_reset_link_whose_mail_failed_is_void_and_the_message_can_be_retried(services, active):
    services.mailer.fail = True
    with pytest.raises(delivery.MailNotSent):
        delivery.deliver(services, ForgotPassword(active.identifier), "retried")
    assert not [t for t in services.memory.tokens.values() if t.kind == "reset"]
    services.mailer.fail = False
    delivery.deliver(services, ForgotPassword(active.identifier), "retried")
    assert "#token=" in services.mailer.sent[-1].text


def test_recovery_mails_stop_at_5_per_hour(services, active):
    for n in range(7):
        delivery.deliver(services, ForgotPassword(active.identifier), f"m{n}")
    assert sum("#token=" in m.text for m in services.mailer.sent) == 5
    services.clock.advance(3600)
    delivery.deliver(services, ForgotPassword(active.identifier), "later")
    assert sum("#token=" in m.text for m in services.mailer.sent) == 6


def test_a_welcome_mail_that_fails_leaves_no_account(services):
    services.mailer.fail = True
    with pytest.raises(RuntimeError):
        onboarding.create_account(services, "00001", "Alex", "Durand", "alex@exemple.fr")
    assert services.memory.accounts == {}
    with pytest.raises(OnboardingError):
        onboarding.create_account(services, "99999", "Alex", "Durand", "alex@exemple.fr")


def test_a_first_connection_pass_ends_with_the_temporary_password(services, pending):
    services.clock.advance(7 * 86400 - 60)  # a pass opened a minute before the temporary password expires
    opened = auth.login(services, pending.account.identifier, pending.temporary_password)
    assert first_connection.prefill(services, opened.token).identifier == pending.account.identifier
    services.clock.advance(61)
    with pytest.raises(NotAuthenticated) as caught:
        first_connection.complete(services, opened.token, NEW, NEW, EMAIL, alerts_opt_in=False)
    assert caught.value.message == messages.TEMPORARY_PASSWORD_EXPIRED
    assert services.accounts.get(pending.account.identifier).pending
