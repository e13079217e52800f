"""cmi-admin: register organisations and référents, and help agents, on the local portal or a deployed stack.

cmi-admin --local create-organisation 00001 "MDPH du Rhône"
cmi-admin create-referent 00001 --first-name Camille --last-name Martin --email c.martin@example.fr \\
    --stack cmi-portail-connexion --region eu-west-3 --profile exploitation --output json

As with the AWS CLI, the global options go anywhere on the line. stdout holds the command's result only
(`--output json`: one JSON document), everything else goes to stderr. Exit codes: 0 done, 1 refused
(unknown identifier, invalid input…), 2 usage, 3 AWS or configuration error.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

EXIT_OK, EXIT_REFUSED, EXIT_USAGE, EXIT_AWS = 0, 1, 2, 3
STATUSES = {"pending": "en attente de première connexion", "active": "actif", "disabled": "désactivé"}
ROLES = {"referent": "référent", "profile": "profil"}
LIST_PAGE = 500  # as the référent area pages its agents
JOURNAL_PAGE = 50


class Unusable(Exception):
    """The stack or the local portal cannot be used as it is (French message for the operator)."""


@dataclass(frozen=True)
class Result:
    """What a command did: one JSON document (--output json) or lines for a person (--output text)."""

    document: Any
    lines: list[str]


# ---------------------------------------------------------------- where the commands act


def _session(**options: Any) -> Any:
    """A boto3 session (the tests wrap this to watch the AWS calls)."""
    import boto3

    return boto3.session.Session(**options)


@dataclass(frozen=True)
class Target:
    """The AWS account and region of a stack, or the local portal's embedded AWS (moto)."""

    session: Any
    local: bool
    name: str
    endpoint_url: str | None = None

    @property
    def region(self) -> str | None:
        return str(self.session.region_name) if self.session.region_name else None

    def client(self, service: str) -> Any:
        from botocore.config import Config
        from botocore.exceptions import NoRegionError

        if not self.region:  # also an empty AWS_REGION, which boto3 would turn into an invalid endpoint
            raise NoRegionError()

        # user_agent_extra tells the operator's calls apart in CloudTrail.
        config = Config(
            retries={"mode": "standard", "max_attempts": 3},
            connect_timeout=5,
            read_timeout=30,
            user_agent_extra="cmi-admin",
        )
        return self.session.client(service, endpoint_url=self.endpoint_url, config=config)


def _target(args: argparse.Namespace) -> Target:
    if not args.local:
        return Target(_session(region_name=args.region, profile_name=args.profile), local=False, name=args.stack)
    from localportal import aws

    # moto accepts any credentials: explicit ones keep boto3 from reading the machine's profiles.
    session = _session(
        aws_access_key_id="testing",
        aws_secret_access_key="testing",  # noqa: S106 - moto's fake credentials
        aws_session_token="testing",  # noqa: S106
        region_name=aws.REGION,
    )
    port = os.environ.get("AWS_PORT", "4566")
    return Target(session, local=True, name="portail local", endpoint_url=f"http://127.0.0.1:{port}")


def _environment(target: Target) -> dict[str, str]:
    return _local_environment() if target.local else _stack_environment(target)


def _local_environment() -> dict[str, str]:
    """The functions' environment on the running local portal, resolved as the portal itself does."""
    from localportal import aws, template

    port = os.environ.get("AWS_PORT", "4566")
    tpl = template.load()
    refs = {**tpl.parameter_defaults(), **aws.LOCAL_PARAMETERS, "AWS::Region": aws.REGION}
    refs["PortalUrl"] = f"http://127.0.0.1:{os.environ.get('PORT', '3000')}"
    refs.update({name: name for name in tpl.tables()})
    refs.update({name: f"http://127.0.0.1:{port}/{aws.ACCOUNT_ID}/{name}" for name in tpl.queues()})
    function = tpl.functions()[0]
    return {k: tpl.resolve(v, refs) for k, v in function.environment.items()}


def _stack_environment(target: Target) -> dict[str, str]:
    """The environment the deployed functions really run with, read from one of them."""
    resource = target.client("cloudformation").describe_stack_resource(
        StackName=target.name, LogicalResourceId="LoginFunction"
    )
    name = resource["StackResourceDetail"]["PhysicalResourceId"]
    config = target.client("lambda").get_function_configuration(FunctionName=name)
    try:
        return dict(config["Environment"]["Variables"])
    except KeyError:
        raise Unusable(f"la fonction {name} de la pile {target.name} n'a pas d'environnement") from None


def _services(target: Target, environment: dict[str, str]) -> Any:
    """The domain's services on the target (a container of our own: the command is not a Lambda function)."""
    from cmi.config import Settings
    from cmi.container import Container

    try:
        settings = Settings.from_env(environment)
    except ValueError as exc:
        raise Unusable(f"configuration de {target.name} inutilisable : {exc}") from None
    return Container(settings=settings, client_factory=target.client)


# ---------------------------------------------------------------- presentation


def _iso(epoch: int | None) -> str | None:
    """As the API writes times: ISO 8601, UTC."""
    return None if epoch is None else _iso_time(epoch)


def _iso_time(epoch: int) -> str:
    return datetime.fromtimestamp(epoch, UTC).isoformat().replace("+00:00", "Z")


def _when(epoch: int | None) -> str:
    return "-" if epoch is None else datetime.fromtimestamp(int(epoch), UTC).strftime("%Y-%m-%d %H:%M UTC")


def _agent(account: Any) -> dict[str, Any]:
    """An agent as GET /api/agents shows it (same model)."""
    from cmi.web.models import AgentView

    view = AgentView(
        **AgentView.fields_of(account),
        created_at=_iso_time(account.created_at),
        last_login_at=_iso(account.last_login_at),
    )
    return view.model_dump()


def _organisation(organisation: Any) -> dict[str, Any]:
    return {
        "code": organisation.code,
        "name": organisation.name,
        "created_at": _iso(organisation.created_at),
        "active_referents": organisation.active_referents,
    }


def _account_or_refuse(services: Any, identifier: str) -> Any:
    from cmi.domain import identity
    from cmi.domain.errors import OnboardingError

    normalised = identity.normalise_identifier(identifier)
    found = services.accounts.get(normalised) if identity.is_identifier(normalised) else None
    if found is None:
        raise OnboardingError(f"aucun compte {normalised}")
    return found


def _organisation_or_refuse(services: Any, code: str) -> Any:
    from cmi.domain import identity
    from cmi.domain.errors import OnboardingError

    normalised = identity.normalise_identifier(code)
    found = services.accounts.get_organisation(normalised) if identity.is_emitter_code(normalised) else None
    if found is None:
        raise OnboardingError(f"aucun organisme {normalised}")
    return found


# ---------------------------------------------------------------- the commands

Run = Callable[[Any, argparse.Namespace], Result]


@dataclass(frozen=True)
class Command:
    run: Run
    help: str
    arguments: tuple[tuple[tuple[str, ...], dict[str, Any]], ...]
    # Said after an AWS error of the mail: what the domain guarantees was left as it was.
    if_mail_fails: str = ""


COMMANDS: dict[str, Command] = {}


def arg(*flags: str, **options: Any) -> tuple[tuple[str, ...], dict[str, Any]]:
    return flags, options


def command(
    name: str, text: str, *arguments: tuple[tuple[str, ...], dict[str, Any]], if_mail_fails: str = ""
) -> Callable[[Run], Run]:
    def register(run: Run) -> Run:
        COMMANDS[name] = Command(run, text, arguments, if_mail_fails)
        return run

    return register


@command(
    "create-organisation",
    "enregistrer un organisme",
    arg("code", help="code émetteur (5 caractères)"),
    arg("name", help="nom de l'organisme"),
)
def _create_organisation(services: Any, args: argparse.Namespace) -> Result:
    from cmi.domain import onboarding

    org = onboarding.create_organisation(services, args.code, args.name)
    return Result(_organisation(org), [f"Organisme {org.code} « {org.name} » créé."])


@command(
    "create-referent",
    "créer un référent et lui envoyer ses identifiants par email",
    arg("code", help="code émetteur de son organisme"),
    arg("--first-name", required=True, help="prénom"),
    arg("--last-name", required=True, help="nom"),
    arg("--email", required=True, help="adresse email (reçoit l'identifiant et le mot de passe temporaire)"),
    if_mail_fails="Le référent n'a pas été créé.",
)
def _create_referent(services: Any, args: argparse.Namespace) -> Result:
    from cmi.domain import onboarding

    new = onboarding.create_account(services, args.code, args.first_name, args.last_name, args.email)
    account = new.account
    # The temporary password is in the welcome mail only, never on the operator's console.
    document = {**_agent(account), "temporary_password_expires_at": _iso(account.temp_expires_at)}
    text = f"Référent créé : identifiant {account.identifier}. Ses identifiants lui ont été envoyés par email."
    return Result(document, [text])


@command(
    "resend-temporary-password",
    "nouveau mot de passe temporaire, envoyé par email (compte en attente de première connexion)",
    arg("identifier", help="identifiant"),
    if_mail_fails="Le mot de passe temporaire précédent reste valable.",
)
def _resend_temporary_password(services: Any, args: argparse.Namespace) -> Result:
    from cmi.domain import onboarding

    account = onboarding.resend_temporary_password(services, _account_or_refuse(services, args.identifier)).account
    document = {
        "identifier": account.identifier,
        "status": account.status,
        "temporary_password_expires_at": _iso(account.temp_expires_at),
    }
    return Result(document, [f"Nouveau mot de passe temporaire envoyé à l'adresse de {account.identifier}."])


@command("unblock", "effacer les échecs de connexion d'un identifiant", arg("identifier", help="identifiant"))
def _unblock(services: Any, args: argparse.Namespace) -> Result:
    from cmi.domain import identity, onboarding

    had = onboarding.unblock(services, args.identifier)
    text = "Identifiant débloqué." if had else "Aucun échec de connexion enregistré pour cet identifiant."
    return Result({"identifier": identity.normalise_identifier(args.identifier), "had_failures": had}, [text])


@command(
    "show",
    "afficher un compte (identifiant) ou un organisme (code émetteur)",
    arg("target", help="identifiant ou code émetteur"),
)
def _show(services: Any, args: argparse.Namespace) -> Result:
    from cmi.domain import identity

    if identity.is_emitter_code(identity.normalise_identifier(args.target)):
        org = _organisation_or_refuse(services, args.target)
        created = _when(org.created_at)
        text = f"Organisme {org.code} : {org.name} (créé {created}, référents actifs : {org.active_referents})"
        return Result(_organisation(org), [text])
    account = _account_or_refuse(services, args.target)
    throttle = services.throttle.get_login(account.identifier)
    blocked = throttle.blocked(services.now(), services.throttle.policy)
    document = {
        **_agent(account),
        "organisation": {"code": account.org_code, "name": account.org_name},
        "temporary_password_expires_at": _iso(account.temp_expires_at) if account.pending else None,
        "activated_at": _iso(account.activated_at),
        "created_by": account.created_by,
        "login": {"failures": throttle.failures, "blocked": blocked},
    }
    state = "bloqué" if blocked else f"{throttle.failures} échec(s) consécutif(s)"
    rows = [
        ("Identifiant", account.identifier),
        ("Nom", f"{account.first_name} {account.last_name}"),
        ("Email", document["email"]),
        ("Rôle", ROLES[account.role]),
        ("Organisme", f"{account.org_code} {account.org_name}"),
        ("État", STATUSES[account.status]),
        ("Créé", f"{_when(account.created_at)} par {account.created_by}"),
        ("Mot de passe temporaire valable jusqu'au", _when(account.temp_expires_at) if account.pending else "-"),
        ("Activé", _when(account.activated_at)),
        ("Dernière connexion", _when(account.last_login_at)),
        ("Connexions", state),
    ]
    return Result(document, [f"{label:<42} {value}" for label, value in rows])


def _agent_line(agent: Any) -> str:
    from cmi.domain import identity

    name = f"{agent.last_name} {agent.first_name}"
    email = identity.display_email(agent.email)
    role, status = ROLES[agent.role], STATUSES[agent.status]
    return f"{agent.identifier}  {name:<32} {email:<36} {role:<9} {status:<32} {_when(agent.last_login_at)}"


@command("list", "les agents d'un organisme, par nom", arg("code", help="code émetteur"))
def _list(services: Any, args: argparse.Namespace) -> Result:
    org = _organisation_or_refuse(services, args.code)
    cursor, agents = None, []
    while True:
        page = services.accounts.agents(org.code, cursor, LIST_PAGE)
        agents += page.items
        if page.next_cursor is None:
            break
        cursor = page.next_cursor
    lines = [_agent_line(agent) for agent in agents]
    lines.append(f"{len(agents)} agent(s) dans l'organisme {org.code}.")
    return Result({"organisation": org.code, "agents": [_agent(a) for a in agents]}, lines)


@command("find", "les comptes qui ont cette adresse email, tous organismes", arg("email", help="adresse email"))
def _find(services: Any, args: argparse.Namespace) -> Result:
    from cmi.domain import identity
    from cmi.domain.errors import OnboardingError

    try:
        address = identity.check_email(args.email)  # the form addresses are stored in (IDNA domain)
    except ValueError:
        raise OnboardingError(f"adresse email invalide « {args.email.strip()} »") from None
    found = services.accounts.by_email(address)
    accounts = [{**_agent(a), "organisation": {"code": a.org_code, "name": a.org_name}} for a in found]
    lines = [f"{_agent_line(a)}  {a.org_code} {a.org_name}" for a in found]
    lines.append(f"{len(found)} compte(s) avec l'adresse {identity.display_email(address)}.")
    return Result({"email": identity.display_email(address), "accounts": accounts}, lines)


@command(
    "disable",
    "désactiver un compte : ses sessions, son passe de première connexion et ses liens prennent fin",
    arg("identifier", help="identifiant"),
)
def _disable(services: Any, args: argparse.Namespace) -> Result:
    from cmi.domain import onboarding

    agent = onboarding.disable(services, _account_or_refuse(services, args.identifier))
    text = f"Compte {agent.identifier} désactivé : ses sessions et ses liens ne sont plus valables."
    return Result({"identifier": agent.identifier, "status": agent.status}, [text])


@command("enable", "réactiver un compte désactivé", arg("identifier", help="identifiant"))
def _enable(services: Any, args: argparse.Namespace) -> Result:
    from cmi.domain import onboarding

    agent = onboarding.enable(services, _account_or_refuse(services, args.identifier))
    text = f"Compte {agent.identifier} réactivé ({STATUSES[agent.status]})."
    return Result({"identifier": agent.identifier, "status": agent.status}, [text])


@command(
    "end-sessions",
    "fermer toutes les sessions d'un compte, qui reste actif (mot de passe et liens de réinitialisation gardés)",
    arg("identifier", help="identifiant"),
)
def _end_sessions(services: Any, args: argparse.Namespace) -> Result:
    from cmi.domain import onboarding

    account = _account_or_refuse(services, args.identifier)
    after = onboarding.end_sessions(services, account)
    ended = after is not account
    if ended:
        text = f"Sessions du compte {after.identifier} fermées : l'agent devra se reconnecter."
    else:
        text = f"Compte {after.identifier} désactivé : il n'a déjà plus aucune session."
    return Result({"identifier": after.identifier, "status": after.status, "sessions_ended": ended}, [text])


@command(
    "journal",
    "le journal d'un organisme, du plus récent au plus ancien",
    arg("code", help="code émetteur"),
    arg("--limit", type=int, default=50, help="nombre d'événements (50 par défaut)"),
)
def _journal(services: Any, args: argparse.Namespace) -> Result:
    from cmi.web.models import JournalEventView

    org = _organisation_or_refuse(services, args.code)
    cursor, events = None, []  # type: ignore[var-annotated]
    while len(events) < args.limit:
        page = services.journal.events(org.code, cursor, min(JOURNAL_PAGE, args.limit - len(events)))
        events += page.items
        if page.next_cursor is None:
            break
        cursor = page.next_cursor
    lines = [f"{_when(e.at)}  {e.actor:<16} {e.action:<27} {e.target}  {e.detail}" for e in events]
    views = [
        JournalEventView(at=_iso_time(e.at), actor=e.actor, action=e.action, target=e.target, detail=e.detail)
        for e in events
    ]
    return Result({"organisation": org.code, "events": [v.model_dump() for v in views]}, lines)


# ---------------------------------------------------------------- the command line


def _global_options(parser: argparse.ArgumentParser, *, defaults: bool) -> None:
    """Options accepted before and after the sub-command, as with the AWS CLI.

    On the sub-commands they default to nothing (SUPPRESS): an option left out after the sub-command then
    keeps the value given before it.
    """

    def default(value: Any) -> Any:
        return value if defaults else argparse.SUPPRESS

    where = parser.add_argument_group("cible (l'une ou l'autre)")
    where.add_argument("--local", action="store_true", default=default(False), help="le portail local de `make run`")
    where.add_argument("--stack", metavar="NOM", default=default(None), help="une pile déployée par `sam deploy`")
    aws = parser.add_argument_group("AWS (avec --stack, comme l'AWS CLI)")
    aws.add_argument(
        "--region", metavar="RÉGION", default=default(None), help="région de la pile (sinon AWS_REGION ou le profil)"
    )
    aws.add_argument(
        "--profile", metavar="PROFIL", default=default(None), help="profil AWS (sinon AWS_PROFILE ou default)"
    )
    out = parser.add_argument_group("sortie")
    out.add_argument(
        "--output",
        choices=("text", "json"),
        default=default("text"),
        help="text (par défaut) ou json : un document JSON sur la sortie standard",
    )
    out.add_argument(
        "--debug", action="store_true", default=default(False), help="journaux détaillés (JSON) sur la sortie d'erreur"
    )


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="cmi-admin",
        description="Exploitation du Portail CMI Organisme (connexion). Résultat sur la sortie standard, "
        "erreurs sur la sortie d'erreur ; codes de sortie : 1 refusé, 2 usage, 3 erreur AWS.",
    )
    _global_options(parser, defaults=True)
    shared = argparse.ArgumentParser(add_help=False)
    _global_options(shared, defaults=False)
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMANDE")
    for name, spec in COMMANDS.items():
        sub = commands.add_parser(name, help=spec.help, description=spec.help, parents=[shared])
        for flags, options in spec.arguments:
            sub.add_argument(*flags, **options)
    return parser


def _arguments(argv: list[str] | None) -> argparse.Namespace:
    parser = _parser()
    args = parser.parse_args(argv)
    if args.local and args.stack:
        parser.error("--local et --stack s'excluent : choisissez l'un ou l'autre")
    if not args.local and not args.stack:
        parser.error("indiquez où agir : --local (le portail local) ou --stack NOM (une pile déployée)")
    if args.local and (args.region or args.profile):
        parser.error(
            "--region et --profile ne valent qu'avec --stack : le portail local a sa région et ses identifiants"
        )
    if getattr(args, "limit", 1) < 1:
        parser.error("--limit doit être au moins 1")
    return args


@contextmanager
def _logs_on_stderr(debug: bool) -> Iterator[None]:
    """The cmi logger writes to stdout (a function's log stream); here stdout is the result, logs go to stderr.

    Quiet unless --debug, as the AWS CLI: warnings and errors only. Put back as found when the command ends,
    for callers in the same process (tests).
    """
    from cmi.observability import logger

    handler = logger.registered_handler
    previous_stream = handler.setStream(sys.stderr) if isinstance(handler, logging.StreamHandler) else None
    previous_level = logger.log_level
    logger.setLevel(logging.DEBUG if debug else logging.WARNING)
    try:
        yield
    finally:
        logger.setLevel(previous_level)
        if previous_stream is not None:
            handler.setStream(previous_stream)  # type: ignore[attr-defined]


def _drop_metrics() -> None:
    """The use cases' counts are not published from this command, on purpose.

    A function publishes them by printing EMF lines to its log stream, which CloudWatch turns into metrics.
    Printed by a command on an operator's machine they would reach no metric and only garble stdout; sending
    them with PutMetricData would mix the operator's few actions into the functions' alarms and need one more
    grant. The operator's actions are in the organisations' journal and their failures are seen at once (exit 3).
    """
    from cmi.observability import metrics

    metrics.clear_metrics()


def _aws_message(exc: Exception, target: Target | None) -> str:
    """One French sentence for an AWS or configuration error."""
    from botocore import exceptions as aws

    where = f"la région {target.region}" if target and target.region else "cette région"
    if isinstance(exc, Unusable):
        return f"Erreur de configuration : {exc}."
    if isinstance(exc, aws.ClientError):
        error = exc.response.get("Error", {})
        code, text, operation = error.get("Code", ""), error.get("Message", ""), exc.operation_name
        if code == "MessageRejected":
            return (
                f"Erreur AWS : SES a refusé le message ({text}). Tant que le compte SES est dans le bac à sable "
                "(sandbox), il n'envoie qu'aux adresses vérifiées : vérifiez l'adresse du destinataire dans SES "
                "ou demandez l'accès production."
            )
        if operation == "DescribeStackResource" and code == "ValidationError" and target:
            return f"Erreur AWS : la pile {target.name} est introuvable dans {where} (ou n'a pas de LoginFunction)."
        if code in ("AccessDenied", "AccessDeniedException", "UnauthorizedOperation"):
            return f"Erreur AWS : accès refusé à {operation}, les identifiants utilisés n'ont pas ce droit ({text})."
        if code in ("ExpiredToken", "ExpiredTokenException", "RequestExpired"):
            return "Erreur AWS : les identifiants ont expiré ; renouvelez-les (par exemple `aws sso login`)."
        if code in ("UnrecognizedClientException", "InvalidClientTokenId", "InvalidSignatureException"):
            return "Erreur AWS : identifiants non reconnus ; vérifiez --profile ou AWS_PROFILE."
        return f"Erreur AWS : {operation} refusé ({code}) : {text}"
    if isinstance(exc, aws.NoRegionError):
        return "Erreur AWS : aucune région configurée ; ajoutez --region (par exemple --region eu-west-3)."
    if isinstance(exc, aws.ProfileNotFound):
        return f"Erreur AWS : le profil « {exc.kwargs.get('profile')} » n'existe pas (voir ~/.aws/config)."
    if isinstance(exc, aws.NoCredentialsError | aws.PartialCredentialsError):
        return "Erreur AWS : aucun identifiant trouvé ; utilisez --profile, `aws configure` ou `aws sso login`."
    if isinstance(exc, aws.TokenRetrievalError | aws.SSOTokenLoadError | aws.UnauthorizedSSOTokenError):
        return "Erreur AWS : la session SSO a expiré ; reconnectez-vous avec `aws sso login`."
    if isinstance(exc, aws.EndpointConnectionError | aws.ConnectTimeoutError):
        if target and target.local:
            return "Le portail local ne répond pas : lancez d'abord `make run`."
        return f"Erreur AWS : AWS injoignable dans {where} ({exc}) ; vérifiez le réseau et la région."
    return f"Erreur AWS ou de configuration : {exc}"


def _print(result: Result, output: str) -> None:
    if output == "json":
        print(json.dumps(result.document, ensure_ascii=False, indent=2))
    else:
        for line in result.lines:
            print(line)


def main(argv: list[str] | None = None) -> int:
    try:
        args = _arguments(argv)
    except SystemExit as exc:  # usage errors and --help: argparse has written to stderr/stdout already
        return exc.code if isinstance(exc.code, int) else EXIT_USAGE
    from botocore.exceptions import BotoCoreError, ClientError

    from cmi.domain.errors import DomainError

    target: Target | None = None
    with _logs_on_stderr(args.debug):
        try:
            target = _target(args)
            result = COMMANDS[args.command].run(_services(target, _environment(target)), args)
        except DomainError as exc:
            print(f"Refusé : {exc.message.rstrip('.')}.", file=sys.stderr)
            return EXIT_REFUSED
        except (BotoCoreError, ClientError, Unusable) as exc:
            message = _aws_message(exc, target)
            note = COMMANDS[args.command].if_mail_fails
            if note and isinstance(exc, ClientError) and exc.operation_name == "SendEmail":
                message += f" {note}"
            print(message, file=sys.stderr)
            return EXIT_AWS
        finally:
            _drop_metrics()
    _print(result, args.output)
    return EXIT_OK


if __name__ == "__main__":
    sys.exit(main())
