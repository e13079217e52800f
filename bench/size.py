"""Figure 7: deployment size, from a real `sam build` (offline, python3.11 on this machine, no container).

The build runs on a clean copy of template.yaml, functions/ and layers/ (no __pycache__), as CI does. The built
package is then started as Lambda would start it (`python -S`, the function folder, the layer's python/ and the
runtime's own boto3 only), to check that what is deployed serves a request, with and without X-Ray tracing.
"""

from __future__ import annotations

import atexit
import functools
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import zipfile
from pathlib import Path
from typing import Any

from bench.portal import ROOT
from bench.report import Figure, Section, kib, mib, ms

BUILD_TIMEOUT = 420
# Lambda quotas: 250 MB unzipped for a function and all its layers; 50 MB zipped for a direct upload.
UNZIPPED_LIMIT = 250 * 1000 * 1000
ZIPPED_LIMIT = 50 * 1000 * 1000
# What the Lambda Python runtime provides besides the standard library (it sits after the layers on sys.path).
RUNTIME_PACKAGES = ["boto3", "botocore", "s3transfer", "jmespath", "dateutil", "six.py", "urllib3"]
LAMBDA_LIKE_RUNS = 3

# The Lambda bootstrap reduced to its essentials, for the built package: no site-packages at all. It also
# records every module Python has to compile from source on the way (none should come from the layer).
CHILD = r"""
import json, sys, time
_t0 = time.perf_counter()
from importlib import _bootstrap_external as external
compiled = []
_source_to_code = external.SourceLoader.source_to_code
def source_to_code(self, data, path, *args, **kwargs):
    compiled.append(str(path))
    return _source_to_code(self, data, path, *args, **kwargs)
external.SourceLoader.source_to_code = source_to_code
sys.path[:0] = sys.argv[1].split(":")
import app
event = {"resource": "/api/session", "path": "/api/session", "httpMethod": "GET", "headers": {},
         "multiValueHeaders": {}, "body": None, "isBase64Encoded": False,
         "requestContext": {"requestId": "bench", "stage": "prod", "identity": {"sourceIp": "203.0.113.7"}}}
class Context:
    function_name = "LoginFunction"
    memory_limit_in_mb = 1024
    invoked_function_arn = "arn:aws:lambda:eu-west-3:123456789012:function:LoginFunction"
    aws_request_id = "00000000-0000-0000-0000-000000000000"
try:
    status = app.lambda_handler(event, Context())["statusCode"]
except BaseException as exc:
    status = f"{type(exc).__name__}: {exc}"
print("BENCH " + json.dumps({"status": status, "s": time.perf_counter() - _t0, "compiled": compiled,
                             "dont_write_bytecode": sys.flags.dont_write_bytecode}), flush=True)
"""


def _compile_seconds(package: Path) -> float:
    """CPU time to compile the package's sources: what a cold start pays when no bytecode is shipped."""
    sources = [(str(f), f.read_text(encoding="utf-8")) for f in sorted(package.rglob("*.py"))]
    started = time.process_time()
    for name, text in sources:
        compile(text, name, "exec", dont_inherit=True)
    return time.process_time() - started


def _sam() -> str:
    candidate = Path(sys.executable).parent / "sam"
    return str(candidate) if candidate.exists() else (shutil.which("sam") or "sam")


def _tree_bytes(path: Path) -> int:
    if path.is_file():
        return path.stat().st_size
    return sum(f.stat().st_size for f in path.rglob("*") if f.is_file())


def _size(size: int) -> str:
    return kib(size) if size < 1024 * 1024 else mib(size)


def _sizes(folder: Path, zip_to: Path, bytecode: bool = True) -> tuple[int, int, int]:
    """(bytes of the files, bytes on disk, bytes of the deflated zip Lambda would receive)."""
    files = [p for p in folder.rglob("*") if p.is_file() and not p.is_symlink() and (bytecode or p.suffix != ".pyc")]
    apparent = sum(p.stat().st_size for p in files)
    disk = sum(p.stat().st_blocks * 512 for p in files)
    with zipfile.ZipFile(zip_to, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=6) as archive:
        for path in files:
            archive.write(path, path.relative_to(folder))
    return apparent, disk, zip_to.stat().st_size


def sam_build(work: Path) -> tuple[Path | None, str]:
    source = work / "src"
    source.mkdir()
    shutil.copy2(ROOT / "template.yaml", source / "template.yaml")
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc", ".pytest_cache", ".mypy_cache")
    shutil.copytree(ROOT / "functions", source / "functions", ignore=ignore)
    shutil.copytree(ROOT / "layers", source / "layers", ignore=ignore)
    build = work / "build"
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_ENDPOINT", "POWERTOOLS_"))}
    env.update({"SAM_CLI_TELEMETRY": "0", "AWS_DEFAULT_REGION": "eu-west-3"})
    # sam calls `python3.11 -m pip`: this interpreter, whose pip knows the configured package index.
    env["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{env.get('PATH', '')}"
    command = [
        _sam(), "build", "--template-file", str(source / "template.yaml"), "--build-dir", str(build),
        "--base-dir", str(source), "--cache-dir", str(work / "cache"), "--parallel",
    ]  # fmt: skip
    try:
        done = subprocess.run(
            command, cwd=source, env=env, capture_output=True, text=True, timeout=BUILD_TIMEOUT, check=False
        )
    except (OSError, subprocess.TimeoutExpired) as exc:
        return None, f"{type(exc).__name__}: {exc}"
    if done.returncode != 0:
        lines = [line for line in (done.stderr + done.stdout).splitlines() if line.strip()]
        return None, (lines[-1] if lines else f"exit {done.returncode}")[:200]
    return build, ""


@functools.cache
def built() -> Path:
    """One `sam build` for the whole bench run (cold start and size sections), removed when the process ends."""
    work = Path(tempfile.mkdtemp(prefix="bench-sam-"))
    atexit.register(shutil.rmtree, work, ignore_errors=True)
    build, error = sam_build(work)
    if build is None:
        raise RuntimeError(f"sam build failed: {error}")
    return build


def runtime_dir(work: Path) -> Path:
    """What the Lambda runtime puts after the layers on sys.path: boto3 and its dependencies, with their bytecode."""
    runtime = work / "runtime"
    if not runtime.exists():
        runtime.mkdir()
        import boto3

        site = Path(boto3.__file__).resolve().parents[1]
        for name in RUNTIME_PACKAGES:
            if (site / name).exists():
                (runtime / name).symlink_to(site / name)
    return runtime


def layer_dir(build: Path) -> Path:
    return next(p for p in build.iterdir() if p.name.startswith("CommonLayer")) / "python"


def lambda_path(build: Path, work: Path, function: str) -> str:
    """sys.path as on Lambda: /var/task (the function), /opt/python (the layer), then the runtime's packages."""
    return ":".join([str(build / function), str(layer_dir(build)), str(runtime_dir(work))])


LAMBDA_ENV = {
    "PATH": "/usr/bin:/bin",
    "LANG": "C.UTF-8",
    "PYTHONDONTWRITEBYTECODE": "1",  # /opt and /var/task are read-only on Lambda
    "AWS_REGION": "eu-west-3",
    "AWS_DEFAULT_REGION": "eu-west-3",
    "AWS_ACCESS_KEY_ID": "testing",
    "AWS_SECRET_ACCESS_KEY": "testing",
}
_STACK_ENV = {
    "AWS_LAMBDA_FUNCTION_NAME": "LoginFunction",
    "ACCOUNTS_TABLE": "accounts",
    "TOKENS_TABLE": "tokens",
    "THROTTLE_TABLE": "throttle",
    "JOURNAL_TABLE": "journal",
    "MAIL_QUEUE_URL": "https://sqs.eu-west-3.amazonaws.com/123456789012/mail",
    "PORTAL_URL": "https://portail.example.gouv.fr",
    "SENDER_EMAIL": "ne-pas-repondre@example.gouv.fr",
    "POWERTOOLS_SERVICE_NAME": "cmi-connexion",
    "POWERTOOLS_METRICS_NAMESPACE": "CmiPortail",
}


def compiled_at_start(build: Path, work: Path) -> dict[str, Any]:
    """Start the built LoginFunction as Lambda does and list the modules Python had to compile from source."""
    done = subprocess.run(
        [sys.executable, "-S", "-c", CHILD, lambda_path(build, work, "LoginFunction")],
        cwd=build / "LoginFunction", env={**LAMBDA_ENV, **_STACK_ENV}, capture_output=True, text=True,
        timeout=60, check=False,
    )  # fmt: skip
    line = next((x for x in done.stdout.splitlines() if x.startswith("BENCH ")), None)
    if line is None:
        raise RuntimeError((done.stderr.strip().splitlines() or ["no output"])[-1])
    result: dict[str, Any] = json.loads(line[6:])
    return result


def serve_like_lambda(build: Path, work: Path, tracing: bool) -> tuple[str, float]:
    """Start LoginFunction from the built package the way Lambda does; (status or error, median seconds)."""
    path = lambda_path(build, work, "LoginFunction")
    env = {**LAMBDA_ENV, **_STACK_ENV}
    if tracing:
        # What `Tracing: Active` sets on Lambda; X-Ray segments go over UDP, so no daemon is needed here.
        env.update(
            {
                "AWS_XRAY_DAEMON_ADDRESS": "127.0.0.1:2000",
                "_X_AMZN_TRACE_ID": "Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=1",
            }
        )
    seconds: list[float] = []
    status = ""
    for _ in range(LAMBDA_LIKE_RUNS):
        done = subprocess.run(
            [sys.executable, "-S", "-c", CHILD, path],
            cwd=build / "LoginFunction", env=env, capture_output=True, text=True, timeout=60, check=False,
        )  # fmt: skip
        line = next((x for x in done.stdout.splitlines() if x.startswith("BENCH ")), None)
        if line is None:
            return (done.stderr.strip().splitlines() or ["no output"])[-1][:200], 0.0
        data = json.loads(line[6:])
        status = str(data["status"])
        seconds.append(float(data["s"]))
    return status, statistics.median(seconds)


def run() -> Section:
    section = Section("size")
    with tempfile.TemporaryDirectory(prefix="bench-sam-") as tmp:
        work = Path(tmp)
        started = time.perf_counter()
        build, error = sam_build(work)
        build_seconds = time.perf_counter() - started
        if build is None:
            section.figures.append(Figure("size", "sam build", f"failed: {error}", goal="builds", met=False))
            return section
        zips = work / "zips"
        zips.mkdir()
        sizes = {d.name: _sizes(d, zips / f"{d.name}.zip") for d in sorted(build.iterdir()) if d.is_dir()}
        layer_name = next((n for n in sizes if n.startswith("CommonLayer")), None)
        layer = sizes.get(layer_name, (0, 0, 0)) if layer_name else (0, 0, 0)
        for name, (apparent, disk, zipped) in sizes.items():
            is_layer = name == layer_name
            total = apparent if is_layer else apparent + layer[0]
            section.figures.append(
                Figure(
                    "size",
                    f"sam build: {name}" + ("" if is_layer else " (+ layer)"),
                    f"{_size(apparent)} files, {_size(disk)} on disk, {_size(zipped)} zipped",
                    f"Lambda limit {UNZIPPED_LIMIT // 10**6} MB unzipped with layers",
                    total / UNZIPPED_LIMIT,
                    f"≤ {UNZIPPED_LIMIT // 10**6} MB unzipped, ≤ {ZIPPED_LIMIT // 10**6} MB zipped",
                    total <= UNZIPPED_LIMIT and zipped <= ZIPPED_LIMIT,
                    data={"bytes": apparent, "disk_bytes": disk, "zip_bytes": zipped, "with_layer_bytes": total},
                )
            )
        if layer_name:
            python = build / layer_name / "python"
            packages = sorted(((p.name, _tree_bytes(p)) for p in python.iterdir()), key=lambda x: -x[1])[:8]
            section.notes.append(
                f"sam build took {build_seconds:.0f} s; largest entries of the layer: "
                + ", ".join(f"{name} {mib(size)}" for name, size in packages)
            )
            pycs = len(list(python.rglob("*.pyc")))
            before = _sizes(build / layer_name, zips / "layer-without-bytecode.zip", bytecode=False)
            section.figures.append(
                Figure(
                    "size",
                    "sam build: CommonLayer without its bytecode (what BuildMethod python3.11 shipped)",
                    f"{_size(before[0])} files, {_size(before[2])} zipped",
                    f"with bytecode: {_size(layer[0])} files, {_size(layer[2])} zipped",
                    before[0] / layer[0] if layer[0] else None,
                    data={"bytes": before[0], "zip_bytes": before[2]},
                )
            )
            compile_s = _compile_seconds(python)
            functions_s = max(_compile_seconds(build / name) for name in sizes if name != layer_name)
            plain, plain_s = serve_like_lambda(build, work, tracing=False)
            traced, traced_s = serve_like_lambda(build, work, tracing=True)
            runs = [("tracing off", plain, plain_s), ("Tracing: Active", traced, traced_s)]
            for label, status, seconds in runs:
                timing = f" in {ms(seconds)} (start to answer, median of {LAMBDA_LIKE_RUNS})" if seconds else ""
                section.figures.append(
                    Figure(
                        "size",
                        f"built LoginFunction serves GET /api/session as on Lambda ({label})",
                        status + timing,
                        goal="401",
                        met=status == "401",
                        data={"status": status, "seconds": seconds},
                    )
                )
            section.notes.append(
                "the built package is run with `python -S` (no site-packages), sys.path = function, layer python/, "
                "then only the runtime's boto3/botocore/s3transfer/jmespath/dateutil/six/urllib3, bytecode not "
                f"written (read-only like /opt). The layer ships {pycs} unchecked-hash .pyc files "
                f"(layers/common/Makefile), so none of its {ms(compile_s)} of compilation (all its modules, measured "
                f"here) happens at a cold start; a function's own app.py compiles in at most {ms(functions_s)}: not "
                "worth shipping bytecode for."
            )
            if traced != "401":
                section.notes.append(
                    "with Tracing: Active (template Globals), Lambda sets AWS_XRAY_DAEMON_ADDRESS and "
                    "cmi.observability builds a Powertools Tracer, which needs aws_xray_sdk; the layer's "
                    "requirements.txt does not list it (it is only in the dev venv, through moto), so every "
                    "invocation fails. Fix: add `aws-xray-sdk` to layers/common/requirements.txt (or "
                    "`aws-lambda-powertools[tracer]`), or drop Tracing: Active."
                )
    return section
