"""The French mails of the portal, each as plain text and HTML.

The HTML part is a sober DSFR-like page for mail clients: layout tables, inline styles only, no image,
a « RÉPUBLIQUE FRANÇAISE » header and the portal name. The text part says the same, in the same order.
"""

from __future__ import annotations

import re
import textwrap
from datetime import UTC, datetime
from html import escape

from cmi.config import operator_name
from cmi.domain.model import Account
from cmi.mail.message import Mail

PORTAL_NAME = "Portail Carte Mobilité Inclusion Organisme"
REPUBLIC = "RÉPUBLIQUE FRANÇAISE"
TEAM = f"L'équipe du {PORTAL_NAME}"
_NO_REPLY = "Ce message est envoyé automatiquement, merci de ne pas y répondre."


def _at(moment: datetime, zone: str) -> str:
    """« 22/01/2027 à 9 h 00 (heure de Paris) »: French typography for times."""
    return f"{moment:%d/%m/%Y} à {moment.hour} h {moment:%M} ({zone})"


def _paris(epoch: int) -> str:
    try:
        from zoneinfo import ZoneInfo

        return _at(datetime.fromtimestamp(epoch, ZoneInfo("Europe/Paris")), "heure de Paris")
    except Exception:  # no time zone data on the host: say UTC rather than guess
        return _at(datetime.fromtimestamp(epoch, UTC), "UTC")


_LINK = re.compile(r"\[(?P<label>[^\]]+)\]\((?P<url>[^)\s]+)\)")
# In HTML a time never breaks across lines: « 9 h 00 » keeps its spaces non-breaking.
_TIME = re.compile(r"\b(\d{1,2}) h (\d{2})\b")

_FONT = "font-family:Marianne,Arial,Helvetica,sans-serif;color:#161616;"
_P = f"margin:0 0 16px;{_FONT}font-size:16px;line-height:24px;"
_A = "color:#000091;text-decoration:underline;font-weight:bold;"


# A line that goes on with the sentence of the line above (lower case, «): the HTML lets it flow.
_CONTINUED = re.compile(r"\n(?=[a-zà-ÿ«])")


def _html_text(text: str) -> str:
    return _TIME.sub("\\1&nbsp;h&nbsp;\\2", escape(_CONTINUED.sub(" ", text))).replace("\n", "<br>")


def _html(subject: str, paragraphs: list[str], signature: list[str]) -> str:
    rows = "".join(paragraphs)
    signed = "<br>".join(escape(line) for line in signature)
    return (
        '<!doctype html><html lang="fr"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{escape(subject)} - {escape(PORTAL_NAME)}</title></head>"
        "<body>"
        '<table role="presentation" width="100%" cellpadding="0" cellspacing="0" border="0" '
        'style="background-color:#f6f6f6;"><tr><td align="center" style="padding:16px 8px;">'
        '<table role="presentation" width="100%" cellpadding="0" cellspacing="0" border="0" '
        'style="max-width:600px;background-color:#ffffff;border:1px solid #dddddd;">'
        # Header: the « bloc marque » written out (no Marianne image) and the portal name.
        '<tr><td style="padding:16px 24px;border-bottom:1px solid #dddddd;">'
        f'<header><p style="margin:0;{_FONT}font-size:15px;line-height:18px;font-weight:bold;letter-spacing:0.5px;">'
        f"{REPUBLIC.replace(' ', '<br>')}</p>"
        f'<p style="margin:12px 0 0;{_FONT}font-size:18px;line-height:24px;font-weight:bold;">{escape(PORTAL_NAME)}</p>'
        "</header></td></tr>"
        '<tr><td style="padding:24px;"><main>'
        f'<h1 style="margin:0 0 24px;{_FONT}font-size:24px;line-height:32px;font-weight:bold;">{escape(subject)}</h1>'
        f"{rows}</main></td></tr>"
        '<tr><td style="padding:16px 24px;border-top:1px solid #dddddd;"><footer>'
        f'<p style="{_P}">{signed}</p>'
        f'<p style="margin:0;{_FONT}font-size:14px;line-height:20px;color:#3a3a3a;">{escape(_NO_REPLY)}</p>'
        "</footer></td></tr></table></td></tr></table></body></html>"
    )


def _compose(to: str, subject: str, greeting: str, body: str) -> Mail:
    """The text and HTML versions of a mail written as paragraphs separated by blank lines.

    Lines keep their breaks; a paragraph `[label](url)` is a link, shown in full in the text version.
    """
    paragraphs = [greeting, *(p.strip() for p in textwrap.dedent(body).split("\n\n") if p.strip())]
    signature = [TEAM, operator_name()]
    text_parts, html_parts = [REPUBLIC + "\n" + PORTAL_NAME, subject], []
    for paragraph in paragraphs:
        link = _LINK.fullmatch(paragraph)
        if link:
            text_parts.append(f"{link['label']} :\n{link['url']}")
            html_parts.append(
                f'<p style="{_P}"><a href="{escape(link["url"])}" style="{_A}">{escape(link["label"])}</a></p>'
            )
        else:
            text_parts.append(paragraph)
            html_parts.append(f'<p style="{_P}">{_html_text(paragraph)}</p>')
    text_parts += ["\n".join(signature), _NO_REPLY]
    return Mail(
        to=to,
        subject=f"{subject} - {PORTAL_NAME}",
        text="\n\n".join(text_parts) + "\n",
        html=_html(subject, html_parts, signature),
    )


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
        Lors de votre première connexion, vous choisirez votre propre mot de passe et confirmerez
        votre adresse électronique (champ « Confirmation de votre Email »).

        [Se connecter au portail]({portal_url}/index.html)

        Passé ce délai, utilisez le lien « Mot de passe oublié » de la page de connexion.
        """,
    )


def identifier_reminder(email: str, accounts: list[Account], portal_url: str) -> Mail:
    listing = "\n".join(f"- {a.identifier} ({a.org_name}, {a.first_name} {a.last_name})" for a in accounts)
    intro = "Voici l'identifiant associé" if len(accounts) == 1 else "Voici les identifiants associés"
    body = f"""
        Vous avez demandé le rappel de votre identifiant. {intro} à cette adresse électronique :
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
