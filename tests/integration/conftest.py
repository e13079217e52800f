from __future__ import annotations

from dataclasses import dataclass

import pytest

from cmi.domain import onboarding

NEW_PASSWORD = "Mobilité-Inclusion!2026"
EMAIL = "camille.martin@exemple.fr"


@dataclass
class Agent:
    identifier: str
    password: str
    email: str


@pytest.fixture
def organisation(harness):
    return onboarding.create_organisation(harness.services, "00001", "MDPH du Rhône")


@pytest.fixture
def pending(harness, organisation) -> Agent:
    """A référent just registered: still on the temporary password of the welcome mail."""
    new = onboarding.create_account(harness.services, "00001", "Camille", "Martin", EMAIL)
    return Agent(new.account.identifier, new.temporary_password, EMAIL)


@pytest.fixture
def active(harness, pending) -> Agent:
    """A référent who completed the first connection (through the API), then logged out."""
    assert harness.post("/api/login", {"identifier": pending.identifier, "password": pending.password}).status == 200
    done = harness.post(
        "/api/first-connection",
        {"new_password": NEW_PASSWORD, "password_confirmation": NEW_PASSWORD, "email_confirmation": EMAIL},
    )
    assert done.status == 200, done.text
    harness.post("/api/logout")
    harness.cookies.clear()
    harness.mails()  # deliver the activation mail now, so tests see only their own mails
    return Agent(pending.identifier, NEW_PASSWORD, EMAIL)
