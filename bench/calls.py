"""Figure 2: AWS calls per request, for every route and outcome, and per mail kind in the mailer."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from bench.report import Figure, Section
from bench.stack import PERSON, BenchHarness, CallCounter, running

# A login: read (account, throttles), take the attempt's slot, then one write (session or failure).
LOGIN_DYNAMODB_MAX = 3
# Before the password is checked: the read and the slot, one after the other (issue 13).
BEFORE_CHECK_MAX = 2
TOKEN = re.compile(r"#token=([A-Za-z0-9_-]+)")


@dataclass
class Measured:
    name: str
    status: int | str
    calls: dict[str, dict[str, int]]
    # AWS calls (all sequential) before the first argon2id computation; None: no password checked.
    before_check: int | None = None

    def total(self, service: str | None = None) -> int:
        return sum(n for s, ops in self.calls.items() if service in (None, s) for n in ops.values())

    def text(self) -> str:
        if not self.calls:
            return "no AWS call"
        parts = []
        for service, ops in self.calls.items():
            listed = ", ".join(f"{op}×{n}" if n > 1 else op for op, n in ops.items())
            parts.append(f"{service} {sum(ops.values())} ({listed})")
        return "; ".join(parts)


def _scenarios(h: BenchHarness) -> list[Measured]:
    from cmi.domain import onboarding
    from cmi.mail import requests

    identifier, password = h.seed_active_account()
    other = ("Dominique", "Durand", "dominique.durand@demo-cmi.fr")
    pending = onboarding.create_account(h.services, "00001", *other)
    unknown = "00001" + "9" * 10
    throttled = "00001" + "8" * 10
    known_email, unknown_email = PERSON[2], "camille.mortin@demo-cmi.fr"  # same length: same validation work
    out: list[Measured] = []

    def api(method: str, path: str, body: Any = None, cookies: dict[str, str] | None = None) -> Callable[[], int]:
        return lambda: h.call(method, path, body, cookies=cookies).status

    def measure(name: str, action: Callable[[], int | str]) -> None:
        h.counter.reset()
        status = action()
        out.append(Measured(name, status, h.counter.by_service(), h.counter.before_check))

    def login(ident: str, pw: str) -> Callable[[], int]:
        return api("POST", "/api/login", {"identifier": ident, "password": pw})

    # Login and session.
    session = h.call("POST", "/api/login", {"identifier": identifier, "password": password}).cookies
    measure("login ok", login(identifier, password))
    measure("session (valid cookie)", api("GET", "/api/session", cookies=session))
    measure("session (no cookie)", api("GET", "/api/session"))
    measure("session (unknown cookie)", api("GET", "/api/session", cookies={"__Host-cmi-session": "x" * 43}))
    measure("logout", api("POST", "/api/logout", cookies=session))
    measure("login wrong password (1st failure)", login(identifier, "Mauvais-mdp-1"))
    measure("login wrong password (2nd failure)", login(identifier, "Mauvais-mdp-2"))
    measure("login unknown identifier", login(unknown, "Mauvais-mdp-1"))
    for _ in range(5):
        login(throttled, "Mauvais-mdp-1")()
    measure("login throttled", login(throttled, "Mauvais-mdp-1"))
    # A success after failures also deletes the counter (one more transaction item, same call).
    measure("login ok after failures", login(identifier, password))

    # First connection.
    first = h.call(
        "POST", "/api/login", {"identifier": pending.account.identifier, "password": pending.temporary_password}
    )
    measure("login (temporary password)", login(pending.account.identifier, pending.temporary_password))
    measure("first connection GET", api("GET", "/api/first-connection", cookies=first.cookies))
    new = "Autre-Zèbre-43!"
    body = {"new_password": new, "password_confirmation": new, "email_confirmation": other[2], "alerts_opt_in": True}
    measure("first connection POST", api("POST", "/api/first-connection", body, first.cookies))

    # Recovery: the API only queues; the mailer does the lookups.
    measure("forgot-identifier known", api("POST", "/api/forgot-identifier", {"email": known_email}))
    measure("forgot-identifier unknown", api("POST", "/api/forgot-identifier", {"email": unknown_email}))
    measure("forgot-password known", api("POST", "/api/forgot-password", {"identifier": identifier}))
    measure("forgot-password unknown", api("POST", "/api/forgot-password", {"identifier": unknown}))
    h.purge_queues()

    def mail(kind: str, **fields: str) -> Callable[[], str]:
        request = requests.KINDS[kind](**fields, kind=kind)
        return lambda: "failed" if h.mailer(request).get("batchItemFailures") else "ok"

    measure("mailer forgot_identifier known", mail("forgot_identifier", email=known_email))
    measure("mailer forgot_identifier unknown", mail("forgot_identifier", email=unknown_email))
    measure("mailer forgot_password known", mail("forgot_password", identifier=identifier))
    measure("mailer forgot_password unknown", mail("forgot_password", identifier=unknown))
    measure("mailer account_activated", mail("account_activated", identifier=identifier))
    measure("mailer identifier_blocked", mail("identifier_blocked", identifier=identifier))

    # Reset: the link of the last reset mail.
    mail("forgot_password", identifier=identifier)()
    links = [m for m in h.sent_mails() if TOKEN.search(m.text)]
    token = TOKEN.search(links[-1].text).group(1)  # type: ignore[union-attr]
    new = "Encore-Zèbre-44!"
    reset = {"token": token, "new_password": new, "password_confirmation": new}
    measure("reset-password (valid link)", api("POST", "/api/reset-password", reset))
    measure("reset-password (used link)", api("POST", "/api/reset-password", reset))
    h.purge_queues()
    measure("mailer password_changed", mail("password_changed", identifier=identifier))
    for _ in range(5):
        mail("forgot_password", identifier=identifier)()
    measure("mailer forgot_password known, rate-limited", mail("forgot_password", identifier=identifier))
    return out


@contextmanager
def password_checks_marked(counter: CallCounter) -> Iterator[None]:
    """Tell the counter when a request first spends argon2id on a password (verify, or waste for unknowns)."""
    from cmi.domain.passwords import Hasher

    originals = {name: getattr(Hasher, name) for name in ("verify", "waste")}

    def marking(original: Callable[..., Any]) -> Callable[..., Any]:
        def checked(self: Hasher, *args: Any) -> Any:
            counter.password_checked()
            return original(self, *args)

        return checked

    for name, original in originals.items():
        setattr(Hasher, name, marking(original))
    try:
        yield
    finally:
        for name, original in originals.items():
            setattr(Hasher, name, original)


def run() -> Section:
    section = Section("calls")
    with running() as h, password_checks_marked(h.counter):
        measured = _scenarios(h)
    by_name = {m.name: m for m in measured}
    for m in measured:
        data = {"status": m.status, "calls": m.calls, "before_password_check": m.before_check}
        text = m.text() if m.before_check is None else f"{m.text()}; {m.before_check} before the password check"
        figure = Figure("calls", f"AWS calls: {m.name} [{m.status}]", text, data=data)
        if m.name.startswith("login"):
            dynamodb = m.total("dynamodb")
            before = m.before_check or 0
            figure.floor = f"goal {LOGIN_DYNAMODB_MAX} DynamoDB, {BEFORE_CHECK_MAX} sequential before the check"
            figure.ratio = dynamodb / LOGIN_DYNAMODB_MAX
            figure.goal = f"≤ {LOGIN_DYNAMODB_MAX} DynamoDB, ≤ {BEFORE_CHECK_MAX} before the check"
            figure.met = dynamodb <= LOGIN_DYNAMODB_MAX and before <= BEFORE_CHECK_MAX
        for route in ("forgot-identifier", "forgot-password", "mailer forgot_identifier", "mailer forgot_password"):
            if m.name == f"{route} known":
                peer = by_name[f"{route} unknown"]
                figure.floor = f"unknown: {peer.text()}"
                figure.ratio = m.total() / peer.total() if peer.total() else None
                # The API answers must do the same work; the mailer is allowed to differ (it is off the HTTP path).
                if not route.startswith("mailer"):
                    figure.goal = "== unknown"
                    figure.met = m.calls == peer.calls and m.status == peer.status
        section.figures.append(figure)
    unmet = [f.name for f in section.figures if f.met is False]
    if unmet:
        section.notes.append("calls over goal: " + ", ".join(unmet))
    section.notes.append(
        "counted with botocore before-call hooks on the clients of the cmi container (moto in-process); "
        "one count per API call, retries not included; statuses in brackets show the outcome was the one named. "
        "A request's calls are sequential: calls before the password check are round trips before argon2id."
    )
    return section
