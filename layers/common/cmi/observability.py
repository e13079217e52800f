"""Structured logs and metrics (Powertools), and the Lambda entry point wrapper.

Logs never carry a password, a token or a full email address: callers log identifiers and
masked emails only. The X-Ray tracer is loaded on the first traced invocation, not at import.
"""

from __future__ import annotations

import os
import threading
import warnings
from collections.abc import Callable
from typing import Any

from aws_lambda_powertools.logging import Logger
from aws_lambda_powertools.metrics import Metrics, MetricUnit

logger = Logger()
metrics = Metrics()
# Reads such as GET /api/session emit no metric: that is expected, not worth a warning per call.
warnings.filterwarnings("ignore", message="No application metrics to publish")

LambdaHandler = Callable[[dict[str, Any], Any], dict[str, Any]]
# Lambda runs one invocation per process at a time; the local portal and the concurrency tests run
# many in threads, and Powertools' metric set is shared: adding and flushing take turns.
_metrics_lock = threading.Lock()


def count(name: str, value: int = 1) -> None:
    with _metrics_lock:
        metrics.add_metric(name=name, unit=MetricUnit.Count, value=value)


def _flush_metrics() -> None:
    with _metrics_lock:
        metrics.flush_metrics(raise_on_empty_metrics=False)


def _tracing_enabled() -> bool:
    """Subsegments for AWS calls, when Lambda tracing is on and the X-Ray SDK is present.

    `Tracing: Active` already traces every invocation without any SDK. The SDK is not in the layer
    because it depends on botocore, which the runtime provides: a layer that adds it gets these
    subsegments, one that does not still works (never an import error at the first request).
    """
    if not os.environ.get("AWS_XRAY_DAEMON_ADDRESS") or os.environ.get("POWERTOOLS_TRACE_DISABLED") == "true":
        return False
    import importlib.util

    return importlib.util.find_spec("aws_xray_sdk") is not None


def entry(resolve: LambdaHandler, correlation_path: str | None) -> LambdaHandler:
    """Wrap a handler with the correlation id in logs, a metrics flush and lazy tracing."""
    traced: list[LambdaHandler] = []

    @logger.inject_lambda_context(correlation_id_path=correlation_path, clear_state=True)
    def handle(event: dict[str, Any], context: Any) -> dict[str, Any]:
        try:
            return resolve(event, context)
        finally:
            _flush_metrics()

    def lambda_handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
        if not _tracing_enabled():
            plain: dict[str, Any] = handle(event, context)
            return plain
        if not traced:
            from aws_lambda_powertools.tracing import Tracer

            traced.append(Tracer().capture_lambda_handler(handle))
        result: dict[str, Any] = traced[0](event, context)
        return result

    return lambda_handler
