"""The mails' texts: French times, one word for email, the header and the signature in both parts."""

from __future__ import annotations

import re
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from cmi.config import DEFAULT_OPERATOR_NAME, operator_name
from cmi.domain.model import Account
from cmi.mail import templates
from cmi.mail.message import Mail

URL = "https://portail.cmi.test"
# 22/01/2027 at 9:00 in Paris (winter time, UTC+1).
NINE = int(datetime(2027, 1, 22, 9, 0, tzinfo=ZoneInfo("Europe/Paris")).timestamp())


def account(identifier: str = "ABCDEjdupont", **changes: object) -> Account:
    values: dict[str, object] = {
        "identifier": identifier,
        "org_code": "ABCDE",
        "org_name": "MDPH du Rhône",
        "first_name": "Jeanne",
        "last_name": "Dupont",
        "email": "jeanne.dupont@exemple.fr",
        "role": "referent",
        "status": "pending",
        "password_hash": "x",
        "password_version": 1,
        "created_at": NINE - 7 * 86400,
        "temp_expires_at": NINE,
    }
    return Account(**{**values, **changes})  # type: ignore[arg-type]


def every_mail() -> dict[str, Mail]:
    other = account("FGHIJjdupont", org_code="FGHIJ", org_name="Conseil départemental du Gard")
    return {
        "welcome": templates.welcome(account(), "Tmp-Secret-42", URL),
        "reminder (one)": templates.identifier_reminder(account().email, [account()], URL),
        "reminder (several)": templates.identifier_reminder(account().email, [account(), other], URL),
        "reset link": templates.reset_link(account(), f"{URL}/modification-mot-de-passe.html#token=abc", 60),
        "password changed": templates.password_changed(account(), NINE + 23 * 60 + 2 * 3600, URL),
        "account activated": templates.account_activated(account(status="active"), URL),
        "identifier blocked": templates.identifier_blocked(account(), 25, 24, URL),
    }


NAMES = sorted(every_mail())


@pytest.fixture
def mails(monkeypatch: pytest.MonkeyPatch) -> dict[str, Mail]:
    monkeypatch.delenv("OPERATOR_NAME", raising=False)
    return every_mail()


def test_times_are_written_the_french_way(mails):
    welcome = mails["welcome"].text
    assert "valable jusqu'au 22/01/2027 à 9 h 00 (heure de Paris)." in welcome
    assert "modifié le 22/01/2027 à 11 h 23 (heure de Paris)." in mails["password changed"].text
    for mail in mails.values():
        assert not re.search(r"\d:\d\d", mail.text + mail.html), mail.subject
    # In HTML a time does not break across lines.
    assert "9&nbsp;h&nbsp;00 (heure de Paris)" in mails["welcome"].html


def test_summer_time_is_paris_time():
    july = int(datetime(2027, 7, 14, 8, 5, tzinfo=ZoneInfo("Europe/Paris")).timestamp())
    assert "le 14/07/2027 à 8 h 05 (heure de Paris)" in templates.password_changed(account(), july, URL).text


@pytest.mark.parametrize("name", NAMES)
def test_email_is_adresse_electronique_in_sentences(mails, name):
    mail = mails[name]
    for part in (mail.text, mail.html):
        # « Email » appears only as the manual's field label, quoted.
        words = re.findall(r"\b(?:e-?mail|courriel)s?\b", part.replace("« Confirmation de votre Email »", ""), re.I)
        assert words == [], (name, words)


def test_the_welcome_mail_names_the_address_and_the_field_of_the_manual(mails):
    assert "confirmerez\nvotre adresse électronique (champ « Confirmation de votre Email »)." in mails["welcome"].text
    reminder = mails["reminder (one)"].text
    assert "Voici l'identifiant associé à cette adresse électronique :\n- ABCDEjdupont" in reminder
    several = mails["reminder (several)"].text
    assert "Voici les identifiants associés à cette adresse électronique :" in several
    assert "- ABCDEjdupont (MDPH du Rhône, Jeanne Dupont)\n- FGHIJjdupont (Conseil départemental du Gard" in several


def test_subjects_are_plain_french(mails):
    subjects = {name: mail.subject for name, mail in mails.items()}
    assert subjects["account activated"] == "Votre compte est activé - Portail Carte Mobilité Inclusion Organisme"
    assert subjects["welcome"] == "Vos identifiants de connexion - Portail Carte Mobilité Inclusion Organisme"
    assert subjects["identifier blocked"].startswith("Votre identifiant est bloqué - ")


@pytest.mark.parametrize("name", NAMES)
def test_the_text_part_is_complete_header_title_body_signature(mails, name):
    mail = mails[name]
    text = mail.text
    title = mail.subject.removesuffix(" - Portail Carte Mobilité Inclusion Organisme")
    assert text.startswith(f"RÉPUBLIQUE FRANÇAISE\nPortail Carte Mobilité Inclusion Organisme\n\n{title}\n\nBonjour")
    signature = f"L'équipe du Portail Carte Mobilité Inclusion Organisme\n{DEFAULT_OPERATOR_NAME}\n\n"
    assert signature in text
    assert text.endswith("Ce message est envoyé automatiquement, merci de ne pas y répondre.\n")
    # Every link of the HTML part is written out in full in the text part.
    for href in re.findall(r'href="([^"]+)"', mail.html):
        assert href.replace("&amp;", "&") in text
    # No markup leaks into the text part.
    assert "<" not in text and "&nbsp;" not in text


def test_the_temporary_password_and_identifier_lines_stay_as_the_tests_and_agents_read_them(mails):
    text = mails["welcome"].text
    assert "\nIdentifiant : ABCDEjdupont\nMot de passe temporaire : Tmp-Secret-42\n" in text


def test_the_operator_is_configurable(monkeypatch):
    assert operator_name({}) == DEFAULT_OPERATOR_NAME == "Imprimerie Nationale"
    assert operator_name({"OPERATOR_NAME": "  "}) == DEFAULT_OPERATOR_NAME
    monkeypatch.setenv("OPERATOR_NAME", "Agence nationale des titres sécurisés")
    mail = templates.account_activated(account(), URL)
    assert "Organisme\nAgence nationale des titres sécurisés\n\n" in mail.text
    assert "Agence nationale des titres sécurisés" in mail.html


@pytest.mark.parametrize("name", NAMES)
def test_the_html_part_is_a_self_contained_french_page(mails, name):
    html = mails[name].html
    assert html.startswith('<!doctype html><html lang="fr">')
    assert f"<title>{mails[name].subject}</title>".replace("'", "&#x27;") in html
    assert "<style" not in html and "<link" not in html and "<img" not in html and "<script" not in html
    assert "RÉPUBLIQUE<br>FRANÇAISE" in html
    assert "L&#x27;équipe du Portail Carte Mobilité Inclusion Organisme<br>Imprimerie Nationale" in html
    # Text typed by people is escaped.
    hostile = templates.account_activated(account(first_name="<b>Jo</b>"), URL).html
    assert "<b>Jo</b>" not in hostile and "&lt;b&gt;Jo&lt;/b&gt;" in hostile


def test_in_html_a_sentence_flows_and_listed_lines_keep_their_breaks(mails):
    welcome = mails["welcome"].html
    assert "Inclusion Organisme, pour l&#x27;organisme MDPH du Rhône" in welcome
    assert "confirmerez votre adresse électronique" in welcome
    assert "Identifiant : ABCDEjdupont<br>Mot de passe temporaire : Tmp-Secret-42" in welcome
    assert "adresse électronique :<br>- ABCDEjdupont" in mails["reminder (several)"].html
