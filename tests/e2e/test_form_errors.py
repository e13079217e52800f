"""Field errors follow the fields (issue 15, « Stale errors »), on every form of the site.

After an empty submit, each field's error goes as soon as the field passes the page's own check,
while the person types (no second submit), and comes back when the field is left invalid again.
Nothing is shown before the first submit. axe-core finds no violation in any of these states.
The site is built and served as in test_static_pages.py, the API answered by Playwright routes.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass

import pytest
from playwright.sync_api import Page, Route, expect

from tests.e2e import test_static_pages as static_pages
from tests.e2e.conftest import axe_violations
from tests.e2e.test_static_pages import ACCOUNT, AGENTS, fake_api, open_page

# The built site and its server, shared with test_static_pages.py (module-scoped fixtures).
site = static_pages.site
base_url = static_pages.base_url

STRONG_PASSWORD = "Kz7#pLq!wR2x"


@dataclass(frozen=True)
class Form:
    page: str
    button: str
    # Every field the empty submit puts in error, and a value that passes its check.
    valid: dict[str, str]


FORMS = {
    "connexion": Form("index.html", "SE CONNECTER", {"identifier": "000011701060005", "password": "un mot de passe"}),
    "creation-compte": Form(
        "creation-compte.html",
        "VALIDER",
        {
            "new_password": STRONG_PASSWORD,
            "password_confirmation": STRONG_PASSWORD,
            "email_confirmation": ACCOUNT["email"],
        },
    ),
    "identifiant-oublie": Form("identifiant-oublie.html", "VALIDER", {"email": ACCOUNT["email"]}),
    "mot-de-passe-oublie": Form("mot-de-passe-oublie.html", "VALIDER", {"identifier": "000011701060005"}),
    "modification-mot-de-passe": Form(
        "modification-mot-de-passe.html#token=un-jeton",
        "VALIDER",
        {"new_password": STRONG_PASSWORD, "password_confirmation": STRONG_PASSWORD},
    ),
    "agents": Form(
        "agents.html",
        "Créer un profil",
        {"last_name": "N'Diaye", "first_name": "Léa", "email": "lea.ndiaye@mdph-exemple.fr"},
    ),
}


def submit(page: Page, form: Form) -> None:
    page.get_by_role("button", name=form.button, exact=True).click()


def expect_error(page: Page, field: str, message: str | None = None) -> None:
    """The DSFR error state of `field`: group class, aria-invalid, the message it describes itself with."""
    error = page.locator(f"#{field}-error")
    expect(error).to_be_visible()
    expect(error).to_have_class("fr-error-text")
    if message is not None:
        expect(error).to_have_text(message)
    expect(page.locator(f"#{field}-group")).to_have_class(re.compile(r"\bfr-input-group--error\b"))
    field_input = page.locator(f"#{field}")
    expect(field_input).to_have_attribute("aria-invalid", "true")
    described_by = (field_input.get_attribute("aria-describedby") or "").split()
    assert f"{field}-messages" in described_by
    assert page.locator(f"#{field}-messages #{field}-error").count() == 1


def expect_no_error(page: Page, field: str) -> None:
    expect(page.locator(f"#{field}-error")).to_have_count(0)
    expect(page.locator(f"#{field}-group")).not_to_have_class(re.compile(r"\bfr-input-group--error\b"))
    expect(page.locator(f"#{field}")).not_to_have_attribute("aria-invalid", "true")
    expect(page.locator(f"#{field}-messages")).to_be_empty()


def error_texts(page: Page, fields: list[str]) -> dict[str, str]:
    return {field: page.locator(f"#{field}-error").inner_text() for field in fields}


@pytest.mark.parametrize("name", sorted(FORMS))
def test_an_error_goes_as_its_field_becomes_valid_and_comes_back_when_it_is_left_invalid(
    page: Page, base_url: str, name: str
) -> None:
    form = FORMS[name]
    open_page(page, base_url, form.page)
    fields = list(form.valid)
    first, others = fields[0], fields[1:]
    calls: list[str] = []
    page.on("request", lambda request: calls.append(request.url) if request.method == "POST" else None)

    # Before the first submit, leaving an empty field shows nothing.
    page.locator(f"#{first}").focus()
    page.locator(f"#{first}").blur()
    expect_no_error(page, first)
    assert not page.title().startswith("Erreur - ")

    # The empty submit: every field in error, « obligatoire » for the required ones.
    submit(page, form)
    for field in fields:
        expect_error(page, field)
    messages = error_texts(page, fields)
    assert any("obligatoire" in text for text in messages.values()), messages
    assert page.title().startswith("Erreur - ")
    assert axe_violations(page) == []

    # A valid value: its error goes at once, without submitting; the others stay.
    page.locator(f"#{first}").fill(form.valid[first])
    expect_no_error(page, first)
    for field in others:
        expect_error(page, field, messages[field])
    assert axe_violations(page) == []

    # Emptied again: nothing while typing, the same error once the field is left.
    page.locator(f"#{first}").fill("")
    expect_no_error(page, first)
    page.locator(f"#{first}").blur()
    expect_error(page, first, messages[first])
    for field in others:
        expect_error(page, field, messages[field])
    assert page.title().startswith("Erreur - ")
    assert axe_violations(page) == []

    # Every field valid: no error left, and the title loses its « Erreur - ».
    for field in fields:
        page.locator(f"#{field}").fill(form.valid[field])
        page.locator(f"#{field}").blur()
    for field in fields:
        expect_no_error(page, field)
    expect(page).not_to_have_title(re.compile(r"^Erreur - "))
    assert axe_violations(page) == []
    assert calls == [], "the checks are made in the page, without posting"


def test_an_invalid_value_keeps_its_error_and_blur_updates_the_message(page: Page, base_url: str) -> None:
    open_page(page, base_url, "creation-compte.html")
    submit(page, FORMS["creation-compte"])
    expect_error(page, "email_confirmation")
    required = page.locator("#email_confirmation-error").inner_text()
    page.locator("#email_confirmation").fill("autre@exemple.fr")
    # Still wrong: the error stays while typing...
    expect_error(page, "email_confirmation")
    page.locator("#email_confirmation").blur()
    # ...and says what is wrong now once the field is left.
    mismatch = page.locator("#email_confirmation-error").inner_text()
    assert mismatch != required
    expect_error(page, "email_confirmation", mismatch)
    assert axe_violations(page) == []


def test_the_confirmation_error_goes_when_the_new_password_comes_to_match(page: Page, base_url: str) -> None:
    open_page(page, base_url, "modification-mot-de-passe.html#token=un-jeton")
    page.locator("#new_password").fill("Autre-" + STRONG_PASSWORD)
    page.locator("#password_confirmation").fill(STRONG_PASSWORD)
    submit(page, FORMS["modification-mot-de-passe"])
    expect_error(page, "password_confirmation")
    expect_no_error(page, "new_password")
    # The confirmation is untouched, but its check depends on the other field.
    page.locator("#new_password").fill(STRONG_PASSWORD)
    expect_no_error(page, "password_confirmation")
    expect(page).not_to_have_title(re.compile(r"^Erreur - "))
    assert axe_violations(page) == []


def test_an_api_field_error_stays_until_its_own_field_is_edited(page: Page, base_url: str) -> None:
    errors = {
        "email": "Un agent de l'organisme utilise déjà cette adresse email.",
        "last_name": "Le nom ne peut contenir que des lettres.",
    }

    def agents(route: Route) -> None:
        if route.request.method == "POST":
            route.fulfill(status=400, content_type="application/json", body=json.dumps({"errors": errors}))
        else:
            route.fulfill(
                status=200, content_type="application/json", body=json.dumps({"agents": AGENTS, "next_cursor": None})
            )

    fake_api(page, {"/api/session": (200, {**ACCOUNT, "role": "referent", "status": "active"})})
    page.route("**/api/agents", agents)
    page.goto(base_url + "agents.html")
    for field, value in FORMS["agents"].valid.items():
        page.locator(f"#{field}").fill(value)
    submit(page, FORMS["agents"])
    expect_error(page, "email", errors["email"])
    expect_error(page, "last_name", errors["last_name"])
    # Leaving a field the API refused, unchanged, keeps its error.
    page.locator("#last_name").focus()
    page.locator("#last_name").blur()
    expect_error(page, "last_name", errors["last_name"])
    # Editing the email clears its error only; the name's stays, the page cannot judge it.
    page.locator("#email").fill("lea.ndiaye2@mdph-exemple.fr")
    expect_no_error(page, "email")
    expect_error(page, "last_name", errors["last_name"])
    assert page.title().startswith("Erreur - ")
    page.locator("#last_name").fill("Ndiaye")
    expect_no_error(page, "last_name")
    expect(page).not_to_have_title(re.compile(r"^Erreur - "))
    assert axe_violations(page) == []
