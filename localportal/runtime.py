"""The template, provisioned on moto and wired to its handlers, without HTTP (tests and the server share it)."""

from __future__ import annotations

import base64
import os
import time
import uuid
from collections.abc import Callable
from typing import Any
from urllib.parse import unquote

from localportal.aws import ACCOUNT_ID, Stack, provision
from localportal.functions import Invoker, mount_layers, sqs_event
from localportal.template import Template


def api_event(
    method: str,
    path: str,
    resource: str,
    headers: list[tuple[str, str]],
    body: bytes,
    source_ip: str,
    stage: str,
    query: dict[str, list[str]] | None = None,
    path_parameters: dict[str, str] | None = None,
) -> dict[str, Any]:
    """An API Gateway REST (v1) proxy event, as the Lambda integration receives it."""
    single: dict[str, str] = {}
    multi: dict[str, list[str]] = {}
    for name, value in headers:
        single[name] = value
        multi.setdefault(name, []).append(value)
    try:
        text, encoded = body.decode("utf-8"), False
    except UnicodeDecodeError:
        text, encoded = base64.b64encode(body).decode("ascii"), True
    now = time.time()
    return {
        "resource": resource,
        "path": path,
        "httpMethod": method,
        "headers": single or None,
        "multiValueHeaders": multi or None,
        "queryStringParameters": {k: v[-1] for k, v in query.items()} if query else None,
        "multiValueQueryStringParameters": query or None,
        "pathParameters": path_parameters or None,
        "stageVariables": None,
        "body": text if body else None,
        "isBase64Encoded": encoded,
        "requestContext": {
            "accountId": ACCOUNT_ID,
            "apiId": "local",
            "resourcePath": resource,
            "httpMethod": method,
            "path": f"/{stage}{path}",
            "stage": stage,
            "protocol": "HTTP/1.1",
            "requestId": str(uuid.uuid4()),
            "extendedRequestId": str(uuid.uuid4()),
            "requestTime": time.strftime("%d/%b/%Y:%H:%M:%S +0000", time.gmtime(now)),
            "requestTimeEpoch": int(now * 1000),
            "identity": {"sourceIp": source_ip, "userAgent": single.get("User-Agent", "")},
        },
    }


class Runtime:
    def __init__(
        self,
        template: Template,
        parameters: dict[str, str],
        client: Callable[[str], Any],
        overrides: dict[str, str] | None = None,
    ) -> None:
        self.template = template
        self.client = client
        self.stack: Stack = provision(template, parameters, client)
        # Every function of the template runs in this process, with the environment the template gives it
        # (plus local-only settings such as a quieter log level), set before any handler is imported.
        os.environ.update({**self.stack.environment, **(overrides or {})})
        mount_layers(template)
        self.stage = self.stack.refs.get("StageName", "prod")
        self.routes: dict[tuple[str, str], Invoker] = {}
        self.consumers: list[tuple[str, str, Invoker]] = []
        for function in template.functions():
            invoker = Invoker(function)
            for route in function.routes:
                self.routes[(route.method, route.path)] = invoker
            for queue in function.queues:
                self.consumers.append((self.stack.refs[queue], self.stack.refs[f"{queue}.Arn"], invoker))

    def paths(self) -> set[str]:
        return {path for (_, path) in self.routes}

    def match(self, method: str, path: str) -> tuple[str, dict[str, str], Invoker] | None:
        """The template route serving this request (`{name}` matches one path segment), its parameters, its function."""
        segments = path.split("/")
        # As API Gateway: a method declared on the resource first, then the resource's ANY.
        ordered = sorted(self.routes.items(), key=lambda item: item[0][0] == "ANY")
        for (route_method, resource), invoker in ordered:
            pattern = resource.split("/")
            if route_method not in (method, "ANY") or len(pattern) != len(segments):
                continue
            parameters: dict[str, str] = {}
            for want, got in zip(pattern, segments, strict=True):
                if want.startswith("{") and want.endswith("}") and got:
                    parameters[want[1:-1]] = unquote(got)
                elif want != got:
                    break
            else:
                return resource, parameters, invoker
        return None

    def call_api(
        self,
        method: str,
        path: str,
        headers: list[tuple[str, str]],
        body: bytes,
        source_ip: str = "127.0.0.1",
        query: dict[str, list[str]] | None = None,
    ) -> dict[str, Any] | None:
        """The proxy response of the function behind the route, or None when no route matches."""
        found = self.match(method, path)
        if found is None:
            return None
        resource, parameters, invoker = found
        event = api_event(method, path, resource, headers, body, source_ip, self.stage, query, parameters)
        response: dict[str, Any] = invoker(event)
        return response

    def drain_queues(self, wait_seconds: int = 0, rounds: int = 20) -> int:
        """Deliver queued messages to their consumers as the SQS event source would; returns how many succeeded."""
        sqs = self.client("sqs")
        done = 0
        for _ in range(rounds):
            received_any = False
            for url, arn, invoker in self.consumers:
                messages = sqs.receive_message(
                    QueueUrl=url,
                    MaxNumberOfMessages=10,
                    WaitTimeSeconds=wait_seconds,
                    AttributeNames=["All"],
                    MessageAttributeNames=["All"],
                ).get("Messages", [])
                if not messages:
                    continue
                received_any = True
                result = invoker(sqs_event(messages, arn)) or {}
                failed = {f["itemIdentifier"] for f in result.get("batchItemFailures", [])}
                for m in messages:
                    if m["MessageId"] not in failed:
                        sqs.delete_message(QueueUrl=url, ReceiptHandle=m["ReceiptHandle"])
                        done += 1
            if not received_any:
                break
        return done
