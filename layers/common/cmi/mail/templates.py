"""The French mails of the portal, each as plain text and HTML."""

from __future__ import annotations

import re
import textwrap
from datetime import UTC, datetime
from html import escape

from cmi.domain.model import Account
from cmi.mail.message import Mail

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


_LINK = re.compile(r"\[(?P<label>[^\]]+)\]\((?P<url>[^)\s]+)\)")


def _compose(to: str, subject: str, greeting: str, body: str) -> Mail:
    """The text and HTML versions of a mail written as paragraphs separated by blank lines.

    Lines keep their breaks; a paragraph `[label](url)` is a link, shown in full in the text version.
    """
    paragraphs = [greeting, *(p.strip() for p in textwrap.dedent(body).split("\n\n") if p.strip())]
    text_parts, html_parts = [], []
    for paragraph in paragraphs:
        link = _LINK.fullmatch(paragraph)
        if link:
            text_parts.append(f"{link['label']} :\n{link['url']}")
            html_parts.append(f'<p><a href="{escape(link["url"])}">{escape(link["label"])}</a></p>')
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


def _to(account: Account, subject: str, body: str) -> Mail:
    """A mail to the owner of an account, greeted by name."""
    return _compose(account.email, subject, f"Bonjour {account.first_name} {account.last_name},", body)


def welcome(account: Account, temporary_password: str, portal_url: str) -> Mail:
    return _to(
        account,
        "Vos identifiants de connexion",
        f"""
        Un compte a été créé pour vous sur le {PORTAL_NAME},
        pour l'organisme {account.org_name} (code émetteur {account.org_code}).

        Identifiant : {account.identifier}
        Mot de passe temporaire : {temporary_password}

        Ce mot de passe temporaire est valable jusqu'au {_paris(account.temp_expires_at or 0)}.
        Lors de votre première connexion, vous choisirez votre propre mot de passe et confirmerez votre adresse email.

        [Se connecter au portail]({portal_url}/index.html)

        Passé ce délai, utilisez le lien « Mot de passe oublié » de la page de connexion.
        """,
    )


def identifier_reminder(email: str, accounts: list[Account], portal_url: str) -> Mail:
    listing = "\n".join(f"- {a.identifier} ({a.org_name}, {a.first_name} {a.last_name})" for a in accounts)
    intro = "Voici l'identifiant associé" if len(accounts) == 1 else "Voici les identifiants associés"
    body = f"""
        Vous avez demandé le rappel de votre identifiant. {intro} à cette adresse email :
        LISTING

        [Se connecter au portail]({portal_url}/index.html)

        Si vous n'êtes pas à l'origine de cette demande, vous pouvez ignorer ce message.
        """
    # The listing goes in after dedent: its lines must not change the common indentation.
    return _compose(email, "Rappel de votre identifiant", "Bonjour,", textwrap.dedent(body).replace("LISTING", listing))


def reset_link(account: Account, link: str, minutes: int) -> Mail:
    return _to(
        account,
        "Modification de votre mot de passe",
        f"""
        Vous avez demandé à modifier le mot de passe de l'identifiant {account.identifier}.
        Ce lien est valable {minutes} minutes et ne peut être utilisé qu'une fois :

        [Choisir un nouveau mot de passe]({link})

        Si vous n'êtes pas à l'origine de cette demande, ignorez ce message : votre mot de passe reste inchangé.
        """,
    )


def password_changed(account: Account, when: int, portal_url: str) -> Mail:
    return _to(
        account,
        "Votre mot de passe a été modifié",
        f"""
        Le mot de passe de l'identifiant {account.identifier} a été modifié le {_paris(when)}.
        Toutes les sessions ouvertes ont été fermées.

        Si vous n'êtes pas à l'origine de cette modification, faites immédiatement une demande
        « Mot de passe oublié » et prévenez le référent de votre organisme.

        [Se connecter au portail]({portal_url}/index.html)
        """,
    )


def account_activated(account: Account, portal_url: str) -> Mail:
    return _to(
        account,
        "Votre compte est activé",
        f"""
        Votre compte {account.identifier} est activé :
        vous vous connecterez désormais avec le mot de passe que vous venez de choisir.

        [Se connecter au portail]({portal_url}/index.html)

        Si vous n'êtes pas à l'origine de cette activation, prévenez le référent de votre organisme.
        """,
    )


def identifier_blocked(account: Account, attempts: int, window_hours: int, portal_url: str) -> Mail:
    return _to(
        account,
        "Votre identifiant est bloqué",
        f"""
        Après {attempts} tentatives de connexion infructueuses en {window_hours} heures,
        l'identifiant {account.identifier} a été bloqué par sécurité.

        Pour le débloquer, choisissez un nouveau mot de passe avec « Mot de passe oublié » :

        [Mot de passe oublié]({portal_url}/mot-de-passe-oublie.html)

        Si ces tentatives ne viennent pas de vous, quelqu'un essaie peut-être de deviner votre mot de passe.
        """,
    )
