"""The real local portal, started as `make run` starts it (`python -m localportal`), on free ports."""

from __future__ import annotations

import http.client
import json
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
START_TIMEOUT = 90


@dataclass(frozen=True)
class Portal:
    port: int
    aws_port: int
    log: Path

    def tracebacks(self) -> list[str]:
        """The last line of each traceback the portal printed so far (its console goes to a file), and the
        exception of each error the functions logged (Powertools puts it in the JSON line)."""
        lines = self.log.read_text(encoding="utf-8", errors="replace").splitlines()
        found = []
        for line in lines:
            if line.startswith("{") and '"exception_name"' in line:
                try:
                    logged = json.loads(line)
                except ValueError:
                    continue
                found.append(f"{logged.get('exception_name')}: {str(logged.get('exception', '')).splitlines()[-1:]}")
        for i, line in enumerate(lines):
            if line.startswith("Traceback"):
                end = next((j for j in range(i + 1, len(lines)) if not lines[j].startswith((" ", "\t"))), None)
                if end is not None:
                    found.append(lines[end].strip())
        return found

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _answers(port: int) -> bool:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
    try:
        connection.request("GET", "/index.html")
        response = connection.getresponse()
        response.read()  # closing with unread data would reset the connection (a traceback on the portal side)
        return response.status == 200
    except OSError:
        return False
    finally:
        connection.close()


@contextmanager
def running() -> Iterator[Portal]:
    if not (ROOT / "build" / "site" / "index.html").is_file():
        raise RuntimeError("build/site is missing: run `make site` (make bench does)")
    port, aws_port = free_port(), free_port()
    # The environment of a shell running `make run`: none of the AWS or Powertools settings of this process.
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "POWERTOOLS_", "MOTO_"))}
    env.update({"PORT": str(port), "AWS_PORT": str(aws_port), "PYTHONUNBUFFERED": "1"})
    # A file, not a pipe: the portal logs every request, and an unread pipe would block it. Append mode, so
    # that this process can read it meanwhile without moving the portal's write position.
    with tempfile.TemporaryDirectory(prefix="bench-portal-") as tmp, (Path(tmp) / "console.log").open("ab") as log:
        process = subprocess.Popen([sys.executable, "-m", "localportal"], cwd=ROOT, env=env, stdout=log, stderr=log)
        portal = Portal(port, aws_port, Path(tmp) / "console.log")
        try:
            deadline = time.monotonic() + START_TIMEOUT
            while not _answers(port):
                if process.poll() is not None or time.monotonic() > deadline:
                    console = portal.log.read_text(encoding="utf-8", errors="replace")
                    raise RuntimeError(f"the local portal did not start: {console[-800:]}")
                time.sleep(0.25)
            yield portal
        finally:
            if process.poll() is None:
                process.send_signal(signal.SIGINT)  # what Ctrl-C does: the portal stops cleanly
                try:
                    process.wait(timeout=10)
                except subprocess.TimeoutExpired:
                    process.kill()
                    process.wait(timeout=10)
