"""cmi-admin --stack on moto, in this process: options, outputs, errors, commands and the AWS calls each makes.

The stack is a CloudFormation stack whose LoginFunction carries the environment the harness provisioned,
so the command reads its settings as it does from a deployed stack.
"""

from __future__ import annotations

import io
import json
import os
import subprocess
from collections import defaultdict
from contextlib import redirect_stderr, redirect_stdout
from pathlib import Path
from typing import Any

import boto3
import pytest

from cmi import container, observability
from cmi.domain import onboarding
from localportal import aws
from ops import cmi_admin
from tests.integration.conftest import EMAIL, NEW_PASSWORD

STACK = "cmi-portail-connexion"
FUNCTION = "cmi-portail-connexion-LoginFunction-ABC123"
ROOT = Path(__file__).resolve().parents[2]


class Calls:
    """The AWS calls of the command's clients (a botocore hook on the sessions it makes)."""

    def __init__(self) -> None:
        self.made: list[tuple[str, str, dict[str, Any]]] = []
        self.original = cmi_admin._session

    def session(self, **options: Any) -> Any:
        made = self.original(**options)
        made.events.register("before-parameter-build", self.record)
        return made

    def record(self, event_name: str, params: dict[str, Any], **_: Any) -> None:
        _, service, operation = event_name.split(".", 2)
        self.made.append((service, operation, params))


@pytest.fixture
def deployed(harness, clock, monkeypatch):
    """A stack whose LoginFunction carries the environment the harness provisioned."""
    role = boto3.client("iam").create_role(
        RoleName="login-role",
        AssumeRolePolicyDocument=json.dumps({"Version": "2012-10-17", "Statement": []}),
    )["Role"]["Arn"]
    body = {
        "Resources": {
            "LoginFunction": {
                "Type": "AWS::Lambda::Function",
                "Properties": {
                    "FunctionName": FUNCTION,
                    "Runtime": "python3.11",
                    "Handler": "app.lambda_handler",
                    "Role": role,
                    "Code": {"ZipFile": "def lambda_handler(event, context):\n    return {}\n"},
                    "Environment": {"Variables": harness.runtime.stack.environment},
                },
            }
        }
    }
    boto3.client("cloudformation").create_stack(StackName=STACK, TemplateBody=json.dumps(body))
    # The ops command builds its own container, as a fresh process would; on the harness's clock, so that
    # what it creates and what the API then sees agree on the time.
    monkeypatch.setattr(container, "_current", None)
    build = cmi_admin._services

    def services(target: Any, environment: dict[str, str]) -> Any:
        made = build(target, environment)
        made.clock = clock
        return made

    monkeypatch.setattr(cmi_admin, "_services", services)
    return harness


@pytest.fixture
def calls(monkeypatch) -> Calls:
    recorder = Calls()
    monkeypatch.setattr(cmi_admin, "_session", recorder.session)
    return recorder


def admin(*args: str, stack: bool = True) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    with redirect_stdout(out), redirect_stderr(err):
        code = cmi_admin.main([*(["--stack", STACK] if stack else []), *args])
    assert "Traceback" not in err.getvalue()
    return code, out.getvalue(), err.getvalue()


def admin_json(*args: str) -> Any:
    code, out, err = admin(*args, "--output", "json")
    assert code == 0, err
    return json.loads(out)


def create_referent(code: str, first: str, last: str, email: str) -> str:
    created = admin_json("create-referent", code, "--first-name", first, "--last-name", last, "--email", email)
    return str(created["identifier"])


# ---------------------------------------------------------------- reading the stack


def test_stack_environment_is_read_from_the_deployed_function(deployed):
    target = cmi_admin.Target(cmi_admin._session(region_name=aws.REGION), local=False, name=STACK)
    environment = cmi_admin._stack_environment(target)
    assert environment["ACCOUNTS_TABLE"] == "AccountsTable"
    assert environment["PORTAL_URL"] == deployed.runtime.stack.environment["PORTAL_URL"]


def test_operator_registers_an_organisation_and_a_referent_on_the_stack(deployed):
    assert admin("create-organisation", "75001", "MDPH de Paris")[0] == 0
    code, out, _ = admin(
        "create-referent", "75001", "--first-name", "Inès", "--last-name", "Roy", "--email", "ines@exemple.fr"
    )
    assert code == 0
    identifier = out.split("identifiant ")[1].split(".")[0]
    (mail,) = [m for m in aws.sent_mails() if m.to == "ines@exemple.fr"]
    assert identifier in mail.text
    code, out, _ = admin("show", identifier)
    assert code == 0 and "Inès Roy" in out


def test_unknown_stack_is_a_clear_error(deployed):
    code, out, err = admin("--stack", "nope", "show", "00001", stack=False)
    assert code == 3 and out == ""
    assert err.startswith("Erreur AWS : la pile nope est introuvable dans la région eu-west-3")


def test_region_option_chooses_where_the_stack_is_looked_for(deployed):
    code, _, err = admin("show", "00001", "--region", "us-east-1")
    assert code == 3 and "la pile cmi-portail-connexion est introuvable dans la région us-east-1" in err
    onboarding.create_organisation(deployed.services, "00001", "MDPH du Rhône")
    assert admin("--region", aws.REGION, "show", "00001")[0] == 0


def test_no_region_configured_is_exit_3_with_a_french_message_and_no_traceback(tmp_path):
    """A real process with no AWS configuration at all: nothing is called, nothing is printed but the message."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    env.update(HOME=str(tmp_path), AWS_CONFIG_FILE=str(tmp_path / "config"), AWS_EC2_METADATA_DISABLED="true")
    env["AWS_SHARED_CREDENTIALS_FILE"] = str(tmp_path / "credentials")
    result = subprocess.run(
        [str(ROOT / ".venv/bin/cmi-admin"), "show", "00001", "--stack", STACK],
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
        check=False,
    )
    assert result.returncode == 3
    assert result.stdout == ""
    assert (
        result.stderr == "Erreur AWS : aucune région configurée ; ajoutez --region (par exemple --region eu-west-3).\n"
    )


def test_an_empty_region_variable_counts_as_no_region(monkeypatch):
    monkeypatch.setenv("AWS_REGION", "")
    monkeypatch.setenv("AWS_DEFAULT_REGION", "")
    code, _, err = admin("show", "00001")
    assert code == 3 and "aucune région configurée" in err


def test_unknown_profile_is_exit_3_with_a_french_message(tmp_path, monkeypatch):
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "config"))
    code, out, err = admin("list", "00001", "--profile", "exploitation")
    assert (code, out) == (3, "")
    assert err == "Erreur AWS : le profil « exploitation » n'existe pas (voir ~/.aws/config).\n"


def test_profile_option_reads_region_and_credentials_of_that_profile(deployed, tmp_path, monkeypatch):
    onboarding.create_organisation(deployed.services, "00001", "MDPH du Rhône")
    (tmp_path / "config").write_text(f"[profile exploitation]\nregion = {aws.REGION}\n")
    (tmp_path / "credentials").write_text("[exploitation]\naws_access_key_id = testing\naws_secret_access_key = x\n")
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "config"))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "credentials"))
    for name in ("AWS_REGION", "AWS_DEFAULT_REGION", "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN"):
        monkeypatch.delenv(name, raising=False)
    assert admin("show", "00001", "--profile", "exploitation")[0] == 0


def test_aws_refusals_are_exit_3_with_a_french_message(deployed, calls, monkeypatch):
    from botocore.exceptions import ClientError

    def refuse(event_name: str, **_: Any) -> None:
        if event_name.endswith("GetFunctionConfiguration"):
            error = {"Code": "AccessDeniedException", "Message": "not authorized to perform lambda:GetFunction…"}
            raise ClientError({"Error": error}, "GetFunctionConfiguration")

    original = calls.session

    def session(**options: Any) -> Any:
        made = original(**options)
        made.events.register("before-call", refuse)
        return made

    monkeypatch.setattr(cmi_admin, "_session", session)
    code, out, err = admin("show", "00001")
    assert (code, out) == (3, "")
    assert err.startswith("Erreur AWS : accès refusé à GetFunctionConfiguration, les identifiants utilisés")


# ---------------------------------------------------------------- the command line


def test_global_options_are_accepted_before_and_after_the_sub_command(deployed):
    onboarding.create_organisation(deployed.services, "00001", "MDPH du Rhône")
    for line in (
        ["--stack", STACK, "--output", "json", "show", "00001"],
        ["show", "00001", "--stack", STACK, "--output", "json"],
        ["--output", "json", "show", "--stack", STACK, "00001", "--region", aws.REGION],
    ):
        code, out, _ = admin(*line, stack=False)
        assert code == 0 and json.loads(out)["code"] == "00001", line
    # An option repeated after the sub-command wins, as the last one given.
    assert admin("--output", "json", "show", "00001", "--output", "text")[1].startswith("Organisme 00001")


@pytest.mark.parametrize(
    "line",
    [
        ["show", "00001"],  # no target
        ["--local", "show", "00001", "--stack", STACK],  # two targets
        ["--local", "show", "00001", "--region", "eu-west-3"],  # the local portal has its own region
        ["--stack", STACK, "show", "00001", "--output", "yaml"],
        ["--stack", STACK, "journal", "00001", "--limit", "0"],
        ["--stack", STACK, "create-referent", "00001"],
        ["--stack", STACK, "nope"],
    ],
)
def test_usage_errors_exit_2_without_touching_aws(line, calls):
    code, out, err = admin(*line, stack=False)
    assert (code, out, calls.made) == (2, "", [])
    assert "usage: cmi-admin" in err


def test_help_lists_every_command_and_exits_0():
    code, out, _ = admin("--help", stack=False)
    assert code == 0
    assert all(name in out for name in cmi_admin.COMMANDS)


def test_logs_go_to_stderr_only_and_appear_with_debug(deployed):
    onboarding.create_organisation(deployed.services, "00001", "MDPH du Rhône")
    args = ["create-referent", "00001", "--first-name", "Léa", "--last-name", "Petit", "--email", "lea@exemple.fr"]
    code, out, err = admin(*args, "--output", "json")
    assert code == 0 and err == ""  # quiet by default, as the AWS CLI
    json.loads(out)
    code, out, err = admin(*args[:-1], "lea.petit@exemple.fr", "--output", "json", "--debug")
    assert code == 0
    assert json.loads(out)["email"] == "lea.petit@exemple.fr"  # stdout is the result alone
    logged = [json.loads(line) for line in err.splitlines()]
    assert any(entry["message"] == "account created" for entry in logged)
    # The command puts the logger back as it found it (it shares this process with the handlers).
    assert observability.logger.log_level != 10


def test_metrics_of_a_command_are_dropped_not_printed(deployed):
    onboarding.create_organisation(deployed.services, "00001", "MDPH du Rhône")
    observability.metrics.clear_metrics()
    code, out, _ = admin("create-referent", "00001", "--first-name", "A", "--last-name", "B", "--email", "a@exemple.fr")
    assert code == 0 and "_aws" not in out and "CloudWatchMetrics" not in out
    assert observability.metrics.metric_set == {}


def test_output_json_is_one_parseable_document_for_every_command(deployed, active):
    """Every command, once, with --output json: stdout parses as one JSON document and names no secret."""
    documents = {
        "create-organisation": admin_json("create-organisation", "69001", "MDPH du Rhône (69)"),
        "create-referent": admin_json(
            "create-referent", "69001", "--first-name", "Louise", "--last-name", "Bernard", "--email", EMAIL
        ),
    }
    new = documents["create-referent"]["identifier"]
    documents |= {
        "resend-temporary-password": admin_json("resend-temporary-password", new),
        "unblock": admin_json("unblock", new),
        "show": admin_json("show", new),
        "list": admin_json("list", "69001"),
        "find": admin_json("find", EMAIL),
        "disable": admin_json("disable", new),
        "enable": admin_json("enable", new),
        "end-sessions": admin_json("end-sessions", active.identifier),
        "journal": admin_json("journal", "69001"),
    }
    assert set(documents) == set(cmi_admin.COMMANDS)
    assert documents["create-organisation"]["code"] == "69001"
    assert documents["create-referent"]["status"] == "pending" and new.startswith("69001")
    assert documents["resend-temporary-password"]["temporary_password_expires_at"].endswith("Z")
    assert documents["unblock"] == {"identifier": new, "had_failures": False}
    assert documents["show"]["organisation"] == {"code": "69001", "name": "MDPH du Rhône (69)"}
    assert documents["show"]["login"] == {"failures": 0, "blocked": False}
    assert [a["identifier"] for a in documents["list"]["agents"]] == [new]
    assert {a["organisation"]["code"] for a in documents["find"]["accounts"]} == {"00001", "69001"}
    assert documents["disable"] == {"identifier": new, "status": "disabled"}
    assert documents["enable"] == {"identifier": new, "status": "pending"}
    assert documents["end-sessions"] == {"identifier": active.identifier, "status": "active", "sessions_ended": True}
    assert [e["action"] for e in documents["journal"]["events"]] == [
        "enabled",
        "disabled",
        "temporary_password_sent",
        "account_created",
    ]
    text = json.dumps(documents)
    assert "password_hash" not in text and "$argon2" not in text


# ---------------------------------------------------------------- SES refusals


def test_a_welcome_mail_refused_by_ses_is_exit_3_in_french_and_leaves_nothing(deployed):
    onboarding.create_organisation(deployed.services, "00001", "MDPH du Rhône")
    sender = deployed.runtime.stack.environment["SENDER_EMAIL"]
    boto3.client("sesv2").delete_email_identity(EmailIdentity=sender)  # SES refuses what it may not send
    tables_before = {t: deployed.table(t) for t in ("AccountsTable", "JournalTable")}
    code, out, err = admin(
        "create-referent", "00001", "--first-name", "Inès", "--last-name", "Roy", "--email", "ines@exemple.fr"
    )
    assert (code, out) == (3, "")
    assert err.startswith("Erreur AWS : SES a refusé le message (")
    assert "bac à sable (sandbox)" in err and err.endswith("Le référent n'a pas été créé.\n")
    assert {t: deployed.table(t) for t in tables_before} == tables_before
    assert admin_json("find", "ines@exemple.fr")["accounts"] == []


def test_a_temporary_password_whose_mail_ses_refuses_leaves_the_previous_one_valid(deployed, pending):
    sender = deployed.runtime.stack.environment["SENDER_EMAIL"]
    boto3.client("sesv2").delete_email_identity(EmailIdentity=sender)
    code, _, err = admin("resend-temporary-password", pending.identifier)
    assert code == 3 and err.endswith("Le mot de passe temporaire précédent reste valable.\n")
    login = deployed.post("/api/login", {"identifier": pending.identifier, "password": pending.password})
    assert login.json == {"next": "first_connection"}


# ---------------------------------------------------------------- the commands


def test_list_shows_the_agents_of_an_organisation_by_name_with_their_last_login(deployed, active, clock):
    create_referent("00001", "Zoé", "Abadie", "zoe@exemple.fr")
    code, out, _ = admin("list", "00001")
    lines = out.splitlines()
    assert code == 0 and len(lines) == 3
    assert lines[0].split()[1:3] == ["Abadie", "Zoé"] and "en attente de première connexion" in lines[0]
    assert lines[0].endswith(" -")  # never logged in
    assert active.identifier in lines[1] and "Martin Camille" in lines[1] and "référent" in lines[1]
    assert lines[1].endswith(" UTC") and " actif " in lines[1]
    assert lines[2].startswith("2 agent(s) dans l'organisme 00001.")
    agents = admin_json("list", "00001")["agents"]
    assert agents[1]["last_login_at"] is not None and agents[0]["last_login_at"] is None


def test_find_lists_the_accounts_with_an_address_in_every_organisation(deployed, active):
    onboarding.create_organisation(deployed.services, "69001", "MDPH du Rhône (69)")
    other = create_referent("69001", "Camille", "Martin", EMAIL.upper())
    found = admin_json("find", f"  {EMAIL.upper()} ")
    assert [a["identifier"] for a in found["accounts"]] == sorted([active.identifier, other])
    code, out, _ = admin("find", EMAIL)
    assert code == 0 and out.splitlines()[-1] == f"2 compte(s) avec l'adresse {EMAIL}."
    assert admin_json("find", "personne@exemple.fr") == {"email": "personne@exemple.fr", "accounts": []}


def test_find_accepts_an_internationalised_domain_in_either_form(deployed):
    onboarding.create_organisation(deployed.services, "91001", "MDPH de l'Essonne")
    identifier = create_referent("91001", "Léo", "Dupont", "leo@mairie-évry.fr")
    for typed in ("leo@mairie-évry.fr", "LEO@xn--mairie-vry-h7a.fr"):
        found = admin_json("find", typed)
        assert [a["identifier"] for a in found["accounts"]] == [identifier]
        assert found["email"] == "leo@mairie-évry.fr"


def test_disable_ends_the_session_and_enable_gives_the_account_back_journaled_as_the_operator(deployed, active):
    assert deployed.post("/api/login", {"identifier": active.identifier, "password": NEW_PASSWORD}).status == 200
    code, out, _ = admin("disable", active.identifier.lower())
    assert code == 0 and "désactivé" in out
    assert deployed.get("/api/session").status == 401
    assert admin_json("enable", active.identifier) == {"identifier": active.identifier, "status": "active"}
    assert deployed.post("/api/login", {"identifier": active.identifier, "password": NEW_PASSWORD}).status == 200
    events = admin_json("journal", "00001")["events"]
    assert [(e["action"], e["actor"]) for e in events[:2]] == [("enabled", "opérateur"), ("disabled", "opérateur")]


def test_end_sessions_ends_every_session_and_pass_and_keeps_the_account_enabled(deployed, active, pending):
    # Two browsers of the active référent, and a colleague half-way through the first connection.
    browsers = []
    for _ in range(2):
        assert deployed.post("/api/login", {"identifier": active.identifier, "password": NEW_PASSWORD}).status == 200
        browsers.append(dict(deployed.cookies))
        deployed.cookies.clear()
    colleague = onboarding.create_account(deployed.services, "00001", "Jean", "Roux", "jean.roux@exemple.fr")
    identifier = colleague.account.identifier
    assert (
        deployed.post("/api/login", {"identifier": identifier, "password": colleague.temporary_password}).status == 200
    )
    first_connection = dict(deployed.cookies)
    assert deployed.get("/api/first-connection", cookies=first_connection).status == 200

    code, out, err = admin("end-sessions", active.identifier)
    assert (code, err) == (0, "")
    assert out == f"Sessions du compte {active.identifier} fermées : l'agent devra se reconnecter.\n"
    assert admin("end-sessions", identifier)[0] == 0

    for cookies in browsers:
        assert deployed.get("/api/session", cookies=cookies).status == 401
    assert deployed.get("/api/first-connection", cookies=first_connection).status == 401
    # The accounts stay as they were: the same passwords log in again.
    assert admin_json("show", active.identifier)["status"] == "active"
    assert deployed.post("/api/login", {"identifier": active.identifier, "password": NEW_PASSWORD}).status == 200
    assert deployed.get("/api/session").status == 200
    again = deployed.post("/api/login", {"identifier": identifier, "password": colleague.temporary_password})
    assert again.json == {"next": "first_connection"}


def test_end_sessions_of_a_disabled_account_says_there_is_none(deployed, active):
    admin("disable", active.identifier)
    code, out, _ = admin("end-sessions", active.identifier)
    assert code == 0 and "il n'a déjà plus aucune session" in out


def test_journal_shows_the_organisations_events_newest_first_up_to_the_limit(deployed, active):
    admin("disable", active.identifier)
    admin("enable", active.identifier)
    code, out, _ = admin("journal", "00001")
    actions = [line.split()[4] for line in out.splitlines()]
    assert code == 0
    assert actions == ["enabled", "disabled", "first_connection_completed", "account_created"]
    assert len(admin_json("journal", "00001", "--limit", "2")["events"]) == 2


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["show", "00001NOBODY0000"], "Refusé : aucun compte 00001NOBODY0000.\n"),
        (["show", "99999"], "Refusé : aucun organisme 99999.\n"),
        (["disable", "00001nobody0000"], "Refusé : aucun compte 00001NOBODY0000.\n"),
        (["enable", "x"], "Refusé : aucun compte X.\n"),
        (["end-sessions", "00001NOBODY0000"], "Refusé : aucun compte 00001NOBODY0000.\n"),
        (["resend-temporary-password", "00001NOBODY0000"], "Refusé : aucun compte 00001NOBODY0000.\n"),
        (["list", "99999"], "Refusé : aucun organisme 99999.\n"),
        (["journal", "99999"], "Refusé : aucun organisme 99999.\n"),
        (["find", "pas-un-email"], "Refusé : adresse email invalide « pas-un-email ».\n"),
        (["create-organisation", "12", "Trop court"], None),
    ],
)
def test_refusals_exit_1_with_a_french_message_and_nothing_on_stdout(deployed, args, message):
    code, out, err = admin(*args, "--output", "json")
    assert (code, out) == (1, "")
    assert err.startswith("Refusé : ")
    if message is not None:
        assert err == message


# ---------------------------------------------------------------- the AWS calls of each command

# (IAM action, logical resource) of every call each command makes on a stack: what the operator's
# policy must allow. The first two read the stack's settings and are made by every command.
SETTINGS_CALLS = {
    ("cloudformation:DescribeStackResource", "stack"),
    ("lambda:GetFunctionConfiguration", "LoginFunction"),
}
CREATE_REFERENT = {
    ("dynamodb:GetItem", "AccountsTable"),
    ("dynamodb:Query", "AccountsTable/index/email-index"),
    ("dynamodb:ConditionCheckItem", "AccountsTable"),
    ("dynamodb:PutItem", "AccountsTable"),
    ("dynamodb:PutItem", "JournalTable"),
    ("ses:SendEmail", "ses-identity"),
    ("ses:SendEmail", "ses-configuration-set"),
}
RESEND = {
    ("dynamodb:GetItem", "AccountsTable"),
    ("dynamodb:UpdateItem", "AccountsTable"),
    ("dynamodb:PutItem", "JournalTable"),
    ("ses:SendEmail", "ses-identity"),
    ("ses:SendEmail", "ses-configuration-set"),
}
SET_STATUS = {
    ("dynamodb:GetItem", "AccountsTable"),
    ("dynamodb:UpdateItem", "AccountsTable"),
    ("dynamodb:PutItem", "JournalTable"),
}
EXPECTED_CALLS = {
    "create-organisation": {("dynamodb:PutItem", "AccountsTable")},
    "create-referent": CREATE_REFERENT,
    # The refused mail undoes the creation: the account, its address claim and the journal entry.
    "create-referent (mail refused)": CREATE_REFERENT
    | {("dynamodb:DeleteItem", "AccountsTable"), ("dynamodb:DeleteItem", "JournalTable")},
    "resend-temporary-password": RESEND,
    "resend-temporary-password (mail refused)": RESEND | {("dynamodb:DeleteItem", "JournalTable")},
    "unblock": {("dynamodb:DeleteItem", "ThrottleTable")},
    "show (account)": {("dynamodb:GetItem", "AccountsTable"), ("dynamodb:GetItem", "ThrottleTable")},
    "show (organisation)": {("dynamodb:GetItem", "AccountsTable")},
    "list": {("dynamodb:GetItem", "AccountsTable"), ("dynamodb:Query", "AccountsTable/index/org-index")},
    "find": {("dynamodb:Query", "AccountsTable/index/email-index")},
    "disable": SET_STATUS,
    "enable": SET_STATUS,
    "end-sessions": {("dynamodb:GetItem", "AccountsTable"), ("dynamodb:UpdateItem", "AccountsTable")},
    "journal": {("dynamodb:GetItem", "AccountsTable"), ("dynamodb:Query", "JournalTable")},
}


def test_each_command_makes_exactly_these_aws_calls(deployed, active, calls):
    """The list the operator's IAM policy is written from: an action the command needs and the policy lacks
    fails on a stack only; one the policy grants and no command needs is a needless right."""
    from tests.integration.test_iam import needs

    refs = deployed.runtime.stack.refs
    names = {refs[n]: n for n in ("AccountsTable", "TokensTable", "ThrottleTable", "JournalTable", "MailQueue")}
    names[refs["MailQueue"]] = "MailQueue"

    def authorised(service: str, operation: str, params: dict[str, Any]) -> set[tuple[str, str]]:
        if service == "cloudformation":
            assert params["StackName"] == STACK
            return {(f"cloudformation:{operation}", "stack")}
        if service == "lambda":
            assert params["FunctionName"] == FUNCTION
            return {(f"lambda:{operation}", "LoginFunction")}
        return needs(service, operation, params, names)

    observed: dict[str, set[tuple[str, str]]] = defaultdict(set)

    def run(label: str, *args: str, expect: int = 0) -> str:
        calls.made.clear()
        code, out, err = admin(*args)
        assert code == expect, err
        for service, operation, params in calls.made:
            observed[label] |= authorised(service, operation, params)
        return out

    run("create-organisation", "create-organisation", "69001", "MDPH du Rhône (69)")
    out = run("create-referent", "create-referent", "69001", "--first-name", "A", "--last-name", "B", "--email", EMAIL)
    new = out.split("identifiant ")[1].split(".")[0]
    run("resend-temporary-password", "resend-temporary-password", new)
    run("unblock", "unblock", new)
    run("show (account)", "show", new)
    run("show (organisation)", "show", "69001")
    run("list", "list", "69001")
    run("find", "find", EMAIL)
    run("disable", "disable", new)
    run("enable", "enable", new)
    run("end-sessions", "end-sessions", active.identifier)
    run("journal", "journal", "69001")
    boto3.client("sesv2").delete_email_identity(EmailIdentity=deployed.runtime.stack.environment["SENDER_EMAIL"])
    run("resend-temporary-password (mail refused)", "resend-temporary-password", new, expect=3)
    run(
        "create-referent (mail refused)",
        *("create-referent", "69001", "--first-name", "C", "--last-name", "D", "--email", "c@exemple.fr"),
        expect=3,
    )
    for label, wanted in EXPECTED_CALLS.items():
        assert observed[label] == wanted | SETTINGS_CALLS, label
    assert set(observed) == set(EXPECTED_CALLS)
