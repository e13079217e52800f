"""The Host names the local servers answer to: the loopback names with their port, nothing else.

Binding to 127.0.0.1 keeps other machines out, but not a web page: through DNS rebinding a site's
own name can resolve to 127.0.0.1, and its scripts then read the portal (and the dev outbox with its
temporary passwords and reset links) as same-origin. Such a request still carries the site's name in
Host, so both servers refuse any Host but these.
"""

from __future__ import annotations

LOOPBACK_NAMES = ("127.0.0.1", "localhost")


def allowed_hosts(port: int) -> frozenset[str]:
    hosts = {f"{name}:{port}" for name in LOOPBACK_NAMES}
    if port == 80:  # browsers leave the default port out of Host
        hosts.update(LOOPBACK_NAMES)
    return frozenset(hosts)


def is_allowed(values: list[str] | None, hosts: frozenset[str]) -> bool:
    """Exactly one Host header, naming this server (names are case-insensitive)."""
    return values is not None and len(values) == 1 and values[0].strip().lower() in hosts
