"""The embedded AWS: tables, queues and the SES identity created from template.yaml, on moto."""

from __future__ import annotations

import email
import email.header
import email.utils
import functools
import os
import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from email.message import Message
from typing import Any

from localportal.hosts import allowed_hosts, is_allowed
from localportal.template import Template

REGION = "eu-west-3"
ACCOUNT_ID = "123456789012"
# Local defaults for the parameters that have none in the template.
LOCAL_PARAMETERS = {"SenderEmail": "ne-pas-repondre@demo-cmi.fr"}


def fake_credentials() -> None:
    """moto accepts anything; real-looking variables keep boto3 from searching the machine."""
    for name, value in {
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_SESSION_TOKEN": "testing",
        "AWS_DEFAULT_REGION": REGION,
        "AWS_REGION": REGION,
    }.items():
        os.environ[name] = value


_ITEM_OPERATIONS = (
    "put_item",
    "get_item",
    "query",
    "scan",
    "update_item",
    "delete_item",
    "transact_write_items",
    "transact_get_items",
    "batch_get_item",
    "batch_write_item",
)


def isolate_dynamodb_transactions() -> None:
    """Make moto's DynamoDB serialise item operations, as the real service isolates transactions.

    moto applies a transaction item by item and rolls a failed one back by restoring a snapshot of
    the tables: two concurrent transactions can then undo each other's committed writes. One lock
    around item operations gives back the isolation the concurrency tests rely on.
    """
    from moto.dynamodb.models import DynamoDBBackend

    if getattr(DynamoDBBackend, "_cmi_isolated", False):
        return
    lock = threading.RLock()
    for name in _ITEM_OPERATIONS:
        original = getattr(DynamoDBBackend, name)

        def locked(self: Any, *args: Any, _original: Any = original, **kwargs: Any) -> Any:
            with lock:
                return _original(self, *args, **kwargs)

        setattr(DynamoDBBackend, name, functools.wraps(original)(locked))
    DynamoDBBackend._cmi_isolated = True  # type: ignore[attr-defined]


WsgiApp = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]


class LocalOnly:
    """WSGI middleware in front of moto: only this machine's AWS clients, never a web page.

    moto answers anything (no real signature check), so a page able to reach it could read and write
    every table. Browsers tell: a cross-origin request carries Origin, and current browsers send
    Sec-Fetch-* (names a script cannot set) with every request to a loopback address; boto3 sends
    neither. A DNS-rebound page sends no Origin on same-origin GETs, but its own name in Host.
    """

    def __init__(self, app: WsgiApp, hosts: frozenset[str]) -> None:
        self.app = app
        self.hosts = hosts

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        if "HTTP_ORIGIN" in environ or any(key.startswith("HTTP_SEC_FETCH_") for key in environ):
            return self._refuse(
                start_response, "403 Forbidden", "Requête refusée : l'AWS embarqué ne répond pas aux navigateurs."
            )
        host = environ.get("HTTP_HOST")
        if not is_allowed(None if host is None else [host], self.hosts):
            return self._refuse(
                start_response,
                "421 Misdirected Request",
                "Requête refusée : l'AWS embarqué ne répond qu'à 127.0.0.1 et localhost.",
            )
        return self.app(environ, start_response)

    @staticmethod
    def _refuse(start_response: Callable[..., Any], status: str, text: str) -> list[bytes]:
        body = (text + "\n").encode()
        start_response(status, [("Content-Type", "text/plain; charset=utf-8"), ("Content-Length", str(len(body)))])
        return [body]


class EmbeddedAws:
    """moto's server on 127.0.0.1, as ThreadedMotoServer runs it (same app, same request handler) behind LocalOnly."""

    def __init__(self, port: int) -> None:
        from moto.moto_server.werkzeug_app import DomainDispatcherApplication, MotoRequestHandler, create_backend_app
        from werkzeug.serving import make_server

        # Binds now: a busy port fails here rather than in a thread (ThreadedMotoServer would then wait forever).
        self.server = make_server(
            "127.0.0.1",
            port,
            DomainDispatcherApplication(create_backend_app),
            threaded=True,
            request_handler=MotoRequestHandler,
        )
        self.port = self.server.server_port
        self.server.app = LocalOnly(self.server.app, allowed_hosts(self.port))
        self.thread = threading.Thread(target=self.server.serve_forever, name="moto", daemon=True)

    def start(self) -> None:
        self.thread.start()

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()
        self.thread.join()


def client(service: str) -> Any:
    """A boto3 client for the embedded AWS (AWS_ENDPOINT_URL) or whatever the environment points at."""
    import boto3

    factory: Any = boto3.client
    return factory(service)


def _create_table(client: Any, name: str, props: dict[str, Any]) -> None:
    kwargs: dict[str, Any] = {
        "TableName": name,
        "AttributeDefinitions": props["AttributeDefinitions"],
        "KeySchema": props["KeySchema"],
        "BillingMode": props.get("BillingMode", "PAY_PER_REQUEST"),
    }
    if props.get("GlobalSecondaryIndexes"):
        kwargs["GlobalSecondaryIndexes"] = [
            {k: v for k, v in gsi.items() if k in ("IndexName", "KeySchema", "Projection")}
            for gsi in props["GlobalSecondaryIndexes"]
        ]
    client.create_table(**kwargs)
    ttl = props.get("TimeToLiveSpecification")
    if ttl and ttl.get("Enabled"):
        client.update_time_to_live(
            TableName=name, TimeToLiveSpecification={"AttributeName": ttl["AttributeName"], "Enabled": True}
        )


@dataclass
class Stack:
    """What provisioning made: the values `!Ref`/`!GetAtt` resolve to, and the functions' environment."""

    refs: dict[str, str]
    environment: dict[str, str]


def provision(template: Template, parameters: dict[str, str], client: Any) -> Stack:
    """Create every table and queue of the template and verify the sender; `client(service)` gives boto3 clients."""
    isolate_dynamodb_transactions()
    refs = {**template.parameter_defaults(), **LOCAL_PARAMETERS, **parameters}
    refs["AWS::Region"] = REGION
    dynamodb = client("dynamodb")
    for name, props in template.tables().items():
        _create_table(dynamodb, name, props)
        refs[name] = name
    sqs = client("sqs")
    for name in template.queues():
        url = sqs.create_queue(QueueName=name)["QueueUrl"]
        refs[name] = url
        refs[f"{name}.Arn"] = f"arn:aws:sqs:{REGION}:{ACCOUNT_ID}:{name}"
    client("sesv2").create_email_identity(EmailIdentity=refs["SenderEmail"])
    environments = [{k: template.resolve(v, refs) for k, v in f.environment.items()} for f in template.functions()]
    merged: dict[str, str] = {}
    for env in environments:
        for k, v in env.items():
            if merged.setdefault(k, v) != v:
                raise ValueError(f"functions disagree on {k}: the local portal runs them in one process")
    return Stack(refs=refs, environment=merged)


@dataclass(frozen=True)
class SentMail:
    to: str
    subject: str
    text: str
    html: str
    sent_at: str

    def as_dict(self) -> dict[str, str]:
        return {"to": self.to, "subject": self.subject, "text": self.text, "html": self.html, "sent_at": self.sent_at}


def _parts(message: Message) -> tuple[str, str]:
    text = html = ""
    for part in message.walk():
        payload = part.get_payload(decode=True)
        if not isinstance(payload, bytes):
            continue
        content = payload.decode(part.get_content_charset() or "utf-8", errors="replace")
        if part.get_content_type() == "text/plain":
            text = content
        elif part.get_content_type() == "text/html":
            html = content
    return text, html


def sent_mails() -> list[SentMail]:
    """Every mail moto's SES accepted in this process, oldest first."""
    from moto.ses.models import RawMessage, ses_backends

    backend = ses_backends[ACCOUNT_ID][REGION]
    mails = []
    for sent in list(backend.sent_messages):
        if not isinstance(sent, RawMessage):
            continue
        message = email.message_from_string(sent.raw_data)
        text, html = _parts(message)
        mails.append(
            SentMail(
                to=str(email.header.make_header(email.header.decode_header(message["To"]))),
                subject=str(email.header.make_header(email.header.decode_header(message["Subject"]))),
                text=text,
                html=html,
                sent_at=email.utils.parsedate_to_datetime(message["Date"]).isoformat() if message["Date"] else "",
            )
        )
    return mails
