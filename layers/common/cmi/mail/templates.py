"""The French mails of the portal, each as plain text and HTML."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from html import escape

from cmi.domain.model import Account


@dataclass(frozen=True)
class Mail:
    to: str
    subject: str
    text: str
    html: str


PORTAL_NAME = "Portail Carte Mobilité Inclusion Organisme"
_SIGNATURE = "L'équipe du Portail Carte Mobilité Inclusion Organisme"
_NO_REPLY = "Ce message est envoyé automatiquement, merci de ne pas y répondre."


def _paris(epoch: int) -> str:
    try:
        from zoneinfo import ZoneInfo

        moment = datetime.fromtimestamp(epoch, ZoneInfo("Europe/Paris"))
        return moment.strftime("%d/%m/%Y à %H:%M (heure de Paris)")
    except Exception:  # no time zone data on the host: say UTC rather than guess
        return datetime.fromtimestamp(epoch, UTC).strftime("%d/%m/%Y à %H:%M (UTC)")


def _compose(to: str, subject: str, greeting: str, paragraphs: list[str | tuple[str, str]]) -> Mail:
    """Paragraphs are text, or (label, url) for a link shown in full in the text version."""
    text_parts = [greeting]
    html_parts = [f"<p>{escape(greeting)}</p>"]
    for paragraph in paragraphs:
        if isinstance(paragraph, tuple):
            label, url = paragraph
            text_parts.append(f"{label} :\n{url}")
            html_parts.append(f'<p><a href="{escape(url)}">{escape(label)}</a></p>')
        else:
            text_parts.append(paragraph)
            html_parts.append("<p>" + escape(paragraph).replace("\n", "<br>") + "</p>")
    text_parts += [_SIGNATURE, _NO_REPLY]
    html_parts += [f"<p>{escape(_SIGNATURE)}</p>", f"<p><small>{escape(_NO_REPLY)}</small></p>"]
    html = (
        '<!doctype html><html lang="fr"><head><meta charset="utf-8">'
        f"<title>{escape(subject)}</title></head><body>" + "".join(html_parts) + "</body></html>"
    )
    return Mail(to=to, subject=f"{subject} - {PORTAL_NAME}", text="\n\n".join(text_parts) + "\n", html=html)


def _hello(account: Account) -> str:
    return f"Bonjour {account.first_name} {account.last_name},"


def welcome(account: Account, temporary_password: str, portal_url: str) -> Mail:
    return _compose(
        account.email,
        "Vos identifiants de connexion",
        _hello(account),
        [
            f"Un compte a été créé pour vous sur le {PORTAL_NAME}, pour l'organisme "
            f"{account.org_name} (code émetteur {account.org_code}).",
            f"Identifiant : {account.identifier}\nMot de passe temporaire : {temporary_password}",
            f"Ce mot de passe temporaire est valable jusqu'au {_paris(account.temp_expires_at or 0)}. "
            "Lors de votre première connexion, vous choisirez votre propre mot de passe "
            "et confirmerez votre adresse email.",
            ("Se connecter au portail", f"{portal_url}/index.html"),
            "Passé ce délai, utilisez le lien « Mot de passe oublié » de la page de connexion.",
        ],
    )


def identifier_reminder(email: str, accounts: list[Account], portal_url: str) -> Mail:
    listing = "\n".join(f"- {a.identifier} ({a.org_name}, {a.first_name} {a.last_name})" for a in accounts)
    intro = "Voici l'identifiant associé" if len(accounts) == 1 else "Voici les identifiants associés"
    return _compose(
        email,
        "Rappel de votre identifiant",
        "Bonjour,",
        [
            f"Vous avez demandé le rappel de votre identifiant. {intro} à cette adresse email :\n{listing}",
            ("Se connecter au portail", f"{portal_url}/index.html"),
            "Si vous n'êtes pas à l'origine de cette demande, vous pouvez ignorer ce message.",
        ],
    )


def reset_link(account: Account, link: str, minutes: int) -> Mail:
    return _compose(
        account.email,
        "Modification de votre mot de passe",
        _hello(account),
        [
            f"Vous avez demandé à modifier le mot de passe de l'identifiant {account.identifier}. "
            f"Ce lien est valable {minutes} minutes et ne peut être utilisé qu'une fois :",
            ("Choisir un nouveau mot de passe", link),
            "Si vous n'êtes pas à l'origine de cette demande, ignorez ce message : votre mot de passe reste inchangé.",
        ],
    )


def password_changed(account: Account, when: int, portal_url: str) -> Mail:
    return _compose(
        account.email,
        "Votre mot de passe a été modifié",
        _hello(account),
        [
            f"Le mot de passe de l'identifiant {account.identifier} a été modifié le {_paris(when)}. "
            "Toutes les sessions ouvertes ont été fermées.",
            "Si vous n'êtes pas à l'origine de cette modification, faites immédiatement une demande "
            "« Mot de passe oublié » et prévenez le référent de votre organisme.",
            ("Se connecter au portail", f"{portal_url}/index.html"),
        ],
    )


def account_activated(account: Account, portal_url: str) -> Mail:
    return _compose(
        account.email,
        "Votre compte est activé",
        _hello(account),
        [
            f"Votre compte {account.identifier} est activé : vous vous connecterez désormais avec "
            "le mot de passe que vous venez de choisir.",
            ("Se connecter au portail", f"{portal_url}/index.html"),
            "Si vous n'êtes pas à l'origine de cette activation, prévenez le référent de votre organisme.",
        ],
    )


def identifier_blocked(account: Account, attempts: int, window_hours: int, portal_url: str) -> Mail:
    return _compose(
        account.email,
        "Votre identifiant est bloqué",
        _hello(account),
        [
            f"Après {attempts} tentatives de connexion infructueuses en {window_hours} heures, "
            f"l'identifiant {account.identifier} a été bloqué par sécurité.",
            "Pour le débloquer, choisissez un nouveau mot de passe avec « Mot de passe oublié » :",
            ("Mot de passe oublié", f"{portal_url}/mot-de-passe-oublie.html"),
            "Si ces tentatives ne viennent pas de vous, quelqu'un essaie peut-être de deviner votre mot de passe.",
        ],
    )
