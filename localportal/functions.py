"""Loads the handlers named in template.yaml, unmodified, as Lambda would (layer on sys.path)."""

from __future__ import annotations

import importlib.util
import json
import sys
import threading
import uuid
from dataclasses import dataclass, field
from types import ModuleType
from typing import Any

from localportal.template import Function, Template


@dataclass
class LambdaContext:
    function_name: str
    memory_limit_in_mb: int = 1024
    aws_request_id: str = field(default_factory=lambda: str(uuid.uuid4()))

    @property
    def invoked_function_arn(self) -> str:
        return f"arn:aws:lambda:eu-west-3:123456789012:function:{self.function_name}"

    def get_remaining_time_in_millis(self) -> int:
        return 10_000


def mount_layers(template: Template) -> None:
    """Lambda mounts layers at /opt/python; here the layers' source folders play that part."""
    for layer in template.layer_dirs():
        path = str(layer)
        if path not in sys.path:
            sys.path.insert(0, path)


def load_module(function: Function, copy: str = "") -> ModuleType:
    module_name, _, _ = function.handler.rpartition(".")
    path = function.code_uri / (module_name.replace(".", "/") + ".py")
    # Each function folder has its own app.py: give each a distinct module name in this process.
    unique = f"cmi_function_{function.name}{copy}"
    if unique in sys.modules:
        return sys.modules[unique]
    spec = importlib.util.spec_from_file_location(unique, path)
    if spec is None or spec.loader is None:
        raise ImportError(f"cannot load {path}")
    module = importlib.util.module_from_spec(spec)
    sys.modules[unique] = module
    spec.loader.exec_module(module)
    return module


class Invoker:
    """Calls a handler the way the Lambda runtime does.

    Lambda runs one request at a time per execution environment, and a Powertools resolver keeps
    the request it is answering in itself. The local portal answers requests in threads: each
    thread gets its own copy of the function's module (its own resolver), as each concurrent
    request gets its own environment on Lambda. The shared layer modules (`cmi`) are imported once.
    """

    def __init__(self, function: Function) -> None:
        self.function = function
        self._main = threading.get_ident()
        self._handlers = {self._main: self._load("")}
        self._lock = threading.Lock()

    def _load(self, copy: str) -> Any:
        return getattr(load_module(self.function, copy), self.function.handler.rpartition(".")[2])

    @property
    def handler(self) -> Any:
        thread = threading.get_ident()
        with self._lock:
            if thread not in self._handlers:
                self._handlers[thread] = self._load(f"_thread{thread}")
            return self._handlers[thread]

    def __call__(self, event: dict[str, Any]) -> Any:
        # A real invocation gets JSON: copy through JSON so no handler can rely on Python objects.
        return self.handler(json.loads(json.dumps(event)), LambdaContext(self.function.name))


def sqs_event(messages: list[dict[str, Any]], queue_arn: str) -> dict[str, Any]:
    return {
        "Records": [
            {
                "messageId": m["MessageId"],
                "receiptHandle": m["ReceiptHandle"],
                "body": m["Body"],
                "attributes": m.get("Attributes", {}),
                # As the event source passes them: lower-camel keys, list fields present.
                "messageAttributes": {
                    name: {
                        "stringValue": value.get("StringValue"),
                        "stringListValues": [],
                        "binaryListValues": [],
                        "dataType": value["DataType"],
                    }
                    for name, value in m.get("MessageAttributes", {}).items()
                },
                "md5OfBody": m.get("MD5OfBody", ""),
                "eventSource": "aws:sqs",
                "eventSourceARN": queue_arn,
                "awsRegion": "eu-west-3",
            }
            for m in messages
        ]
    }
