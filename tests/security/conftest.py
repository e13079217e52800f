"""Security suite: reuses the integration fixtures (organisation, pending, active); starts the local portal."""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.integration.conftest import active, organisation, pending  # noqa: F401

ROOT = Path(__file__).resolve().parents[2]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class Running:
    port: int
    aws_port: int
    identifier: str
    temporary_password: str


@pytest.fixture(scope="module")
def portal() -> Iterator[Running]:
    port, aws_port = free_port(), free_port()
    env = {**os.environ, "PORT": str(port), "AWS_PORT": str(aws_port), "PYTHONUNBUFFERED": "1"}
    process = subprocess.Popen(
        [sys.executable, "-m", "localportal"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    assert process.stdout is not None
    console: list[str] = []
    ready = threading.Event()

    def read() -> None:
        # Reads the console to the end, so the request log never fills the pipe; the banner's last line
        # says the portal is serving.
        assert process.stdout is not None
        for line in process.stdout:
            console.append(line)
            if "Ctrl-C" in line:
                ready.set()
        ready.set()

    threading.Thread(target=read, daemon=True).start()
    try:
        assert ready.wait(90) and process.poll() is None, "".join(console)
        identifier = re.search(r"Identifiant : (\w+)", "".join(console))
        password = re.search(r"Mot de passe temporaire : (\S+)", "".join(console))
        assert identifier is not None and password is not None, "".join(console)
        yield Running(port, aws_port, identifier.group(1), password.group(1))
    finally:
        process.send_signal(2)
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            raise
    text = "".join(console)
    assert "Traceback" not in text, text[-3000:]
