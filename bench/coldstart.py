"""Figure 1: cold start of each function of template.yaml, against a fresh process that only uses boto3.

Each run is a fresh interpreter, started the way Lambda starts one: the function's CodeUri as the working
directory (first on sys.path, like /var/task) and the layer's folder on PYTHONPATH (like /opt/python), with the
stack's environment and fake credentials. It imports the handler module and serves one request against a moto
server started once here (`ThreadedMotoServer`, tables and queues provisioned from the template).

The figure is the wall time of the subprocess, from spawn to exit: it is what a cold start costs, interpreter
start-up included. The floor is the same kind of process that imports boto3, creates one DynamoDB client and
makes one GetItem call to the same moto: every function needs at least that to serve a request.
"""

from __future__ import annotations

import json
import os
import random
import re
import resource
import subprocess
import sys
import tempfile
import time
import uuid
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bench.portal import free_port
from bench.report import Figure, Section, median, ms

WARMUP_ROUNDS = 1  # fills the page cache and the bytecode caches, not timed
ROUNDS = 7
GOAL = 1.15
# Import-time entries that pydantic and model building account for.
PYDANTIC_COST = {"pydantic", "pydantic_core", "annotated_types", "typing_inspection", "cmi.config", "cmi.web.models"}
PORTAL_URL = "https://portail.cmi.test"
SEEDED = "00001" + "4" * 10
TIMEOUT = 60

# The child: what the Lambda runtime does for a cold start, reduced to its essentials.
CHILD = r"""
import time
_t0 = time.perf_counter()
import importlib, json, sys
module_name, _, handler_name = sys.argv[1].rpartition(".")
event = json.loads(sys.argv[2])

class Context:
    function_name = sys.argv[3]
    memory_limit_in_mb = 1024
    invoked_function_arn = "arn:aws:lambda:eu-west-3:123456789012:function:" + sys.argv[3]
    aws_request_id = "00000000-0000-0000-0000-000000000000"
    def get_remaining_time_in_millis(self):
        return 10000

handler = getattr(importlib.import_module(module_name), handler_name)
_t1 = time.perf_counter()
response = handler(event, Context())
_t2 = time.perf_counter()
status = response.get("statusCode", "ok" if not response.get("batchItemFailures") else "failed")
sys.stdout.flush()
print("BENCH " + json.dumps({"import_s": _t1 - _t0, "call_s": _t2 - _t1, "status": status}), flush=True)
"""

FLOOR = r"""
import time
_t0 = time.perf_counter()
import json, sys
import boto3
_t1 = time.perf_counter()
boto3.client("dynamodb").get_item(TableName=sys.argv[1], Key={"pk": {"S": "bench-floor"}})
_t2 = time.perf_counter()
print("BENCH " + json.dumps({"import_s": _t1 - _t0, "call_s": _t2 - _t1, "status": 200}), flush=True)
"""


@dataclass
class Subject:
    """One kind of process to start: a function of the template, or the floor."""

    name: str
    args: list[str]
    cwd: Path
    expected: set[int | str]
    request: str
    # Rebuilds the event before each run (a login needs a fresh unknown identifier to do the same work each time).
    renew: Callable[[], dict[str, Any]] | None = None


@dataclass
class Run:
    wall_s: float
    cpu_s: float
    import_s: float
    call_s: float


def _describe(runs: list[Run]) -> str:
    wall, cpu = median([r.wall_s for r in runs]), median([r.cpu_s for r in runs])
    imports, call = median([r.import_s for r in runs]), median([r.call_s for r in runs])
    return f"{ms(wall)} (CPU {ms(cpu)}; import {ms(imports)}, request {ms(call)})"


def _api_request(function: Any) -> tuple[dict[str, Any], set[int | str], str]:
    """A typical first request of the function (one that reaches AWS), chosen by route."""
    routes = {(r.method, r.path) for r in function.routes}
    json_headers = [("Content-Type", "application/json"), ("Origin", PORTAL_URL)]
    if ("POST", "/api/login") in routes:
        # A fresh unknown identifier per run: every run does the same work (argon2 + 2 DynamoDB calls).
        body = json.dumps({"identifier": "00001" + str(random.randrange(10**9, 10**10)), "password": "Mauvais-1!"})
        return _event("POST", "/api/login", json_headers, body), {401}, "POST /api/login, unknown identifier"
    if ("GET", "/api/first-connection") in routes:
        headers = [("Cookie", "__Host-cmi-first-connection=" + "x" * 43)]
        return _event("GET", "/api/first-connection", headers, ""), {401}, "GET /api/first-connection, stale cookie"
    if ("POST", "/api/forgot-identifier") in routes:
        body = json.dumps({"email": "camille.martin@demo-cmi.fr"})
        return _event("POST", "/api/forgot-identifier", json_headers, body), {200}, "POST /api/forgot-identifier"
    if ("POST", "/api/forgot-password") in routes:
        body = json.dumps({"identifier": SEEDED})
        return _event("POST", "/api/forgot-password", json_headers, body), {200}, "POST /api/forgot-password"
    route = function.routes[0]  # a route added later: measured, whatever it answers
    return _event(route.method, route.path, json_headers, "{}"), set(), f"{route.method} {route.path}"


def _event(method: str, path: str, headers: list[tuple[str, str]], body: str) -> dict[str, Any]:
    from localportal.runtime import api_event

    return api_event(method, path, path, headers, body.encode(), "203.0.113.7", "prod")


def _subjects(template: Any, stack: Any) -> list[Subject]:
    from localportal.functions import sqs_event

    subjects = []
    for function in template.functions():
        if function.routes:
            event, expected, request = _api_request(function)
        else:
            arn = stack.refs[f"{function.queues[0]}.Arn"]
            message = {
                "MessageId": str(uuid.uuid4()),
                "ReceiptHandle": "bench",
                "Body": json.dumps({"kind": "password_changed", "identifier": SEEDED}),
            }
            event, expected, request = sqs_event([message], arn), {"ok"}, "SQS: password_changed mail"
        args = ["-c", CHILD, function.handler, json.dumps(event), function.name]
        renew = (lambda f=function: _api_request(f)[0]) if request.startswith("POST /api/login") else None
        subjects.append(Subject(function.name, args, function.code_uri, expected, request, renew))
    return subjects


def _seed(client: Any, accounts_table: str) -> None:
    """An active account for the mailer's first request (a password-changed mail)."""
    from cmi.domain.model import Account
    from cmi.store.accounts import account_item

    account = Account(
        identifier=SEEDED,
        org_code="00001",
        org_name="MDPH de mesure",
        first_name="Camille",
        last_name="Martin",
        email="camille.martin@demo-cmi.fr",
        role="referent",
        status="active",
        password_hash="$argon2id$v=19$m=19456,t=2,p=1$c2FsdHNhbHRzYWx0$aGFzaGhhc2hoYXNoaGFzaGhhc2hoYXNoaGFzaGhhc2g",
        password_version=2,
        created_at=int(time.time()),
    )
    client.put_item(TableName=accounts_table, Item=account_item(account))


def _spawn(args: list[str], cwd: Path, env: dict[str, str]) -> tuple[Run | None, str, str]:
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    command = [sys.executable, "-s", *args]
    done = subprocess.run(command, cwd=cwd, env=env, capture_output=True, text=True, timeout=TIMEOUT, check=False)
    wall = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    line = next((x for x in done.stdout.splitlines() if x.startswith("BENCH ")), None)
    if done.returncode != 0 or line is None:
        return None, "", (done.stderr or done.stdout)[-600:]
    data = json.loads(line[6:])
    return Run(wall, cpu, data["import_s"], data["call_s"]), str(data["status"]), ""


def _importtime(subject: Subject, env: dict[str, str]) -> list[tuple[str, float, float]]:
    """`python -X importtime` of one cold start (imports made while serving the request included):
    (module, self seconds, cumulative seconds), in import order."""
    done = subprocess.run(
        [sys.executable, "-s", "-X", "importtime", *subject.args],
        cwd=subject.cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=TIMEOUT,
        check=False,
    )
    pattern = re.compile(r"^import time:\s+(\d+) \|\s+(\d+) \|\s*(\S+)")
    found = []
    for line in done.stderr.splitlines():
        match = pattern.match(line)
        if match:
            own, total, name = match.groups()
            found.append((name, int(own) / 1e6, int(total) / 1e6))
    return found


def _beyond_floor(
    modules: list[tuple[str, float, float]], floor: list[tuple[str, float, float]]
) -> list[tuple[str, float]]:
    """Self import time of the modules the floor does not load, by top-level package (cmi by module)."""
    seen = {name for name, _, _ in floor}
    groups: dict[str, float] = defaultdict(float)
    for name, own, _ in modules:
        if name not in seen:
            top = name if name.startswith("cmi.") else name.split(".")[0]
            groups[top] += own
    return sorted(groups.items(), key=lambda x: -x[1])[:12]


def run() -> Section:
    from moto.server import ThreadedMotoServer

    section = Section("coldstart")
    import logging

    import boto3

    from localportal import aws, template

    logging.getLogger("werkzeug").setLevel(logging.ERROR)
    aws.fake_credentials()
    load_start = os.getloadavg()[0]
    pycache = tempfile.TemporaryDirectory(prefix="bench-pycache-")
    port = free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    endpoint = f"http://127.0.0.1:{port}"
    try:
        tpl = template.load()

        def client(service: str) -> Any:
            return boto3.client(service, endpoint_url=endpoint)

        stack = aws.provision(tpl, {"PortalUrl": PORTAL_URL}, client)
        _seed(client("dynamodb"), stack.refs["AccountsTable"])
        layers = os.pathsep.join(str(p) for p in tpl.layer_dirs())
        base_env = {
            "PATH": "/usr/bin:/bin",
            "LANG": "C.UTF-8",
            **{k: os.environ[k] for k in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN")},
            "AWS_REGION": aws.REGION,
            "AWS_DEFAULT_REGION": aws.REGION,
            "AWS_ENDPOINT_URL": endpoint,
            "PYTHONPATH": layers,
            # Bytecode caches in a tree of their own: nothing written into the sources, and the untimed round
            # leaves every run after it (floor and functions alike) with warm caches.
            "PYTHONPYCACHEPREFIX": str(pycache.name),
        }
        subjects = _subjects(tpl, stack)
        floor = Subject("floor", ["-c", FLOOR, stack.refs["AccountsTable"]], Path(tpl.layer_dirs()[0]), {"200"}, "")
        envs = {
            s.name: {
                **base_env,
                **stack.environment,
                "AWS_LAMBDA_FUNCTION_NAME": s.name,
                "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": "1024",
            }
            for s in subjects
        }
        envs["floor"] = base_env
        runs: dict[str, list[Run]] = {s.name: [] for s in [floor, *subjects]}
        failures: dict[str, str] = {}
        rng = random.Random(1)
        for round_ in range(WARMUP_ROUNDS + ROUNDS):
            order = [floor, *subjects]
            rng.shuffle(order)  # interleaved, in a new order each round: drifts in machine load hit all alike
            for subject in order:
                if subject.name in failures:
                    continue
                if subject.renew is not None:
                    subject.args[3] = json.dumps(subject.renew())
                result, status, error = _spawn(subject.args, subject.cwd, envs[subject.name])
                if result is None or (subject.expected and status not in {str(x) for x in subject.expected}):
                    failures[subject.name] = error or f"unexpected answer {status}"
                    continue
                if round_ >= WARMUP_ROUNDS:
                    runs[subject.name].append(result)
        if "floor" in failures:
            raise RuntimeError(f"the floor process failed: {failures['floor']}")
        floor_wall = median([r.wall_s for r in runs["floor"]])
        floor_cpu = median([r.cpu_s for r in runs["floor"]])
        floor_text = _describe(runs["floor"])
        worst: Subject | None = None
        extra: list[tuple[str, float]] = []
        worst_wall = 0.0
        for subject in subjects:
            if subject.name in failures:
                section.figures.append(
                    Figure("coldstart", f"cold start {subject.name}", "failed", goal=f"≤ {GOAL}x", met=False)
                )
                section.notes.append(f"{subject.name} failed: {failures[subject.name]}")
                continue
            got = runs[subject.name]
            wall = median([r.wall_s for r in got])
            ratio = wall / floor_wall
            if wall > worst_wall:
                worst, worst_wall = subject, wall
            section.figures.append(
                Figure(
                    "coldstart",
                    f"cold start {subject.name} (median of {ROUNDS}; {subject.request})",
                    _describe(got),
                    floor_text,
                    ratio,
                    f"≤ {GOAL}x",
                    ratio <= GOAL,
                    data={
                        "wall_s": [r.wall_s for r in got],
                        "cpu_s": [r.cpu_s for r in got],
                        "import_s": [r.import_s for r in got],
                        "call_s": [r.call_s for r in got],
                        "floor_wall_s": [r.wall_s for r in runs["floor"]],
                        "floor_cpu_s": [r.cpu_s for r in runs["floor"]],
                        "cpu_ratio": median([r.cpu_s for r in got]) / floor_cpu,
                    },
                )
            )
        section.notes.append(
            "cold start = wall time of a fresh `python -s` process from spawn to exit (interpreter start, imports, "
            "one request to moto over HTTP, exit); CPU = user+sys of that process. Floor = fresh process: "
            f"import boto3, one DynamoDB client, one GetItem to the same moto ({ms(floor_wall)}; its import of boto3 "
            f"alone: {ms(median([r.import_s for r in runs['floor']]))}). Bytecode caches warm (one untimed round, "
            "caches under PYTHONPYCACHEPREFIX)."
        )
        if worst is not None:
            modules = _importtime(worst, envs[worst.name])
            top = [(name, total) for name, _, total in sorted(modules, key=lambda m: -m[2])[:10]]
            extra = _beyond_floor(modules, _importtime(floor, envs["floor"]))
            section.notes.append(
                f"slowest: {worst.name}; -X importtime, top 10 cumulative: "
                + ", ".join(f"{name} {ms(t)}" for name, t in top)
            )
            section.notes.append(
                f"{worst.name}: import time of what the floor does not load, self time by package "
                f"(total {ms(sum(t for _, t in extra))}): " + ", ".join(f"{name} {ms(t)}" for name, t in extra)
            )
            for figure in section.figures:
                if worst.name in figure.name:
                    figure.data["importtime_top10_cumulative"] = top
                    figure.data["importtime_beyond_floor"] = extra
        cpu_ratios = ", ".join(
            f"{f.name.split()[2]} {f.data['cpu_ratio']:.2f}x" for f in section.figures if "cpu_ratio" in f.data
        )
        load_end = os.getloadavg()[0]
        section.notes.append(
            f"CPU-time ratios (user+sys of the process; less sensitive to other processes): {cpu_ratios}. "
            f"Load average (1 min) at start {load_start:.1f}, at end {load_end:.1f} on {os.cpu_count()} cores"
            + (": above the core count, wall times mostly measure waiting for a CPU." if max(load_start, load_end)
               > (os.cpu_count() or 1) else ".")
        )  # fmt: skip
        if any(f.met is False for f in section.figures) and worst is not None:
            pydantic = sum(t for name, t in extra if name in PYDANTIC_COST)
            section.notes.append(
                f"over goal. Of the {ms(sum(t for _, t in extra))} {worst.name} imports beyond the floor, "
                f"{ms(pydantic)} is pydantic: its own import and its first schema build (which lands in whichever "
                "cmi module defines the first model, cmi.config or cmi.models); each further model costs ~1 ms, so "
                "deferring model builds gains little. Proposed: (1) cmi/config.py: Settings as a frozen dataclass "
                "read from os.environ (int fields with their bounds checked by hand): the mailer, which validates "
                "no request, then never imports pydantic; (2) API functions need pydantic for their request models: "
                "either accept ~1.3x of a boto3-only floor as their goal, or validate the 1-4 fields of each request "
                "by hand and keep pydantic for the OpenAPI generation only; Provisioned Concurrency on "
                "LoginFunction if its cold starts matter (SnapStart needs python3.12+); (3) ship cmi's bytecode in "
                "the layer (see size)."
            )
    finally:
        server.stop()
        pycache.cleanup()
    return section
