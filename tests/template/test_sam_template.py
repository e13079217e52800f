"""Checks of template.yaml: the linters and scanners CI relies on, and the security and
contract properties of SPEC §2, §6 and §7 that a linter cannot know about.

The tools (cfn-lint, sam, checkov) are looked up next to the running interpreter first (the
project virtual environment), then on PATH. A missing tool fails the test: nothing is skipped.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml
from cfnlint.decode import cfn_yaml

ROOT = Path(__file__).resolve().parents[2]
TEMPLATE = ROOT / "template.yaml"
REGION = "eu-west-3"

FUNCTIONS = {
    "LoginFunction": "functions/login/",
    "FirstConnectionFunction": "functions/first_connection/",
    "ForgotIdentifierFunction": "functions/forgot_identifier/",
    "ForgotPasswordFunction": "functions/forgot_password/",
    "MailerFunction": "functions/mailer/",
    "AgentsFunction": "functions/agents/",
}

ROUTES = {
    ("LoginFunction", "Login"): ("POST", "/api/login"),
    ("LoginFunction", "Logout"): ("POST", "/api/logout"),
    ("LoginFunction", "Session"): ("GET", "/api/session"),
    ("FirstConnectionFunction", "Prefill"): ("GET", "/api/first-connection"),
    ("FirstConnectionFunction", "Complete"): ("POST", "/api/first-connection"),
    ("ForgotIdentifierFunction", "ForgotIdentifier"): ("POST", "/api/forgot-identifier"),
    ("ForgotPasswordFunction", "ForgotPassword"): ("POST", "/api/forgot-password"),
    ("ForgotPasswordFunction", "ResetPassword"): ("POST", "/api/reset-password"),
    ("AgentsFunction", "ListAgents"): ("GET", "/api/agents"),
    ("AgentsFunction", "CreateProfile"): ("POST", "/api/agents"),
    ("AgentsFunction", "ResendTemporaryPassword"): ("POST", "/api/agents/{identifier}/temporary-password"),
    ("AgentsFunction", "Disable"): ("POST", "/api/agents/{identifier}/disable"),
    ("AgentsFunction", "Enable"): ("POST", "/api/agents/{identifier}/enable"),
    ("AgentsFunction", "Journal"): ("GET", "/api/journal"),
}

ENVIRONMENT = {
    "ACCOUNTS_TABLE": {"Ref": "AccountsTable"},
    "TOKENS_TABLE": {"Ref": "TokensTable"},
    "THROTTLE_TABLE": {"Ref": "ThrottleTable"},
    "JOURNAL_TABLE": {"Ref": "JournalTable"},
    "AUDIT_RETENTION_DAYS": {"Ref": "AuditRetentionDays"},
    "MAIL_QUEUE_URL": {"Ref": "MailQueue"},
    "PORTAL_URL": {"Ref": "PortalUrl"},
    "SENDER_EMAIL": {"Ref": "SenderEmail"},
    "TEMPORARY_PASSWORD_DAYS": {"Ref": "TemporaryPasswordDays"},
    "RESET_LINK_MINUTES": {"Ref": "ResetLinkMinutes"},
    "ARGON2_MEMORY_KIB": {"Ref": "Argon2MemoryKiB"},
    "ARGON2_TIME_COST": {"Ref": "Argon2TimeCost"},
    "ARGON2_PARALLELISM": {"Ref": "Argon2Parallelism"},
    "SESSION_IDLE_MINUTES": {"Ref": "SessionIdleMinutes"},
    "SESSION_ABSOLUTE_HOURS": {"Ref": "SessionAbsoluteHours"},
    "POWERTOOLS_SERVICE_NAME": "cmi-connexion",
    "POWERTOOLS_METRICS_NAMESPACE": "CmiPortail",
    "POWERTOOLS_LOG_LEVEL": "INFO",
}

# Managed policies attached in the template, with the reason a scoped inline policy is not
# possible. (SAM also attaches AWSLambdaBasicExecutionRole and AWSXrayWriteOnlyAccess to the
# roles it makes; the mailer has its own role. What each function may call is checked against
# the calls its code makes in tests/integration/test_iam.py.)
ALLOWED_MANAGED_POLICIES = {
    "AmazonAPIGatewayPushToCloudWatchLogs": (
        "account-level API Gateway logging role: API Gateway creates and writes log groups of any API "
        "of the account, AWS documents this managed policy for it"
    ),
}

XRAY_WRITE = {"xray:PutTraceSegments", "xray:PutTelemetryRecords"}

SPEC_CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; font-src 'self'; "
    "connect-src 'self'; frame-ancestors 'none'; base-uri 'self'; form-action 'self'; object-src 'none'"
)
CACHING_OPTIMIZED = "658327ea-f89d-4fab-a63d-7e88639e58f6"
CACHING_DISABLED = "4135ea2d-6df8-44a3-9df3-4b5a84be39ad"


# ---------------------------------------------------------------------------- helpers


def _plain(node: Any) -> Any:
    """cfn-lint's nodes (str_node, dict_node...) as plain Python values."""
    return json.loads(json.dumps(node))


@pytest.fixture(scope="module")
def template() -> dict[str, Any]:
    return _plain(cfn_yaml.load(str(TEMPLATE)))


@pytest.fixture(scope="module")
def resources(template: dict[str, Any]) -> dict[str, Any]:
    return template["Resources"]


def tool(name: str) -> str:
    for candidate in (Path(sys.executable).parent / name, ROOT / ".venv" / "bin" / name):
        if candidate.exists():
            return str(candidate)
    found = shutil.which(name)
    if not found:
        pytest.fail(f"{name} is not installed (expected in the project virtual environment)")
    return found


def tool_env() -> dict[str, str]:
    env = dict(os.environ)
    env["SAM_CLI_TELEMETRY"] = "0"
    env.setdefault("AWS_DEFAULT_REGION", REGION)
    env["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{env.get('PATH', '')}"
    return env


def functions(resources: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in resources.items() if v["Type"] == "AWS::Serverless::Function"}


def ref_target(value: Any) -> str:
    """Logical id (and suffix) a Resource value points at, or the literal string."""
    if isinstance(value, dict):
        if "Fn::GetAtt" in value:
            target = value["Fn::GetAtt"]
            target = target.split(".") if isinstance(target, str) else target
            assert target[1] == "Arn", value
            return target[0]
        if "Ref" in value:
            return value["Ref"]
        if "Fn::Sub" in value:
            text = value["Fn::Sub"]
            text = text[0] if isinstance(text, list) else text
            if ":ses:" in text and ":identity/" in text:
                return "ses-identity"
            if ":ses:" in text and ":configuration-set/" in text:
                return "ses-configuration-set"
            if text.startswith("${") and text.endswith(".Arn}"):
                return text[2:-5]
            match = re.fullmatch(r"\$\{(\w+)\.Arn\}(/.*)?", text)
            assert match, f"unexpected resource expression {value}"
            return match.group(1) + (match.group(2) or "")
        raise AssertionError(f"unexpected resource expression {value}")
    return value


def as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


def statements(document: dict[str, Any]) -> list[dict[str, Any]]:
    return as_list(document["Statement"])


# ---------------------------------------------------------------------------- tools


def test_template_parses_as_a_sam_template(template: dict[str, Any]) -> None:
    assert template["Transform"] == "AWS::Serverless-2016-10-31"
    assert {"Parameters", "Globals", "Resources", "Outputs"} <= template.keys()


def test_template_uses_no_yaml_anchor_or_alias() -> None:
    """CloudFormation's YAML parser rejects aliases; write every value out."""
    events = yaml.parse(TEMPLATE.read_text(encoding="utf-8"))
    anchors = [e for e in events if isinstance(e, yaml.AliasEvent) or getattr(e, "anchor", None)]
    assert anchors == []


def test_cfn_lint_reports_nothing() -> None:
    result = subprocess.run(
        [tool("cfn-lint"), "--include-checks", "I", "--format", "parseable", str(TEMPLATE)],
        capture_output=True,
        text=True,
        env=tool_env(),
        cwd=ROOT,
        check=False,
    )
    assert (result.returncode, result.stdout.strip(), result.stderr.strip()) == (0, "", "")


def test_sam_validate_lint_passes() -> None:
    result = subprocess.run(
        [tool("sam"), "validate", "--lint", "--template-file", str(TEMPLATE), "--region", REGION],
        capture_output=True,
        text=True,
        env=tool_env(),
        cwd=ROOT,
        check=False,
        timeout=300,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def checkov(path: Path) -> dict[str, Any]:
    """checkov's JSON report of one template (--skip-download keeps it offline), with its exit code."""
    command = [tool("checkov"), "--file", str(path), "--framework", "cloudformation", "--compact"]
    command += ["--skip-download", "--output", "json"]
    result = subprocess.run(command, capture_output=True, text=True, env=tool_env(), cwd=ROOT, check=False, timeout=600)
    assert result.stdout.strip(), result.stderr
    report = json.loads(result.stdout)
    report = report[0] if isinstance(report, list) else report
    report["returncode"] = result.returncode
    return dict(report)


@pytest.fixture(scope="module")
def checkov_report() -> dict[str, Any]:
    """One checkov scan per session (it takes seconds)."""
    return checkov(TEMPLATE)


def test_checkov_finds_no_failed_check(checkov_report: dict[str, Any]) -> None:
    failed = [f"{c['check_id']} {c['resource']}: {c['check_name']}" for c in checkov_report["results"]["failed_checks"]]
    assert failed == []
    assert checkov_report["summary"]["parsing_errors"] == 0
    assert checkov_report["summary"]["passed"] > 0
    assert checkov_report["returncode"] == 0


def test_every_checkov_skip_has_a_written_reason(checkov_report: dict[str, Any]) -> None:
    skipped = checkov_report["results"]["skipped_checks"]
    without_reason = [
        f"{c['check_id']} {c['resource']}"
        for c in skipped
        if len((c.get("check_result") or {}).get("suppress_comment") or "") < 20
    ]
    assert without_reason == []


def test_checkov_skips_in_the_template_are_well_formed(resources: dict[str, Any]) -> None:
    for name, resource in resources.items():
        skips = resource.get("Metadata", {}).get("checkov", {}).get("skip", [])
        for skip in skips:
            assert re.fullmatch(r"CKV2?_AWS_\d+", skip["id"]), (name, skip)
            assert len(skip.get("comment", "").strip()) >= 20, (name, skip)
        ids = [s["id"] for s in skips]
        assert len(ids) == len(set(ids)), (name, ids)


def test_cfn_lint_ignores_are_justified(template: dict[str, Any]) -> None:
    config = template.get("Metadata", {}).get("cfn-lint", {}).get("config", {})
    assert config.get("ignore_checks", []) == [], "every ignored cfn-lint rule must be listed here with a reason"


# ---------------------------------------------------------------------------- parameters, outputs


def test_parameters_have_the_fixed_names_and_defaults(template: dict[str, Any]) -> None:
    params = template["Parameters"]
    defaults = {
        "TemporaryPasswordDays": 7,
        "ResetLinkMinutes": 60,
        "Argon2MemoryKiB": 19456,
        "Argon2TimeCost": 2,
        "Argon2Parallelism": 1,
        "SessionIdleMinutes": 30,
        "SessionAbsoluteHours": 12,
        "LogRetentionDays": 365,
        "StageName": "prod",
    }
    for name, default in defaults.items():
        assert params[name]["Default"] == default, name
        assert params[name].get("Description"), name
    for name in ("SenderEmail", "PortalUrl"):
        assert "Default" not in params[name], name
    assert params["Argon2MemoryKiB"]["MinValue"] >= 19456  # OWASP minimum, SPEC §6
    assert params["Argon2TimeCost"]["MinValue"] >= 2
    assert params["Argon2Parallelism"]["MinValue"] >= 1
    assert "cycle" in params["PortalUrl"]["Description"]


@pytest.mark.parametrize(
    ("value", "accepted"),
    [
        ("https://d111111abcdef8.cloudfront.net", True),
        ("https://cmi.example.gouv.fr", True),
        ("https://cmi.example.gouv.fr/", False),
        ("https://cmi.example.gouv.fr/portal", False),
        ("http://cmi.example.gouv.fr", False),
    ],
)
def test_portal_url_must_be_a_bare_https_origin(template: dict[str, Any], value: str, accepted: bool) -> None:
    pattern = template["Parameters"]["PortalUrl"]["AllowedPattern"]
    assert bool(re.fullmatch(pattern, value)) is accepted


def test_outputs_name_everything_ops_and_the_local_tools_read(template: dict[str, Any]) -> None:
    assert {
        "PortalUrl",
        "DistributionDomainName",
        "DistributionId",
        "SiteBucketName",
        "AccountsTableName",
        "TokensTableName",
        "ThrottleTableName",
        "MailQueueUrl",
        "SenderEmail",
    } <= template["Outputs"].keys()
    assert template["Outputs"]["PortalUrl"]["Value"] == {"Ref": "PortalUrl"}


# ---------------------------------------------------------------------------- functions, layer, API


def test_globals_give_every_function_the_runtime_layer_and_environment(template: dict[str, Any]) -> None:
    glob = template["Globals"]["Function"]
    assert glob["Runtime"] == "python3.11"
    assert glob["Architectures"] == ["x86_64"]
    # Chosen by `make bench` (coldstart: memory): peak RSS ~120 MB, a warm login's CPU under 150 ms at 1024 MB.
    assert glob["MemorySize"] >= 1024
    assert glob["Tracing"] == "Active"
    assert glob["Layers"] == [{"Ref": "CommonLayer"}]
    assert glob["Environment"]["Variables"] == ENVIRONMENT


def test_common_layer_is_built_by_its_makefile_for_python311(resources: dict[str, Any]) -> None:
    layer = resources["CommonLayer"]
    assert layer["Type"] == "AWS::Serverless::LayerVersion"
    # layers/common/Makefile: wheels for python3.11 x86_64 and bytecode (tests/template/test_sam_build.py).
    assert layer["Metadata"]["BuildMethod"] == "makefile"
    assert "build-CommonLayer:" in (ROOT / "layers" / "common" / "Makefile").read_text(encoding="utf-8")
    assert layer["Properties"]["ContentUri"] == "layers/common/"
    assert layer["Properties"]["CompatibleRuntimes"] == ["python3.11"]
    assert layer["Properties"]["CompatibleArchitectures"] == ["x86_64"]


def test_there_is_one_function_per_folder(resources: dict[str, Any]) -> None:
    assert {k: v["Properties"]["CodeUri"] for k, v in functions(resources).items()} == FUNCTIONS


@pytest.mark.parametrize("name", sorted(FUNCTIONS))
def test_function_handler_and_code_exist(resources: dict[str, Any], name: str) -> None:
    props = resources[name]["Properties"]
    assert props["Handler"] == "app.lambda_handler"
    code = ROOT / props["CodeUri"]
    assert (code / "app.py").is_file(), f"{code}/app.py is missing"
    assert "lambda_handler" in (code / "app.py").read_text(encoding="utf-8")


@pytest.mark.parametrize("name", sorted(FUNCTIONS))
def test_function_logs_to_its_own_group_with_retention(resources: dict[str, Any], name: str) -> None:
    group = resources[name]["Properties"]["LoggingConfig"]["LogGroup"]["Ref"]
    assert resources[group]["Type"] == "AWS::Logs::LogGroup"
    assert resources[group]["Properties"]["RetentionInDays"] == {"Ref": "LogRetentionDays"}


def test_api_routes_are_exactly_the_contract(resources: dict[str, Any]) -> None:
    routes = {}
    for name, function in functions(resources).items():
        for event_name, event in function["Properties"].get("Events", {}).items():
            if event["Type"] == "Api":
                assert event["Properties"]["RestApiId"] == {"Ref": "Api"}
                routes[(name, event_name)] = (event["Properties"]["Method"].upper(), event["Properties"]["Path"])
    declared = {key: route for key, route in routes.items() if route[0] != "ANY"}
    assert declared == ROUTES
    # Each path also takes ANY on the function that owns it: undeclared methods get its 405, not a 403.
    other_methods = {(name, route[1]) for (name, _), route in routes.items() if route[0] == "ANY"}
    assert other_methods == {(name, path) for (name, _), (_, path) in ROUTES.items()}


def test_mailer_consumes_the_mail_queue_with_partial_batch_failures(resources: dict[str, Any]) -> None:
    mailer = resources["MailerFunction"]["Properties"]
    event = mailer["Events"]["MailQueueEvent"]
    assert event["Type"] == "SQS"
    assert event["Properties"]["Queue"] == {"Fn::GetAtt": ["MailQueue", "Arn"]}
    assert event["Properties"]["BatchSize"] == 10
    assert event["Properties"]["FunctionResponseTypes"] == ["ReportBatchItemFailures"]


def test_mail_queue_outlives_mailer_retries_and_dead_letters(template: dict[str, Any]) -> None:
    resources = template["Resources"]
    queue = resources["MailQueue"]["Properties"]
    timeout = resources["MailerFunction"]["Properties"].get("Timeout", template["Globals"]["Function"]["Timeout"])
    assert queue["VisibilityTimeout"] >= 6 * timeout
    assert queue["RedrivePolicy"] == {
        "deadLetterTargetArn": {"Fn::GetAtt": ["MailDeadLetterQueue", "Arn"]},
        "maxReceiveCount": 5,
    }
    dlq = resources["MailDeadLetterQueue"]["Properties"]
    assert dlq["MessageRetentionPeriod"] == 14 * 24 * 3600
    for props in (queue, dlq):
        assert props.get("SqsManagedSseEnabled") is True or props.get("KmsMasterKeyId")


def test_api_stage_is_throttled_traced_and_access_logged(resources: dict[str, Any]) -> None:
    api = resources["Api"]["Properties"]
    assert api["StageName"] == {"Ref": "StageName"}
    assert api["TracingEnabled"] is True
    [settings] = [s for s in api["MethodSettings"] if s["ResourcePath"] == "/*" and s["HttpMethod"] == "*"]
    assert 0 < settings["ThrottlingRateLimit"] <= settings["ThrottlingBurstLimit"]
    assert settings["LoggingLevel"] in {"ERROR", "INFO"}
    assert settings["DataTraceEnabled"] is False  # request bodies carry passwords
    access = api["AccessLogSetting"]
    group = access["DestinationArn"]["Fn::GetAtt"][0]
    assert resources[group]["Properties"]["RetentionInDays"] == {"Ref": "LogRetentionDays"}
    fields = json.loads(access["Format"])
    assert {"requestId", "sourceIp", "status", "path", "method", "responseLatency"} <= fields.keys()


def test_api_gateway_can_write_its_logs(resources: dict[str, Any]) -> None:
    """Access logs need the account-level CloudWatch role; the API waits for it."""
    account = resources["ApiGatewayAccount"]
    assert account["Type"] == "AWS::ApiGateway::Account"
    # A per-region singleton: optional, so two stacks in one region do not fight over it.
    assert account["Condition"] == "ConfigureApiGatewayAccountCondition"
    condition, waits, plain = resources["Api"]["Properties"]["Description"]["Fn::If"]
    assert condition == "ConfigureApiGatewayAccountCondition" and "${ApiGatewayAccount}" in waits["Fn::Sub"]
    role = account["Properties"]["CloudWatchRoleArn"]["Fn::GetAtt"][0]
    assert resources[role]["Condition"] == "ConfigureApiGatewayAccountCondition"
    assert resources[role]["DeletionPolicy"] == "Retain"  # other APIs of the account keep logging


# ---------------------------------------------------------------------------- IAM


def _function_statements(resources: dict[str, Any], name: str) -> list[dict[str, Any]]:
    """The statements of a function's inline policies, or of its own role's."""
    props = resources[name]["Properties"]
    if "Role" in props:
        role = resources[props["Role"]["Fn::GetAtt"][0]]["Properties"]
        return [s for policy in role["Policies"] for s in statements(policy["PolicyDocument"])]
    found = []
    for policy in props.get("Policies", []):
        assert isinstance(policy, dict), f"only inline policy documents, got {policy}"
        assert "Statement" in policy, f"only inline policy documents, got {policy}"
        found.extend(statements(policy))
    return found


@pytest.mark.parametrize("name", sorted(FUNCTIONS))
def test_function_statements_only_allow_named_resources(resources: dict[str, Any], name: str) -> None:
    for statement in _function_statements(resources, name):
        assert statement["Effect"] == "Allow"
        assert "NotAction" not in statement and "NotResource" not in statement
        wildcard = [r for r in as_list(statement["Resource"]) if r == "*"]
        # X-Ray has no resource-level permissions: its two write actions are the one exception.
        assert not wildcard or set(as_list(statement["Action"])) <= XRAY_WRITE, statement


def test_ses_permission_is_scoped_to_the_sender_identity(resources: dict[str, Any]) -> None:
    [statement] = [s for s in _function_statements(resources, "MailerFunction") if "ses:SendEmail" in s["Action"]]
    texts = [r["Fn::Sub"] if isinstance(r["Fn::Sub"], str) else r["Fn::Sub"][0] for r in statement["Resource"]]
    assert "arn:${AWS::Partition}:ses:${AWS::Region}:${AWS::AccountId}:identity/${SenderEmail}" in texts
    prefix = "arn:${AWS::Partition}:ses:${AWS::Region}:${AWS::AccountId}:"
    allowed = (f"{prefix}identity/", f"{prefix}configuration-set/${{MailConfigurationSet}}")
    assert all(t.startswith(allowed) for t in texts)


def test_no_allow_statement_uses_a_wildcard_action_or_resource(resources: dict[str, Any]) -> None:
    """Allow statements never use "*" actions; "*" resources only as S3 object keys of one bucket."""
    problems = []
    for name, resource in resources.items():
        props = resource.get("Properties", {})
        documents = []
        if resource["Type"] == "AWS::Serverless::Function":
            documents = [p for p in props.get("Policies", []) if isinstance(p, dict)]
        elif resource["Type"] == "AWS::IAM::Role":
            documents = [p["PolicyDocument"] for p in props.get("Policies", [])]
            for arn in props.get("ManagedPolicyArns", []):
                text = arn["Fn::Sub"] if isinstance(arn, dict) else arn
                policy = text.rsplit("/", 1)[-1]
                if policy not in ALLOWED_MANAGED_POLICIES:
                    problems.append(f"{name}: managed policy {policy} without a listed reason")
        elif resource["Type"] in {"AWS::S3::BucketPolicy", "AWS::SQS::QueuePolicy"}:
            documents = [props["PolicyDocument"]]
        for document in documents:
            for statement in statements(document):
                if statement["Effect"] != "Allow":
                    continue  # a broad Deny only narrows access
                for action in as_list(statement.get("Action", [])):
                    if "*" in action:
                        problems.append(f"{name}: action {action}")
                if "NotAction" in statement or "NotResource" in statement:
                    problems.append(f"{name}: NotAction/NotResource")
                for target in as_list(statement.get("Resource", [])):
                    text = target.get("Fn::Sub", json.dumps(target)) if isinstance(target, dict) else target
                    if text == "*" and set(as_list(statement["Action"])) <= XRAY_WRITE:
                        continue  # X-Ray has no resource-level permissions
                    if "*" in text and not re.fullmatch(r"\$\{\w+Bucket\.Arn\}(/[\w-]+)*/\*", text):
                        problems.append(f"{name}: resource {text}")
                principal = statement.get("Principal")
                if principal is not None and (principal == "*" or "AWS" in principal):
                    problems.append(f"{name}: Allow to principal {principal}")
    assert problems == []


# ---------------------------------------------------------------------------- DynamoDB


def _key(props: dict[str, Any]) -> list[dict[str, str]]:
    types = {a["AttributeName"]: a["AttributeType"] for a in props["AttributeDefinitions"]}
    return [
        {"name": k["AttributeName"], "kind": k["KeyType"], "type": types[k["AttributeName"]]}
        for k in props["KeySchema"]
    ]


@pytest.mark.parametrize("name", ["AccountsTable", "TokensTable", "ThrottleTable"])
def test_tables_are_on_demand_encrypted_and_recoverable(resources: dict[str, Any], name: str) -> None:
    props = resources[name]["Properties"]
    assert resources[name]["Type"] == "AWS::DynamoDB::Table"
    assert props["BillingMode"] == "PAY_PER_REQUEST"
    assert _key(props) == [{"name": "pk", "kind": "HASH", "type": "S"}]
    assert props["PointInTimeRecoverySpecification"] == {"PointInTimeRecoveryEnabled": True}
    assert props["SSESpecification"]["SSEEnabled"] is True


def test_accounts_table_is_retained_and_indexed_by_email_and_organisation(resources: dict[str, Any]) -> None:
    accounts = resources["AccountsTable"]
    assert accounts["DeletionPolicy"] == "Retain"
    assert accounts["UpdateReplacePolicy"] == "Retain"
    assert accounts["Properties"]["DeletionProtectionEnabled"] is True
    by_email, by_org = accounts["Properties"]["GlobalSecondaryIndexes"]
    assert by_email["IndexName"] == "email-index"
    assert by_email["KeySchema"] == [{"AttributeName": "email_lower", "KeyType": "HASH"}]
    # The référent area lists an organisation by last name with one Query (no Scan).
    assert by_org["IndexName"] == "org-index"
    assert by_org["KeySchema"] == [
        {"AttributeName": "org_code", "KeyType": "HASH"},
        {"AttributeName": "agent_sort", "KeyType": "RANGE"},
    ]
    for name in ("email_lower", "org_code", "agent_sort"):
        assert {"AttributeName": name, "AttributeType": "S"} in accounts["Properties"]["AttributeDefinitions"]
    assert by_email["Projection"]["ProjectionType"] == by_org["Projection"]["ProjectionType"] == "ALL"


def test_journal_table_is_kept_by_organisation_for_the_audit_retention(resources: dict[str, Any]) -> None:
    journal = resources["JournalTable"]
    assert journal["DeletionPolicy"] == "Retain"
    props = journal["Properties"]
    assert props["KeySchema"] == [
        {"AttributeName": "pk", "KeyType": "HASH"},
        {"AttributeName": "sk", "KeyType": "RANGE"},
    ]
    assert props["TimeToLiveSpecification"] == {"AttributeName": "expires_ttl", "Enabled": True}
    assert props["PointInTimeRecoverySpecification"] == {"PointInTimeRecoveryEnabled": True}


@pytest.mark.parametrize("name", ["TokensTable", "ThrottleTable"])
def test_tokens_and_throttle_items_expire_by_ttl(resources: dict[str, Any], name: str) -> None:
    assert resources[name]["Properties"]["TimeToLiveSpecification"] == {"AttributeName": "expires_ttl", "Enabled": True}


# ---------------------------------------------------------------------------- static site, CloudFront


def test_site_bucket_is_private_encrypted_and_versioned(resources: dict[str, Any]) -> None:
    props = resources["SiteBucket"]["Properties"]
    assert props["PublicAccessBlockConfiguration"] == {
        "BlockPublicAcls": True,
        "BlockPublicPolicy": True,
        "IgnorePublicAcls": True,
        "RestrictPublicBuckets": True,
    }
    assert props["BucketEncryption"]["ServerSideEncryptionConfiguration"]
    assert props["OwnershipControls"] == {"Rules": [{"ObjectOwnership": "BucketOwnerEnforced"}]}
    assert props["VersioningConfiguration"] == {"Status": "Enabled"}


def test_only_the_distribution_reads_the_site_bucket_and_only_over_tls(resources: dict[str, Any]) -> None:
    policy = resources["SiteBucketPolicy"]["Properties"]
    assert policy["Bucket"] == {"Ref": "SiteBucket"}
    allows = [s for s in statements(policy["PolicyDocument"]) if s["Effect"] == "Allow"]
    denies = [s for s in statements(policy["PolicyDocument"]) if s["Effect"] == "Deny"]
    [allow] = allows
    assert allow["Principal"] == {"Service": "cloudfront.amazonaws.com"}
    assert allow["Action"] in ("s3:GetObject", ["s3:GetObject"])
    source = allow["Condition"]["StringEquals"]["AWS:SourceArn"]["Fn::Sub"]
    assert source.endswith(":distribution/${Distribution}")
    assert any(d["Condition"] == {"Bool": {"aws:SecureTransport": "false"}} for d in denies)


def test_origin_access_control_signs_every_s3_request(resources: dict[str, Any]) -> None:
    config = resources["SiteOriginAccessControl"]["Properties"]["OriginAccessControlConfig"]
    assert (config["OriginAccessControlOriginType"], config["SigningBehavior"], config["SigningProtocol"]) == (
        "s3",
        "always",
        "sigv4",
    )


def test_response_headers_follow_spec(resources: dict[str, Any]) -> None:
    """SPEC §6: CSP without inline script, HSTS 1 year, nosniff, frame denial, no referrer.

    The values are plain strings: the local portal serves the same headers from here.
    """
    headers = resources["SecurityHeadersPolicy"]["Properties"]["ResponseHeadersPolicyConfig"]["SecurityHeadersConfig"]
    csp = headers["ContentSecurityPolicy"]
    assert csp["ContentSecurityPolicy"] == SPEC_CSP
    directives = {d.split()[0]: d.split()[1:] for d in csp["ContentSecurityPolicy"].split("; ")}
    assert directives["script-src"] == ["'self'"]
    assert "'unsafe-inline'" not in csp["ContentSecurityPolicy"]
    assert "'unsafe-eval'" not in csp["ContentSecurityPolicy"]
    assert directives["frame-ancestors"] == ["'none'"]
    hsts = headers["StrictTransportSecurity"]
    assert hsts["AccessControlMaxAgeSec"] >= 31536000
    assert hsts["IncludeSubdomains"] is True
    assert headers["FrameOptions"]["FrameOption"] == "DENY"
    assert headers["ReferrerPolicy"]["ReferrerPolicy"] == "no-referrer"
    for name in (
        "ContentSecurityPolicy",
        "StrictTransportSecurity",
        "ContentTypeOptions",
        "FrameOptions",
        "ReferrerPolicy",
    ):
        assert headers[name]["Override"] is True, name


def test_distribution_serves_the_site_and_forwards_api_uncached(resources: dict[str, Any]) -> None:
    config = resources["Distribution"]["Properties"]["DistributionConfig"]
    assert config["DefaultRootObject"] == "index.html"
    assert config["HttpVersion"] == "http2and3"
    assert config["PriceClass"] == "PriceClass_100"
    origins = {o["Id"]: o for o in config["Origins"]}

    default = config["DefaultCacheBehavior"]
    site = origins[default["TargetOriginId"]]
    assert site["DomainName"] == {"Fn::GetAtt": ["SiteBucket", "RegionalDomainName"]}
    assert site["OriginAccessControlId"] == {"Fn::GetAtt": ["SiteOriginAccessControl", "Id"]}
    assert default["ViewerProtocolPolicy"] == "redirect-to-https"
    assert default["CachePolicyId"] == CACHING_OPTIMIZED
    assert default["ResponseHeadersPolicyId"] == {"Ref": "SecurityHeadersPolicy"}

    [api] = [b for b in config["CacheBehaviors"] if b["PathPattern"] == "/api/*"]
    origin = origins[api["TargetOriginId"]]
    assert origin["DomainName"] == {"Fn::Sub": "${Api}.execute-api.${AWS::Region}.amazonaws.com"}
    assert origin["OriginPath"] == {"Fn::Sub": "/${StageName}"}
    assert origin["CustomOriginConfig"]["OriginProtocolPolicy"] == "https-only"
    assert api["ViewerProtocolPolicy"] in {"https-only", "redirect-to-https"}
    assert api["CachePolicyId"] == CACHING_DISABLED
    assert api["OriginRequestPolicyId"] == {"Ref": "ApiOriginRequestPolicy"}
    forwarded = resources["ApiOriginRequestPolicy"]["Properties"]["OriginRequestPolicyConfig"]
    # Host must stay the API's own; the per-source throttle needs the viewer's address from CloudFront.
    assert forwarded["HeadersConfig"]["HeaderBehavior"] == "whitelist"
    assert set(forwarded["HeadersConfig"]["Headers"]) == {"Origin", "Content-Type", "CloudFront-Viewer-Address"}
    assert forwarded["CookiesConfig"]["CookieBehavior"] == "all"
    assert set(api["AllowedMethods"]) == {"GET", "HEAD", "OPTIONS", "PUT", "PATCH", "POST", "DELETE"}
    assert api["ResponseHeadersPolicyId"] == {"Ref": "SecurityHeadersPolicy"}


def test_distribution_does_not_rewrite_api_errors(resources: dict[str, Any]) -> None:
    """Custom error responses apply to every behaviour: they would turn API 401/404 JSON into HTML."""
    assert "CustomErrorResponses" not in resources["Distribution"]["Properties"]["DistributionConfig"]


# ---------------------------------------------------------------------------- WAF (waf.yaml, us-east-1)

WAF_TEMPLATE = ROOT / "waf.yaml"


@pytest.fixture(scope="module")
def waf() -> dict[str, Any]:
    return _plain(cfn_yaml.load(str(WAF_TEMPLATE)))["Resources"]["WebAcl"]["Properties"]


def test_waf_template_passes_cfn_lint_and_checkov() -> None:
    lint = subprocess.run([tool("cfn-lint"), str(WAF_TEMPLATE)], capture_output=True, text=True, check=False)
    assert lint.returncode == 0, lint.stdout + lint.stderr
    report = checkov(WAF_TEMPLATE)
    assert report["results"]["failed_checks"] == []


def test_waf_limits_login_and_recovery_per_source_ip_with_a_french_429(waf: dict[str, Any]) -> None:
    assert waf["Scope"] == "CLOUDFRONT"
    rules = {r["Name"]: r for r in waf["Rules"]}
    for name, prefix in (("login-per-ip", "/api/login"), ("recovery-per-ip", "/api/forgot-")):
        rate = rules[name]["Statement"]["RateBasedStatement"]
        assert rate["AggregateKeyType"] == "IP"  # the viewer's address as CloudFront sees it, never a header
        match = rate["ScopeDownStatement"]["ByteMatchStatement"]
        assert (match["SearchString"], match["PositionalConstraint"]) == (prefix, "STARTS_WITH")
        block = rules[name]["Action"]["Block"]["CustomResponse"]
        assert block["ResponseCode"] == 429
        body = json.loads(waf["CustomResponseBodies"][block["CustomResponseBodyKey"]]["Content"])
        assert "réessayer" in body["message"]
    managed = {r["Statement"]["ManagedRuleGroupStatement"]["Name"] for r in waf["Rules"] if "OverrideAction" in r}
    assert managed == {"AWSManagedRulesAmazonIpReputationList", "AWSManagedRulesKnownBadInputsRuleSet"}


def test_the_distribution_takes_the_web_acl_of_its_parameter(template: dict[str, Any]) -> None:
    config = template["Resources"]["Distribution"]["Properties"]["DistributionConfig"]
    assert config["WebACLId"] == {"Fn::If": ["HasWebAcl", {"Ref": "WebAclArn"}, {"Ref": "AWS::NoValue"}]}
    assert re.fullmatch(template["Parameters"]["WebAclArn"]["AllowedPattern"], "")
    arn = "arn:aws:wafv2:us-east-1:123456789012:global/webacl/cmi/0123abcd"
    assert re.fullmatch(template["Parameters"]["WebAclArn"]["AllowedPattern"], arn)
    assert not re.fullmatch(
        template["Parameters"]["WebAclArn"]["AllowedPattern"], arn.replace("us-east-1", "eu-west-3")
    )


# ---------------------------------------------------------------------------- alarms, paging, dashboard (issue 14)


def alarms(resources: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {k: v["Properties"] for k, v in resources.items() if v["Type"] == "AWS::CloudWatch::Alarm"}


def alarm_metrics(props: dict[str, Any]) -> list[dict[str, Any]]:
    """Every metric an alarm reads: its single metric, or each metric of its metric math."""
    if "MetricName" in props:
        return [
            {
                "Namespace": props["Namespace"],
                "MetricName": props["MetricName"],
                "Dimensions": props.get("Dimensions", []),
            }
        ]
    return [m["MetricStat"]["Metric"] for m in props["Metrics"] if "MetricStat" in m]


def as_sub(value: Any) -> str:
    """A dimension value as the dashboard's !Sub body writes it."""
    if isinstance(value, str):
        return value
    if "Ref" in value:
        return "${{{}}}".format(value["Ref"])
    if "Fn::GetAtt" in value:
        return "${{{}}}".format(".".join(value["Fn::GetAtt"]))
    if "Fn::Sub" in value and isinstance(value["Fn::Sub"], str):
        return str(value["Fn::Sub"])
    raise AssertionError(f"dimension value the dashboard cannot name: {value}")


def metric_key(metric: dict[str, Any]) -> tuple[str, str, frozenset[tuple[str, str]]]:
    dims = frozenset((d["Name"], as_sub(d["Value"])) for d in metric.get("Dimensions", []))
    return (metric["Namespace"], metric["MetricName"], dims)


def _dashboard_body(resources: dict[str, Any]) -> dict[str, Any]:
    body = resources["OperationsDashboard"]["Properties"]["DashboardBody"]
    assert set(body) == {"Fn::Sub"} and isinstance(body["Fn::Sub"], str), "the body is one !Sub string"
    parsed: dict[str, Any] = json.loads(body["Fn::Sub"])
    return parsed


def dashboard_metrics(resources: dict[str, Any]) -> set[tuple[str, str, frozenset[tuple[str, str]]]]:
    found = set()
    for widget in _dashboard_body(resources)["widgets"]:
        for entry in widget["properties"].get("metrics", []):
            if isinstance(entry[0], dict):  # an expression
                continue
            names = [x for x in entry if isinstance(x, str)]
            namespace, name, dims = names[0], names[1], names[2:]
            found.add((namespace, name, frozenset(zip(dims[0::2], dims[1::2], strict=False))))
    return found


def test_every_alarm_notifies_the_alarm_topic_when_it_fires_and_when_it_clears(resources: dict[str, Any]) -> None:
    assert len(alarms(resources)) >= 20
    for name, props in alarms(resources).items():
        assert props.get("ActionsEnabled", True) is True, name
        assert props["AlarmActions"] == [{"Ref": "AlarmTopic"}], name
        assert props["OKActions"] == [{"Ref": "AlarmTopic"}], name
        assert props["TreatMissingData"] in {"notBreaching", "ignore", "breaching", "missing"}, name
        assert "docs/operations.md" in str(props["AlarmDescription"]), name


def test_alarm_topic_is_encrypted_with_a_key_cloudwatch_may_use(template: dict[str, Any]) -> None:
    resources = template["Resources"]
    assert resources["AlarmTopic"]["Properties"]["KmsMasterKeyId"] == {"Ref": "AlarmTopicKey"}
    key = resources["AlarmTopicKey"]["Properties"]
    assert key["EnableKeyRotation"] is True
    cloudwatch = [
        s for s in key["KeyPolicy"]["Statement"] if s.get("Principal") == {"Service": "cloudwatch.amazonaws.com"}
    ]
    assert len(cloudwatch) == 1
    assert set(cloudwatch[0]["Action"]) == {"kms:Decrypt", "kms:GenerateDataKey*"}
    assert cloudwatch[0]["Condition"] == {"StringEquals": {"aws:SourceAccount": {"Ref": "AWS::AccountId"}}}
    subscription = resources["AlarmEmailSubscription"]
    assert subscription["Condition"] == "HasAlarmEmail"
    assert template["Conditions"]["HasAlarmEmail"] == {"Fn::Not": [{"Fn::Equals": [{"Ref": "AlarmEmail"}, ""]}]}
    assert subscription["Properties"] == {
        "TopicArn": {"Ref": "AlarmTopic"},
        "Protocol": "email",
        "Endpoint": {"Ref": "AlarmEmail"},
    }
    pattern = template["Parameters"]["AlarmEmail"]["AllowedPattern"]
    assert template["Parameters"]["AlarmEmail"]["Default"] == ""
    assert re.fullmatch(pattern, "") and re.fullmatch(pattern, "astreinte@example.gouv.fr")
    assert not re.fullmatch(pattern, "astreinte")


@pytest.mark.parametrize("name", FUNCTIONS)
@pytest.mark.parametrize("metric", ["Errors", "Throttles"])
def test_every_function_has_an_errors_and_a_throttles_alarm(resources: dict[str, Any], name: str, metric: str) -> None:
    assert set(FUNCTIONS) == set(functions(resources))
    watching = [
        props
        for props in alarms(resources).values()
        for m in alarm_metrics(props)
        if (m["Namespace"], m["MetricName"]) == ("AWS/Lambda", metric)
        and {"Name": "FunctionName", "Value": {"Ref": name}} in m["Dimensions"]
    ]
    assert len(watching) == 1, (name, metric)
    props = watching[0]
    assert (props["Statistic"], props["Threshold"], props["ComparisonOperator"]) == ("Sum", 0, "GreaterThanThreshold")
    assert props["TreatMissingData"] == "notBreaching"  # an error counter with no point counted nothing


APPLICATION_ALARMS = {
    # metric: (threshold, period in seconds)
    "LoginFailed": ({"Ref": "LoginFailedThreshold"}, 300),
    "IdentifierBlocked": ({"Ref": "IdentifierBlockedThreshold"}, 900),
    "MailFailed": (0, 300),
}


@pytest.mark.parametrize("metric", APPLICATION_ALARMS)
def test_application_metric_alarms_read_what_the_code_emits(template: dict[str, Any], metric: str) -> None:
    variables = template["Globals"]["Function"]["Environment"]["Variables"]
    namespace, service = variables["POWERTOOLS_METRICS_NAMESPACE"], variables["POWERTOOLS_SERVICE_NAME"]
    code = "\n".join(p.read_text(encoding="utf-8") for p in (ROOT / "layers" / "common" / "cmi").rglob("*.py"))
    assert f'count("{metric}")' in code, f"the code no longer emits {metric}"
    observability = (ROOT / "layers" / "common" / "cmi" / "observability.py").read_text(encoding="utf-8")
    assert "Metrics()" in observability, "metrics are Powertools' with its default service dimension"
    watching = [p for p in alarms(template["Resources"]).values() if p.get("MetricName") == metric]
    assert len(watching) == 1, metric
    props = watching[0]
    assert props["Namespace"] == namespace
    assert props["Dimensions"] == [{"Name": "service", "Value": service}]
    threshold, period = APPLICATION_ALARMS[metric]
    assert (props["Statistic"], props["Threshold"], props["Period"]) == ("Sum", threshold, period)
    assert props["ComparisonOperator"] == "GreaterThanThreshold"
    assert props["TreatMissingData"] == "notBreaching"


def test_login_baselines_are_parameters_with_sensible_defaults(template: dict[str, Any]) -> None:
    params = template["Parameters"]
    assert params["LoginFailedThreshold"]["Default"] == 200
    assert params["IdentifierBlockedThreshold"]["Default"] == 10


def test_api_5xx_rate_alarm_watches_the_stage(resources: dict[str, Any]) -> None:
    props = alarms(resources)["ApiServerErrorRateAlarm"]
    api_name = resources["Api"]["Properties"]["Name"]
    stage = resources["Api"]["Properties"]["StageName"]
    expression = [m for m in props["Metrics"] if m.get("ReturnData")]
    assert len(expression) == 1 and "errors / requests" in expression[0]["Expression"]
    metrics = {m["MetricName"]: m for m in alarm_metrics(props)}
    assert set(metrics) == {"5XXError", "Count"}
    for metric in metrics.values():
        assert metric["Namespace"] == "AWS/ApiGateway"
        assert metric["Dimensions"] == [{"Name": "ApiName", "Value": api_name}, {"Name": "Stage", "Value": stage}]
    assert props["Threshold"] == 5 and props["TreatMissingData"] == "notBreaching"


def test_mail_queues_are_watched(resources: dict[str, Any]) -> None:
    by_metric = {
        (m["MetricName"], as_sub(m["Dimensions"][0]["Value"])): props
        for props in alarms(resources).values()
        for m in alarm_metrics(props)
        if m["Namespace"] == "AWS/SQS"
    }
    age = by_metric[("ApproximateAgeOfOldestMessage", "${MailQueue.QueueName}")]
    assert age["Threshold"] <= 3600 and age["Statistic"] == "Maximum"
    depth = by_metric[("ApproximateNumberOfMessagesVisible", "${MailDeadLetterQueue.QueueName}")]
    assert (depth["Threshold"], depth["ComparisonOperator"]) == (0, "GreaterThanThreshold")


@pytest.mark.parametrize("table", ["AccountsTable", "TokensTable", "ThrottleTable", "JournalTable"])
def test_every_table_has_a_throttle_alarm(resources: dict[str, Any], table: str) -> None:
    tables = {k for k, v in resources.items() if v["Type"] == "AWS::DynamoDB::Table"}
    assert table in tables and len(tables) == 4
    watched = {
        m["MetricName"]
        for props in alarms(resources).values()
        for m in alarm_metrics(props)
        if m["Namespace"] == "AWS/DynamoDB" and m["Dimensions"] == [{"Name": "TableName", "Value": {"Ref": table}}]
    }
    assert watched == {"ReadThrottleEvents", "WriteThrottleEvents"}


def test_ses_reputation_alarms_and_event_publishing(template: dict[str, Any]) -> None:
    resources = template["Resources"]
    thresholds = {
        p["MetricName"]: (p["Threshold"], p["ComparisonOperator"])
        for p in alarms(resources).values()
        if p.get("Namespace") == "AWS/SES"
    }
    assert thresholds == {
        "Reputation.BounceRate": (0.05, "GreaterThanOrEqualToThreshold"),
        "Reputation.ComplaintRate": (0.001, "GreaterThanOrEqualToThreshold"),
    }
    assert resources["MailConfigurationSet"]["Type"] == "AWS::SES::ConfigurationSet"
    destination = resources["MailConfigurationSetCloudWatch"]["Properties"]
    assert destination["ConfigurationSetName"] == {"Ref": "MailConfigurationSet"}
    assert destination["EventDestination"]["Enabled"] is True
    assert {"bounce", "complaint", "reject", "delivery"} <= set(destination["EventDestination"]["MatchingEventTypes"])
    assert "CloudWatchDestination" in destination["EventDestination"]
    identity = resources["SenderIdentity"]["Properties"]
    assert identity["ConfigurationSetAttributes"] == {"ConfigurationSetName": {"Ref": "MailConfigurationSet"}}
    # The code does not name a configuration set: no variable the mailer would ignore.
    assert "SES_CONFIGURATION_SET" not in json.dumps(template)


def test_dashboard_shows_every_alarm_and_its_metrics(resources: dict[str, Any]) -> None:
    shown = dashboard_metrics(resources)
    for name, props in alarms(resources).items():
        for metric in alarm_metrics(props):
            assert metric_key(metric) in shown, (name, metric_key(metric))
    listed = [
        a for w in _dashboard_body(resources)["widgets"] if w["type"] == "alarm" for a in w["properties"]["alarms"]
    ]
    assert sorted(listed) == sorted(f"${{{name}.Arn}}" for name in alarms(resources))


def test_outputs_name_the_alarm_topic_and_the_dashboard(template: dict[str, Any]) -> None:
    outputs = template["Outputs"]
    assert outputs["AlarmTopicArn"]["Value"] == {"Ref": "AlarmTopic"}
    assert outputs["DashboardName"]["Value"] == {"Ref": "OperationsDashboard"}


def test_runbook_has_a_section_per_alarm(resources: dict[str, Any]) -> None:
    runbook = (ROOT / "docs" / "operations.md").read_text(encoding="utf-8")
    headings = set(re.findall(r"^#+ (.+)$", runbook, flags=re.MULTILINE))
    for name, props in alarms(resources).items():
        description = json.dumps(props["AlarmDescription"])
        section = re.search(r'docs/operations\.md, \\"([^\\]+)\\"', description)
        assert section, name
        assert section.group(1) in headings, (name, section.group(1))


# ---------------------------------------------------------------------------- operator policy


def test_the_operator_policy_grants_exactly_the_calls_cmi_admin_makes(resources: dict[str, Any]) -> None:
    """tests/integration/test_admin_cli.py records what each command calls on a stack; the policy is that set."""
    from tests.integration.test_admin_cli import EXPECTED_CALLS, SETTINGS_CALLS

    document = resources["OperatorPolicy"]["Properties"]["PolicyDocument"]
    granted = set()
    for statement in statements(document):
        assert statement["Effect"] == "Allow" and "NotAction" not in statement and "NotResource" not in statement
        for resource in as_list(statement["Resource"]):
            target = "stack" if resource == {"Ref": "AWS::StackId"} else ref_target(resource)
            granted.update((action, target) for action in as_list(statement["Action"]))
    assert granted == SETTINGS_CALLS | set().union(*EXPECTED_CALLS.values())
    outputs = _plain(cfn_yaml.load(str(TEMPLATE)))["Outputs"]
    assert outputs["OperatorPolicyArn"]["Value"] == {"Ref": "OperatorPolicy"}


# ---------------------------------------------------------------------------- safe deploys


def test_every_function_is_deployed_behind_an_alias_and_rolled_back_by_its_errors_alarm(
    template: dict[str, Any], resources: dict[str, Any]
) -> None:
    assert template["Globals"]["Function"]["AutoPublishAlias"] == "live"
    for name, function in functions(resources).items():
        preference = function["Properties"]["DeploymentPreference"]
        assert preference["Type"] == {"Ref": "DeploymentType"}
        assert preference["Alarms"] == [{"Ref": f"{name}ErrorsAlarm"}]
        alarm = resources[f"{name}ErrorsAlarm"]["Properties"]
        assert {"Name": "FunctionName", "Value": {"Ref": name}} in alarm["Dimensions"]
    assert template["Parameters"]["DeploymentType"]["Default"].startswith("Canary")


def test_the_stack_deletes_cleanly_and_expects_a_verified_sender(template: dict[str, Any]) -> None:
    resources = template["Resources"]
    # A versioned bucket cannot be deleted non-empty: kept, so deleting the stack does not fail on it.
    for name in ("SiteBucket", "LogsBucket"):
        assert resources[name]["DeletionPolicy"] == "Retain", name
        assert resources[name]["UpdateReplacePolicy"] == "Retain", name
    # Creating an identity that exists fails the deployment: the stack creates it only when asked.
    assert template["Parameters"]["CreateSenderIdentity"]["Default"] == "false"
    assert resources["SenderIdentity"]["Condition"] == "CreateSenderIdentityCondition"


# ---------------------------------------------------------------------------- origin secret


def test_only_cloudfront_reaches_the_api_and_no_output_names_its_endpoint(template: dict[str, Any]) -> None:
    resources = template["Resources"]
    assert resources["Api"]["Properties"]["Auth"]["ApiKeyRequired"] is True
    secret = {"Fn::Sub": "{{resolve:secretsmanager:${OriginSecret}}}"}
    assert resources["OriginApiKey"]["Properties"]["Value"] == secret
    assert resources["OriginApiKey"]["Properties"]["Enabled"] is True
    plan = resources["OriginUsagePlan"]["Properties"]["ApiStages"]
    assert plan == [{"ApiId": {"Ref": "Api"}, "Stage": {"Ref": "Api.Stage"}}]
    key = resources["OriginUsagePlanKey"]["Properties"]
    assert (key["KeyId"], key["UsagePlanId"]) == ({"Ref": "OriginApiKey"}, {"Ref": "OriginUsagePlan"})
    origins = resources["Distribution"]["Properties"]["DistributionConfig"]["Origins"]
    (api,) = [o for o in origins if o["Id"] == "ApiOrigin"]
    assert api["OriginCustomHeaders"] == [{"HeaderName": "x-api-key", "HeaderValue": secret}]
    # No event of a function opts out of the key.
    for function in functions(resources).values():
        for event in function["Properties"].get("Events", {}).values():
            assert "Auth" not in event.get("Properties", {}), event
    assert not [k for k, v in template["Outputs"].items() if "execute-api" in json.dumps(v)]


# ---------------------------------------------------------------------------- custom domain


def test_a_custom_domain_is_served_with_its_certificate_and_tls_1_2(template: dict[str, Any]) -> None:
    config = template["Resources"]["Distribution"]["Properties"]["DistributionConfig"]
    assert config["Aliases"] == {"Fn::If": ["HasCustomDomain", [{"Ref": "DomainName"}], {"Ref": "AWS::NoValue"}]}
    condition, custom, default = config["ViewerCertificate"]["Fn::If"]
    assert condition == "HasCustomDomain"
    assert custom == {
        "AcmCertificateArn": {"Ref": "CertificateArn"},
        "SslSupportMethod": "sni-only",
        "MinimumProtocolVersion": "TLSv1.2_2021",
    }
    assert default == {"CloudFrontDefaultCertificate": True}
    rule = template["Rules"]["CustomDomainNeedsItsCertificate"]
    assert rule["Assertions"][0]["Assert"] == {"Fn::Not": [{"Fn::Equals": [{"Ref": "CertificateArn"}, ""]}]}
    params = template["Parameters"]
    assert re.fullmatch(params["DomainName"]["AllowedPattern"], "portail-cmi.example.gouv.fr")
    assert re.fullmatch(params["DomainName"]["AllowedPattern"], "")
    arn = "arn:aws:acm:us-east-1:123456789012:certificate/0a1b2c3d-0000-1111-2222-333344445555"
    assert re.fullmatch(params["CertificateArn"]["AllowedPattern"], arn)
    assert not re.fullmatch(params["CertificateArn"]["AllowedPattern"], arn.replace("us-east-1", "eu-west-3"))
