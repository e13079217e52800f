"""cmi-admin: register organisations and référents, and help agents, on the local portal or a deployed stack.

cmi-admin --local create-organisation 00001 "MDPH du Rhône"
cmi-admin --stack cmi-portail create-referent 00001 --first-name Camille --last-name Martin --email c.martin@example.fr
"""

from __future__ import annotations

import argparse
import os
import sys
from datetime import UTC, datetime
from typing import Any

EXIT_OK, EXIT_REFUSED, EXIT_USAGE, EXIT_AWS = 0, 1, 2, 3


def _local_environment() -> dict[str, str]:
    """The functions' environment on the running local portal (same resolution as the portal itself)."""
    from localportal import aws, template

    tpl = template.load()
    aws.fake_credentials()
    port = os.environ.get("AWS_PORT", "4566")
    os.environ["AWS_ENDPOINT_URL"] = f"http://127.0.0.1:{port}"
    refs = {**tpl.parameter_defaults(), **aws.LOCAL_PARAMETERS, "AWS::Region": aws.REGION}
    refs["PortalUrl"] = f"http://127.0.0.1:{os.environ.get('PORT', '3000')}"
    refs.update({name: name for name in tpl.tables()})
    refs.update({name: f"http://127.0.0.1:{port}/{aws.ACCOUNT_ID}/{name}" for name in tpl.queues()})
    function = tpl.functions()[0]
    return {k: tpl.resolve(v, refs) for k, v in function.environment.items()}


def _stack_environment(stack: str) -> dict[str, str]:
    """The environment the deployed functions really run with, read from one of them."""
    import boto3

    resource = boto3.client("cloudformation").describe_stack_resource(
        StackName=stack, LogicalResourceId="LoginFunction"
    )
    name = resource["StackResourceDetail"]["PhysicalResourceId"]
    config = boto3.client("lambda").get_function_configuration(FunctionName=name)
    return dict(config["Environment"]["Variables"])


def _when(epoch: Any) -> str:
    return "-" if epoch is None else datetime.fromtimestamp(int(epoch), UTC).strftime("%Y-%m-%d %H:%M UTC")


def _show(portal: Any, target: str) -> int:
    from cmi.domain import identity
    from cmi.domain.throttling import LoginThrottle

    target = identity.normalise_identifier(target)
    if identity.is_emitter_code(target):
        organisation = portal.accounts.get_organisation(target)
        if organisation is None:
            print(f"Aucun organisme {target}.", file=sys.stderr)
            return EXIT_REFUSED
        print(f"Organisme {organisation.code} : {organisation.name} (créé {_when(organisation.created_at)})")
        return EXIT_OK
    account = portal.accounts.get(target)
    if account is None:
        print(f"Aucun compte {target}.", file=sys.stderr)
        return EXIT_REFUSED
    throttle: LoginThrottle = portal.throttle.get_login(target)
    now = portal.now()
    state = "bloqué" if throttle.blocked(now, portal.throttle.policy) else f"{throttle.failures} échec(s) consécutif(s)"
    for label, value in [
        ("Identifiant", account.identifier),
        ("Nom", f"{account.first_name} {account.last_name}"),
        ("Email", account.email),
        ("Rôle", account.role),
        ("Organisme", f"{account.org_code} {account.org_name}"),
        ("État", STATUSES[account.status]),
        ("Créé", _when(account.created_at)),
        ("Mot de passe temporaire valable jusqu'au", _when(account.temp_expires_at) if account.pending else "-"),
        ("Activé", _when(account.activated_at)),
        ("Connexions", state),
    ]:
        print(f"{label:<42} {value}")
    return EXIT_OK


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="cmi-admin", description="Exploitation du Portail CMI Organisme (connexion).")
    where = parser.add_mutually_exclusive_group(required=True)
    where.add_argument("--local", action="store_true", help="le portail local lancé par `make run`")
    where.add_argument(
        "--stack", metavar="NOM", help="une pile déployée (sam deploy), avec les identifiants AWS courants"
    )
    commands = parser.add_subparsers(dest="command", required=True)
    org = commands.add_parser("create-organisation", help="enregistrer un organisme")
    org.add_argument("code", help="code émetteur (5 caractères)")
    org.add_argument("name", help="nom de l'organisme")
    ref = commands.add_parser("create-referent", help="créer un référent et lui envoyer ses identifiants")
    ref.add_argument("code", help="code émetteur de son organisme")
    ref.add_argument("--first-name", required=True)
    ref.add_argument("--last-name", required=True)
    ref.add_argument("--email", required=True)
    # Commands that take one argument: (name, help, argument, its help).
    for name, text, argument, about in (
        ("resend-temporary-password", "nouveau mot de passe temporaire, envoyé par email", "identifier", None),
        ("unblock", "effacer les échecs de connexion d'un identifiant", "identifier", None),
        ("show", "afficher un compte (identifiant) ou un organisme (code émetteur)", "target", None),
        ("list", "les agents d'un organisme, par nom", "code", "code émetteur"),
        ("disable", "désactiver un compte (ses sessions et liens prennent fin)", "identifier", None),
        ("enable", "réactiver un compte désactivé", "identifier", None),
        ("journal", "le journal d'un organisme, du plus récent au plus ancien", "code", "code émetteur"),
    ):
        commands.add_parser(name, help=text).add_argument(argument, help=about)
    commands.choices["journal"].add_argument(
        "--limit", type=int, default=50, help="nombre d'événements (50 par défaut)"
    )
    return parser


STATUSES = {"pending": "en attente de première connexion", "active": "actif", "disabled": "désactivé"}


def _account(services: Any, identifier: str) -> Any:
    from cmi.domain import identity
    from cmi.domain.errors import OnboardingError

    found = services.accounts.get(identity.normalise_identifier(identifier))
    if found is None:
        raise OnboardingError(f"aucun compte {identifier.strip().upper()}")
    return found


def _list(services: Any, code: str) -> int:
    code = code.strip().upper()
    cursor, rows = None, []
    while True:
        page = services.accounts.agents(code, cursor, 100)
        rows += page.items
        if page.next_cursor is None:
            break
        cursor = page.next_cursor
    for agent in rows:
        name = f"{agent.last_name} {agent.first_name}"
        print(f"{agent.identifier}  {name:<32} {agent.email:<36} {agent.role:<9} {STATUSES[agent.status]}")
    print(f"{len(rows)} agent(s) dans l'organisme {code}.")
    return EXIT_OK


def _journal(services: Any, code: str, limit: int) -> int:
    code = code.strip().upper()
    cursor, shown = None, 0
    while shown < limit:
        page = services.journal.events(code, cursor, min(50, limit - shown))
        for event in page.items:
            print(f"{_when(event.at)}  {event.actor:<16} {event.action:<27} {event.target}  {event.detail}")
        shown += len(page.items)
        if page.next_cursor is None:
            break
        cursor = page.next_cursor
    return EXIT_OK


def run(args: argparse.Namespace) -> int:
    os.environ.update(_local_environment() if args.local else _stack_environment(args.stack))
    from cmi.container import container
    from cmi.domain import onboarding

    current = container()
    if args.command == "create-organisation":
        org = onboarding.create_organisation(current, args.code, args.name)
        print(f"Organisme {org.code} « {org.name} » créé.")
    elif args.command == "create-referent":
        new = onboarding.create_account(current, args.code, args.first_name, args.last_name, args.email)
        print(f"Référent créé : identifiant {new.account.identifier}. Ses identifiants lui ont été envoyés par email.")
    elif args.command == "resend-temporary-password":
        new = onboarding.resend_temporary_password(current, _account(current, args.identifier))
        print(f"Nouveau mot de passe temporaire envoyé à l'adresse de {new.account.identifier}.")
    elif args.command == "disable":
        agent = onboarding.disable(current, _account(current, args.identifier))
        print(f"Compte {agent.identifier} désactivé : ses sessions et ses liens ne sont plus valables.")
    elif args.command == "enable":
        agent = onboarding.enable(current, _account(current, args.identifier))
        print(f"Compte {agent.identifier} réactivé ({STATUSES[agent.status]}).")
    elif args.command == "list":
        return _list(current, args.code)
    elif args.command == "journal":
        return _journal(current, args.code, args.limit)
    elif args.command == "unblock":
        had = onboarding.unblock(current, args.identifier)
        print("Identifiant débloqué." if had else "Aucun échec de connexion enregistré pour cet identifiant.")
    else:
        return _show(current, args.target)
    return EXIT_OK


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    from cmi.domain.errors import DomainError

    try:
        return run(args)
    except DomainError as exc:
        print(f"Refusé : {exc.message.rstrip('.')}.", file=sys.stderr)
        return EXIT_REFUSED
    except Exception as exc:
        name = type(exc).__name__
        if name in ("EndpointConnectionError", "ConnectionRefusedError"):
            print("Le portail local ne répond pas : lancez d'abord `make run`.", file=sys.stderr)
        elif name in ("NoCredentialsError", "ClientError", "ValidationError", "KeyError"):
            print(f"Erreur AWS ou de configuration ({name}) : {exc}", file=sys.stderr)
        else:
            raise
        return EXIT_AWS


if __name__ == "__main__":
    sys.exit(main())
