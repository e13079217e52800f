"""`make run`: the local portal on http://127.0.0.1:3000 (PORT overrides), until Ctrl-C."""

from __future__ import annotations

import faulthandler
import logging
import os
import signal
import socket
import sys
import threading
from dataclasses import dataclass
from http.server import ThreadingHTTPServer

from localportal.aws import EmbeddedAws
from localportal.runtime import Runtime
from localportal.template import ROOT

SITE = ROOT / "build" / "site"
DEMO_ORGANISATION = ("00001", "MDPH de démonstration")
DEMO_REFERENT = ("Camille", "Martin", "camille.martin@demo-cmi.fr")


@dataclass
class LocalPortal:
    runtime: Runtime
    http: ThreadingHTTPServer
    moto: EmbeddedAws
    stop: threading.Event

    def close(self) -> None:
        self.stop.set()
        self.http.shutdown()
        self.moto.stop()


def check_free(*ports: int) -> None:
    """Both ports free before anything starts, so a busy one stops start-up with one clear message."""
    for port in ports:
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", port))


def start(port: int, aws_port: int, quiet: bool = False) -> LocalPortal:
    """Embedded AWS, tables and queues from the template, handlers, HTTP server and queue pump."""
    from localportal import aws, server, template

    aws.fake_credentials()
    logging.getLogger("werkzeug").setLevel(logging.ERROR)  # moto's per-request lines drown the console
    moto = EmbeddedAws(aws_port)  # moto's own server, answering only this machine's boto3 clients
    moto.start()
    # boto3 honours AWS_ENDPOINT_URL: the handlers talk to moto without a line changed.
    os.environ["AWS_ENDPOINT_URL"] = f"http://127.0.0.1:{aws_port}"
    quieter = {"POWERTOOLS_LOG_LEVEL": os.environ.get("LOG_LEVEL", "WARNING"), "POWERTOOLS_METRICS_DISABLED": "true"}
    portal_url = f"http://127.0.0.1:{port}"
    runtime = Runtime(template.load(), {"PortalUrl": portal_url}, aws.client, quieter)
    http = server.serve(runtime, SITE, port, quiet=quiet)
    stop = threading.Event()
    server.pump(runtime, stop)
    return LocalPortal(runtime, http, moto, stop)


def seed_demo() -> tuple[str, str]:
    """Demo organisation 00001 and its référent, whose welcome mail lands in the outbox."""
    from cmi.container import container
    from cmi.domain import onboarding

    services = container()
    onboarding.create_organisation(services, *DEMO_ORGANISATION)
    created = onboarding.create_account(services, DEMO_ORGANISATION[0], *DEMO_REFERENT)
    return created.account.identifier, created.temporary_password


def main() -> int:
    # Handlers first: a Ctrl-C during start-up must still stop the embedded servers cleanly.
    done = threading.Event()
    signal.signal(signal.SIGINT, lambda *_: done.set())
    signal.signal(signal.SIGTERM, lambda *_: done.set())
    faulthandler.register(signal.SIGUSR1)  # `kill -USR1 <pid>` prints every thread's stack
    port = int(os.environ.get("PORT", "3000"))
    aws_port = int(os.environ.get("AWS_PORT", "4566"))
    if not (SITE / "index.html").is_file():
        print("Le site n'est pas construit : lancez `make run` (ou `python tools/build_site.py`).", file=sys.stderr)
        return 1
    try:
        check_free(port, aws_port)
        local = start(port, aws_port)
    except OSError as exc:
        print(f"Impossible de démarrer sur les ports {port} et {aws_port} : {exc.strerror}.", file=sys.stderr)
        print("Choisissez-en d'autres : PORT=3001 AWS_PORT=4567 make run", file=sys.stderr)
        return 1
    try:
        identifier, temporary = seed_demo()
        url = f"http://127.0.0.1:{port}"
        print(
            f"""
Portail CMI Organisme (local) : {url}
  Boîte d'envoi de développement : {url}/_dev/outbox  (JSON : {url}/_dev/outbox.json)
  AWS embarqué (moto) : http://127.0.0.1:{aws_port}

Compte de démonstration (référent de l'organisme {DEMO_ORGANISATION[0]} « {DEMO_ORGANISATION[1]} »)
  Identifiant : {identifier}
  Mot de passe temporaire : {temporary}
  (le courriel de bienvenue est dans la boîte d'envoi)

Outil d'exploitation : .venv/bin/cmi-admin --local show {identifier}
Ctrl-C pour arrêter.""",
            flush=True,
        )
        done.wait()
    finally:
        local.close()
    print("\nPortail arrêté.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
