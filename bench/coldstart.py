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
    # "lambda": the `sam build` output as Lambda loads it; "source": the same without the layer's bytecode (what
    # `BuildMethod: python3.11` shipped); "venv": the project's virtual environment, bytecode caches warm.
    mode: str = "venv"

    @property
    def flag(self) -> str:
        # Lambda's runtime has no site-packages: the layer and the runtime's boto3 come from PYTHONPATH.
        return "-s" if self.mode == "venv" else "-S"


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


def _spawn(subject: Subject, env: dict[str, str]) -> tuple[Run | None, str, str]:
    args, cwd = subject.args, subject.cwd
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    command = [sys.executable, subject.flag, *args]
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
        [sys.executable, subject.flag, "-X", "importtime", *subject.args],
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


MODES = {
    "lambda": "as deployed (sam build, bytecode shipped, read-only)",
    "source": "sam build without the layer's bytecode (as before)",
    "venv": "project venv, bytecode caches warm",
}
# Lambda gives a function one full vCPU at 1769 MB and a share in proportion below (AWS documentation).
FULL_VCPU_MB = 1769
MEMORY_SIZES = (512, 1024, FULL_VCPU_MB)
PRICE_GB_SECOND = 0.0000166667  # x86_64, eu-west-3 first tier (USD)
PRICE_REQUEST = 0.20 / 1_000_000
LOGIN_CPU_BUDGET_S = 0.150
WARM_LOGINS = 15

# A warm function: one cold login, then WARM_LOGINS more, each one's CPU and wall time; peak RSS at the end.
WARM = r"""
import json, random, resource, sys, time
import app
event = json.loads(sys.argv[1])
class Context:
    function_name = "LoginFunction"
    memory_limit_in_mb = 1024
    invoked_function_arn = "arn:aws:lambda:eu-west-3:123456789012:function:LoginFunction"
    aws_request_id = "00000000-0000-0000-0000-000000000000"
    def get_remaining_time_in_millis(self):
        return 10000
def login():
    body = json.dumps({"identifier": "00001" + str(random.randrange(10**9, 10**10)), "password": "Mauvais-1!"})
    return app.lambda_handler(dict(event, body=body), Context())["statusCode"]
login()
cpu, wall = [], []
for _ in range(int(sys.argv[2])):
    c, w = time.process_time(), time.perf_counter()
    status = login()
    cpu.append(time.process_time() - c)
    wall.append(time.perf_counter() - w)
rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
print("BENCH " + json.dumps({"cpu": cpu, "wall": wall, "status": status, "maxrss_kib": rss}), flush=True)
"""


def _lambda_roots(work: Path) -> tuple[dict[str, Path], Path, str]:
    """Two copies of the `sam build` output (as built; without the layer's bytecode), the runtime's boto3, the
    layer's folder name. Made read-only, as /var/task and /opt are (root ignores it: PYTHONDONTWRITEBYTECODE
    is what keeps the runs from writing bytecode)."""
    import shutil

    from bench.size import built, layer_dir, runtime_dir

    build = built()
    roots = {"lambda": work / "lambda", "source": work / "source"}
    for root in roots.values():
        shutil.copytree(build, root, symlinks=True)
    for pyc in roots["source"].rglob("*.pyc"):
        pyc.unlink()
    for root in roots.values():
        for path in root.rglob("*"):
            if not path.is_symlink():
                path.chmod(path.stat().st_mode & ~0o222)
    return roots, runtime_dir(work), layer_dir(build).parent.name


def _memory_figures(warm: dict[str, Any], configured_mb: int, cold_cpu: float) -> tuple[list[Figure], list[str]]:
    """Latency and cost of a login at each memory size, from the CPU a warm login uses at a full vCPU."""
    cpu = median(warm["cpu"])
    wait = max(0.0, median(warm["wall"]) - cpu)  # time waiting for DynamoDB (moto over HTTP here)
    rss_mb = warm["maxrss_kib"] / 1024
    figures = [
        Figure(
            "coldstart",
            f"LoginFunction warm, as deployed: peak RSS after {WARM_LOGINS + 1} logins",
            f"{rss_mb:.0f} MB",
            f"MemorySize {configured_mb} MB",
            rss_mb / configured_mb,
            "fits",
            rss_mb < configured_mb,
            data={"maxrss_kib": warm["maxrss_kib"]},
        ),
        Figure(
            "coldstart",
            f"LoginFunction warm, as deployed: one login (median of {WARM_LOGINS})",
            f"CPU {ms(cpu)}, wall {ms(median(warm['wall']))}",
            data={"cpu_s": warm["cpu"], "wall_s": warm["wall"]},
        ),
    ]
    choice = None
    for size in MEMORY_SIZES:
        cpu_at = cpu * max(1.0, FULL_VCPU_MB / size)
        latency = cpu_at + wait
        billed = -(-latency * 1000 // 1) / 1000  # billed by the millisecond, rounded up
        cost = 1000 * (billed * size / 1024 * PRICE_GB_SECOND + PRICE_REQUEST)
        fits = cpu_at <= LOGIN_CPU_BUDGET_S and rss_mb < size
        if fits and choice is None:
            choice = size
        cold_at = cold_cpu * max(1.0, FULL_VCPU_MB / size)
        figures.append(
            Figure(
                "coldstart",
                f"login at {size} MB (estimated from the CPU share)",
                f"CPU {ms(cpu_at)}, latency {ms(latency)}, USD {cost:.5f} per 1,000 logins; "
                f"a cold start's CPU {ms(cold_at)}",
                goal=f"CPU ≤ {ms(LOGIN_CPU_BUDGET_S)}",
                met=fits,
                data={
                    "memory_mb": size,
                    "cpu_s": cpu_at,
                    "latency_s": latency,
                    "usd_per_1000": cost,
                    "cold_start_cpu_s": cold_at,
                },
            )
        )
    notes = [
        f"memory: Lambda gives CPU in proportion to memory (one vCPU at {FULL_VCPU_MB} MB), so a login's CPU "
        f"({ms(cpu)} here at a full core: argon2id m=19 MiB, t=2 plus the handler) stretches by {FULL_VCPU_MB}/MB "
        f"below that, while the wait for DynamoDB ({ms(wait)} here, moto over loopback) does not; cost = billed ms "
        f"x GB x USD {PRICE_GB_SECOND}/GB-s + USD 0.20 per million requests. Cheapest size keeping a login's CPU "
        f"under {ms(LOGIN_CPU_BUDGET_S)}: {choice} MB (template: {configured_mb} MB). This CPU is not Lambda's: "
        "re-check with the REPORT lines of CloudWatch (Billed Duration, Max Memory Used) after deploying."
    ]
    return figures, notes


def run() -> Section:
    from moto.server import ThreadedMotoServer

    section = Section("coldstart")
    import logging

    import boto3

    from localportal import aws, template

    logging.getLogger("werkzeug").setLevel(logging.ERROR)
    aws.fake_credentials()
    load_start = os.getloadavg()[0]
    work = tempfile.TemporaryDirectory(prefix="bench-coldstart-")
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
        roots, runtime, layer_name = _lambda_roots(Path(work.name))
        common = {
            "PATH": "/usr/bin:/bin",
            "LANG": "C.UTF-8",
            **{k: os.environ[k] for k in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN")},
            "AWS_REGION": aws.REGION,
            "AWS_DEFAULT_REGION": aws.REGION,
            "AWS_ENDPOINT_URL": endpoint,
        }
        venv_env = {
            **common,
            "PYTHONPATH": os.pathsep.join(str(p) for p in tpl.layer_dirs()),
            # Bytecode caches in a tree of their own: nothing written into the sources, and the untimed round
            # leaves every run after it (floor and functions alike) with warm caches.
            "PYTHONPYCACHEPREFIX": str(Path(work.name) / "pycache"),
        }
        lambda_env = {**common, "PYTHONDONTWRITEBYTECODE": "1"}  # /opt and /var/task are read-only on Lambda

        def function_env(subject: Subject) -> dict[str, str]:
            if subject.mode == "venv":
                base = venv_env
            else:
                layer = roots[subject.mode] / layer_name / "python"
                base = {**lambda_env, "PYTHONPATH": f"{layer}{os.pathsep}{runtime}"}
            name = subject.name.split()[0]
            return {
                **base,
                **stack.environment,
                "AWS_LAMBDA_FUNCTION_NAME": name,
                "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": "1024",
            }

        venv_subjects = _subjects(tpl, stack)
        subjects = list(venv_subjects)
        for subject in venv_subjects:
            for mode in ("lambda", "source"):
                subjects.append(
                    Subject(f"{subject.name} [{mode}]", list(subject.args), roots[mode] / subject.name,
                            subject.expected, subject.request, subject.renew, mode)
                )  # fmt: skip
        table = stack.refs["AccountsTable"]
        floors = {
            "venv": Subject("floor", ["-c", FLOOR, table], Path(tpl.layer_dirs()[0]), {"200"}, ""),
            "lambda": Subject("floor [lambda]", ["-c", FLOOR, table], runtime, {"200"}, "", mode="lambda"),
        }
        envs = {s.name: function_env(s) for s in subjects}
        envs["floor"] = venv_env
        envs["floor [lambda]"] = {**lambda_env, "PYTHONPATH": str(runtime)}
        everyone = [*floors.values(), *subjects]
        runs: dict[str, list[Run]] = {s.name: [] for s in everyone}
        failures: dict[str, str] = {}
        rng = random.Random(1)
        for round_ in range(WARMUP_ROUNDS + ROUNDS):
            order = list(everyone)
            rng.shuffle(order)  # interleaved, in a new order each round: drifts in machine load hit all alike
            for subject in order:
                if subject.name in failures:
                    continue
                if subject.renew is not None:
                    subject.args[3] = json.dumps(subject.renew())
                result, status, error = _spawn(subject, envs[subject.name])
                if result is None or (subject.expected and status not in {str(x) for x in subject.expected}):
                    failures[subject.name] = error or f"unexpected answer {status}"
                    continue
                if round_ >= WARMUP_ROUNDS:
                    runs[subject.name].append(result)
        for floor in floors.values():
            if floor.name in failures:
                raise RuntimeError(f"the floor process {floor.name} failed: {failures[floor.name]}")
        worst: Subject | None = None
        worst_wall = 0.0
        for mode in ("lambda", "source", "venv"):
            floor = floors["venv" if mode == "venv" else "lambda"]
            floor_wall = median([r.wall_s for r in runs[floor.name]])
            floor_cpu = median([r.cpu_s for r in runs[floor.name]])
            for subject in (s for s in subjects if s.mode == mode):
                label = f"cold start {subject.name.split()[0]}, {MODES[mode]}"
                if subject.name in failures:
                    section.figures.append(Figure("coldstart", label, "failed", goal=f"≤ {GOAL}x", met=False))
                    section.notes.append(f"{subject.name} failed: {failures[subject.name]}")
                    continue
                got = runs[subject.name]
                wall = median([r.wall_s for r in got])
                ratio = wall / floor_wall
                if mode == "lambda" and wall / floor_wall > worst_wall:
                    worst, worst_wall = subject, wall / floor_wall
                section.figures.append(
                    Figure(
                        "coldstart",
                        f"{label} (median of {ROUNDS}; {subject.request})",
                        _describe(got),
                        _describe(runs[floor.name]),
                        ratio,
                        f"≤ {GOAL}x" if mode == "lambda" else "(comparison)",
                        ratio <= GOAL if mode == "lambda" else None,
                        data={
                            "mode": mode,
                            "wall_s": [r.wall_s for r in got],
                            "cpu_s": [r.cpu_s for r in got],
                            "import_s": [r.import_s for r in got],
                            "call_s": [r.call_s for r in got],
                            "floor_wall_s": [r.wall_s for r in runs[floor.name]],
                            "floor_cpu_s": [r.cpu_s for r in runs[floor.name]],
                            "cpu_ratio": median([r.cpu_s for r in got]) / floor_cpu,
                        },
                    )
                )
        section.notes.append(
            "cold start = wall time of a fresh process from spawn to exit (interpreter start, imports, one request "
            "to moto over HTTP, exit); CPU = user+sys of that process. As deployed: `python -S` in a read-only copy "
            "of the `sam build` output, the function's folder as /var/task, the layer's python/ and then only the "
            "runtime's boto3 and its dependencies (with their bytecode) on PYTHONPATH, PYTHONDONTWRITEBYTECODE=1; "
            "its floor: the same kind of process importing boto3, making a DynamoDB client and one GetItem to the "
            "same moto. The venv rows run from the sources with the project's site-packages and warm caches, "
            "against the same floor run the same way."
        )
        if worst is not None:
            modules = _importtime(worst, envs[worst.name])
            top = [(name, total) for name, _, total in sorted(modules, key=lambda m: -m[2])[:10]]
            extra = _beyond_floor(modules, _importtime(floors["lambda"], envs["floor [lambda]"]))
            section.notes.append(
                f"slowest as deployed: {worst.name}; -X importtime, top 10 cumulative: "
                + ", ".join(f"{name} {ms(t)}" for name, t in top)
            )
            section.notes.append(
                f"{worst.name}: import time of what the floor does not load, self time by package "
                f"(total {ms(sum(t for _, t in extra))}): " + ", ".join(f"{name} {ms(t)}" for name, t in extra)
            )
            for figure in section.figures:
                if figure.data.get("mode") == "lambda" and worst.name.split()[0] in figure.name:
                    figure.data["importtime_top10_cumulative"] = top
                    figure.data["importtime_beyond_floor"] = extra
        cpu_ratios = ", ".join(
            f"{f.name.split()[2].rstrip(',')} [{f.data['mode']}] {f.data['cpu_ratio']:.2f}x"
            for f in section.figures
            if "cpu_ratio" in f.data
        )
        load_end = os.getloadavg()[0]
        section.notes.append(
            f"CPU-time ratios (user+sys of the process; less sensitive to other processes): {cpu_ratios}. "
            f"Load average (1 min) at start {load_start:.1f}, at end {load_end:.1f} on {os.cpu_count()} cores"
            + (": above the core count, wall times mostly measure waiting for a CPU." if max(load_start, load_end)
               > (os.cpu_count() or 1) else ".")
        )  # fmt: skip
        if any(f.met is False for f in section.figures) and worst is not None:
            section.notes.append(
                "over goal: what the functions load beyond boto3 is the stack SPEC §2 fixes: pydantic (its import, "
                "the first model class and the validators of the request model) and Powertools' event handler "
                "(whose package imports every resolver and asyncio), BatchProcessor for the mailer; the layer's "
                "bytecode already removed the compilation (compare the rows without it). What is left to try: "
                "Provisioned Concurrency on LoginFunction, or python3.12 and Lambda SnapStart (not in python3.11)."
            )
        login = next((s for s in subjects if s.mode == "lambda" and s.name.startswith("LoginFunction")), None)
        if login is not None:
            done = subprocess.run(
                [sys.executable, "-S", "-c", WARM, login.args[3], str(WARM_LOGINS)],
                cwd=login.cwd, env=envs[login.name], capture_output=True, text=True, timeout=TIMEOUT, check=False,
            )  # fmt: skip
            line = next((x for x in done.stdout.splitlines() if x.startswith("BENCH ")), None)
            if line is None:
                section.notes.append(f"warm LoginFunction failed: {done.stderr[-300:]}")
            else:
                configured = int(((tpl.raw.get("Globals") or {}).get("Function") or {}).get("MemorySize", 128))
                cold = median([r.cpu_s for r in runs[login.name]])
                figures, notes = _memory_figures(json.loads(line[6:]), configured, cold)
                section.figures += figures
                section.notes += notes
    finally:
        server.stop()
        work.cleanup()
    return section
