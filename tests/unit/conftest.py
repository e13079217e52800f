"""The use cases' fixtures on in-memory stores: an organisation, a pending référent, an active one."""

from __future__ import annotations

import pytest

from cmi.domain import auth, first_connection, onboarding
from tests.unit.fakes import FakeServices

NEW = "Mobilité-Inclusion!2026"
EMAIL = "camille.martin@exemple.fr"


@pytest.fixture
def services() -> FakeServices:
    services = FakeServices()
    onboarding.create_organisation(services, "00001", "MDPH du Rhône")
    return services


@pytest.fixture
def pending(services):
    return onboarding.create_account(services, "00001", "Camille", "Martin", EMAIL)


@pytest.fixture
def active(services, pending):
    opened = auth.login(services, pending.account.identifier, pending.temporary_password)
    first_connection.complete(services, opened.token, NEW, NEW, EMAIL, alerts_opt_in=False)
    services.mail_requests.sent.clear()
    return services.accounts.get(pending.account.identifier)
