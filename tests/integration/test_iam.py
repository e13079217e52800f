"""Each function's IAM grants are exactly the AWS calls its code makes (issue 13, least privilege).

Every route and mail kind runs once through its outcomes (success, refusals, throttling, a mail
SES refuses), with a botocore hook recording each call of the handlers' clients and the function
that made it. A call becomes the IAM actions AWS authorises it with (a transaction: one action per
item, on that item's table; a query: the index's ARN). The template must grant that set, nothing
more, nothing less; only what the Lambda service itself does with a function's role (logs,
X-Ray, polling an SQS event source) is added by rule, not observed.
"""

from __future__ import annotations

import contextvars
from collections import defaultdict
from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError

from cmi import messages
from cmi.domain import onboarding
from localportal.functions import Invoker
from tests.integration.conftest import EMAIL, NEW_PASSWORD
from tests.support import FakeClock, Harness, stack
from tests.template.test_sam_template import FUNCTIONS, TEMPLATE, _plain, as_list, ref_target, statements

WRONG = "Pas-le-bon!mot2passe"
_ITEM_ACTIONS = {
    "Put": "PutItem",
    "Update": "UpdateItem",
    "Delete": "DeleteItem",
    "ConditionCheck": "ConditionCheckItem",
}
# What the Lambda service does with the role of a function that has an SQS event source (AWS documents these).
SQS_EVENT_SOURCE = {"sqs:ReceiveMessage", "sqs:DeleteMessage", "sqs:GetQueueAttributes"}
running: contextvars.ContextVar[str] = contextvars.ContextVar("running", default="test")


class Recorder:
    """The calls of the handlers' clients, per function; optionally a call that fails as AWS would."""

    def __init__(self) -> None:
        self.calls: dict[str, list[tuple[str, str, dict[str, Any]]]] = defaultdict(list)
        self.failing: set[tuple[str, str]] = set()

    def factory(self, service: str) -> Any:
        client = boto3.client(service)

        def record(event_name: str, params: dict[str, Any], **_: Any) -> None:
            _, name, operation = event_name.split(".", 2)
            self.calls[running.get()].append((name, operation, params))
            if (name, operation) in self.failing:
                error = {"Error": {"Code": "ServiceUnavailable", "Message": "injected"}}
                raise ClientError({**error, "ResponseMetadata": {"HTTPStatusCode": 503}}, operation)

        client.meta.events.register("before-parameter-build", record)
        return client


def needs(service: str, operation: str, params: dict[str, Any], names: dict[str, str]) -> set[tuple[str, str]]:
    """The (IAM action, logical resource) pairs AWS checks for one call."""
    if service == "dynamodb":
        if operation == "TransactWriteItems":
            found = set()
            for item in params["TransactItems"]:
                ((kind, body),) = item.items()
                found.add((f"dynamodb:{_ITEM_ACTIONS[kind]}", names[body["TableName"]]))
            return found
        if operation in ("BatchGetItem", "BatchWriteItem"):
            return {(f"dynamodb:{operation}", names[table]) for table in params["RequestItems"]}
        resource = names[params["TableName"]]
        if "IndexName" in params:
            resource += f"/index/{params['IndexName']}"
        return {(f"dynamodb:{operation}", resource)}
    if service == "sqs":
        return {(f"sqs:{operation}", names[params["QueueUrl"]])}
    if service == "sesv2":
        # Sent with the identity's default configuration set: authorised on both.
        return {(f"ses:{operation}", "ses-identity"), (f"ses:{operation}", "ses-configuration-set")}
    raise AssertionError(f"a call the test does not know how to authorise: {service}.{operation}")


def exercise(harness: Harness, recorder: Recorder, clock: FakeClock) -> None:
    """Every route and mail kind, through the outcomes that make different calls."""
    onboarding.create_organisation(harness.services, "00001", "MDPH du Rhône")
    new = onboarding.create_account(harness.services, "00001", "Camille", "Martin", EMAIL)
    ident = new.account.identifier
    post, get = harness.post, harness.get

    # Login function: first-connection pass, wrong passwords, throttled, blocked (mail queued), session, logout.
    assert post("/api/login", {"identifier": ident, "password": new.temporary_password}).status == 200
    body = {"new_password": NEW_PASSWORD, "password_confirmation": NEW_PASSWORD, "email_confirmation": EMAIL}
    assert get("/api/first-connection").status == 200
    assert post("/api/first-connection", body).status == 200
    assert get("/api/session").status == 200
    clock.advance(120)  # the idle timer is refreshed
    assert get("/api/session").status == 200
    assert post("/api/login", {"identifier": ident, "password": NEW_PASSWORD}).status == 200  # ends the old one
    assert post("/api/logout").status == 204
    for _ in range(25):
        r = post("/api/login", {"identifier": ident, "password": WRONG})
        if r.status == 429:
            clock.advance(int(r.headers["Retry-After"]))
            r = post("/api/login", {"identifier": ident, "password": WRONG})
        assert r.status == 401
    assert post("/api/login", {"identifier": ident, "password": WRONG}).status == 429
    harness.mails()  # the mailer journals the block and mails the owner
    clock.advance(86400)

    # Recovery: both forms, the mails (one refused by SES, then retried), the reset.
    assert post("/api/forgot-identifier", {"email": EMAIL}).status == 200
    assert post("/api/forgot-password", {"identifier": ident}).status == 200
    recorder.failing.add(("sesv2", "SendEmail"))
    harness.deliver_mail()
    recorder.failing.clear()
    assert post("/api/forgot-password", {"identifier": ident}).status == 200  # the failed one waits in SQS
    mails = harness.mails(EMAIL)
    link = next(m.text for m in mails if "#token=" in m.text).split("#token=")[1].split()[0]
    reset = {"token": link, "new_password": "Autre-Chemin!2031", "password_confirmation": "Autre-Chemin!2031"}
    assert post("/api/reset-password", reset).status == 200
    assert post("/api/reset-password", reset).status == 400
    for _ in range(6):  # past the hourly budget of mails
        post("/api/forgot-password", {"identifier": ident})
        post("/api/forgot-identifier", {"email": EMAIL})
    harness.mails()

    # Référent area: list, journal, create (one welcome mail refused), resend, disable, enable.
    assert post("/api/login", {"identifier": ident, "password": "Autre-Chemin!2031"}).status == 200
    assert get("/api/agents").status == 200
    clock.advance(120)  # the idle timer of the référent's session is refreshed
    assert get("/api/journal").status == 200
    profile = {"first_name": "Louise", "last_name": "Bernard", "email": "louise.bernard@exemple.fr"}
    recorder.failing.add(("sesv2", "SendEmail"))
    assert post("/api/agents", profile).status == 503
    recorder.failing.clear()
    created = post("/api/agents", profile)
    assert created.status == 201
    other = created.json["identifier"]
    assert post("/api/agents", profile).json == {"errors": {"email": messages.EMAIL_ALREADY_USED}}
    assert post(f"/api/agents/{other}/temporary-password").status == 200
    assert post(f"/api/agents/{other}/disable").status == 200
    assert post(f"/api/agents/{other}/enable").status == 200
    assert post(f"/api/agents/{ident}/disable").status == 409
    # A disabled agent who knows the password: the login function forgets the attempt.
    assert post(f"/api/agents/{other}/disable").status == 200
    post("/api/logout")
    harness.mails()


def granted(template: dict[str, Any], function: str) -> set[tuple[str, str]]:
    props = template["Resources"][function]["Properties"]
    if "Role" in props:
        role = template["Resources"][props["Role"]["Fn::GetAtt"][0]]["Properties"]
        documents = [p["PolicyDocument"] for p in role.get("Policies", [])]
    else:
        documents = [p for p in props.get("Policies", []) if isinstance(p, dict)]
    return {
        (action, ref_target(resource))
        for document in documents
        for statement in statements(document)
        for action in as_list(statement["Action"])
        for resource in as_list(statement["Resource"])
    }


def run_by_the_lambda_service(template: dict[str, Any], function: str) -> set[tuple[str, str]]:
    """Grants the function's code never uses itself: they must be on an explicit role, scoped like the rest."""
    props = template["Resources"][function]["Properties"]
    if "Role" not in props:
        return set()  # SAM attaches its managed policies (logs, X-Ray, and SQS polling if any)
    queues = {ref_target(e["Properties"]["Queue"]) for e in props.get("Events", {}).values() if e["Type"] == "SQS"}
    log_group = props["LoggingConfig"]["LogGroup"]["Ref"]
    return (
        {(action, queue) for queue in queues for action in SQS_EVENT_SOURCE}
        | {("logs:CreateLogStream", log_group), ("logs:PutLogEvents", log_group)}
        | {("xray:PutTraceSegments", "*"), ("xray:PutTelemetryRecords", "*")}
    )


@pytest.fixture(scope="module")
def observed() -> dict[str, set[tuple[str, str]]]:
    from cfnlint.decode import cfn_yaml

    recorder = Recorder()
    clock = FakeClock()
    original = Invoker.__call__

    def invoke(self: Invoker, event: dict[str, Any]) -> Any:
        token = running.set(self.function.name)
        try:
            return original(self, event)
        finally:
            running.reset(token)

    Invoker.__call__ = invoke  # type: ignore[method-assign]
    try:
        with stack(clock, recorder.factory) as runtime:
            exercise(Harness(runtime, clock), recorder, clock)
            refs = runtime.stack.refs
            names = {refs[n]: n for n in ("AccountsTable", "TokensTable", "ThrottleTable", "JournalTable", "MailQueue")}
    finally:
        Invoker.__call__ = original  # type: ignore[method-assign]
    template = _plain(cfn_yaml.load(str(TEMPLATE)))
    result = {}
    for function, calls in recorder.calls.items():
        if function == "test":
            continue  # the test's own set-up (the operator's onboarding)
        result[function] = set().union(*(needs(s, o, p, names) for s, o, p in calls))
    result["_template"] = template  # type: ignore[assignment]
    return result


@pytest.mark.parametrize("function", sorted(FUNCTIONS))
def test_each_function_is_granted_exactly_the_calls_its_code_makes(observed, function):
    template = observed["_template"]
    wanted = observed.get(function, set()) | run_by_the_lambda_service(template, function)
    have = granted(template, function)
    problems = [f"granted, never called: {p}" for p in sorted(have - wanted)]
    problems += [f"called, not granted: {p}" for p in sorted(wanted - have)]
    assert problems == []


def test_the_mailer_role_polls_only_its_own_queue(observed):
    """No account-wide AWSLambdaSQSQueueExecutionRole: the mailer's own role, scoped to MailQueue."""
    template = observed["_template"]
    props = template["Resources"]["MailerFunction"]["Properties"]
    assert "Policies" not in props and "Role" in props
    role = template["Resources"][props["Role"]["Fn::GetAtt"][0]]["Properties"]
    assert role.get("ManagedPolicyArns", []) == []
    sqs = {(a, r) for a, r in granted(template, "MailerFunction") if a.startswith("sqs:")}
    assert sqs == {(a, "MailQueue") for a in SQS_EVENT_SOURCE}
