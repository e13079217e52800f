"""Figure 8: the référent area with an organisation of 1,000 agents.

The API side: every page of GET /api/agents read through the handler as the agents page does (DynamoDB calls
counted, time measured), beside its floor, one Query of the organisation index returning the 1,000 items.
The page side is measured by the e2e harness of the agents page when it exists (bench/agents_page.py).
"""

from __future__ import annotations

import time
from typing import Any

from bench.report import Figure, Section, median, ms
from bench.stack import running

AGENTS = 1000
ROUNDS = 9
ORG = "00001"


def profiles(count: int, org_name: str) -> list[dict[str, Any]]:
    """BatchWriteItem requests for `count` profiles of organisation 00001, as the store writes them."""
    from cmi.domain.model import Account
    from cmi.store.accounts import account_item

    now = int(time.time())
    items = []
    for n in range(count):
        account = Account(
            identifier=f"{ORG}{n:010d}",
            org_code=ORG,
            org_name=org_name,
            first_name=f"Prénom{n % 97}",
            last_name=f"Nom{n:04d}",
            email=f"agent{n}@demo-cmi.fr",
            role="profile",
            status="active" if n % 3 else "pending",
            password_hash="$argon2id$v=19$m=19456,t=2,p=1$c2FsdA$aGFzaA",
            password_version=1,
            created_at=now,
            last_login_at=now if n % 2 else None,
        )
        items.append({"PutRequest": {"Item": account_item(account)}})
    return items


def write(client: Any, table: str, items: list[dict[str, Any]]) -> None:
    for start in range(0, len(items), 25):
        client.batch_write_item(RequestItems={table: items[start : start + 25]})


def seed(h: Any, count: int = AGENTS) -> str:
    """An organisation of `count` agents written straight to the table (no argon2, no mail); its référent."""
    identifier, _ = h.seed_active_account()
    write(h.runtime.client("dynamodb"), h.services.settings.accounts_table, profiles(count - 1, "MDPH de mesure"))
    return identifier


def run() -> Section:
    section = Section("agents")
    with running() as h:
        from tests.security.support import mint

        referent = seed(h)
        cookies = {"__Host-cmi-session": mint(h.services, "session", referent, idle=1800)}
        dynamodb = h.runtime.client("dynamodb")
        table = h.services.settings.accounts_table
        handler_times, floor_times, calls, pages = [], [], {}, 0
        for _ in range(ROUNDS):
            h.counter.reset()
            started = time.perf_counter()
            cursor, listed, pages = None, 0, 0
            while True:
                answer = h.call("GET", "/api/agents" + (f"?cursor={cursor}" if cursor else ""), cookies=cookies)
                assert answer.status == 200, answer.text
                listed += len(answer.json["agents"])
                pages += 1
                cursor = answer.json["next_cursor"]
                if cursor is None:
                    break
            handler_times.append(time.perf_counter() - started)
            calls = h.counter.by_service()
            assert listed == AGENTS, listed
            started = time.perf_counter()
            found = 0
            kwargs: dict[str, Any] = {
                "TableName": table,
                "IndexName": "org-index",
                "KeyConditionExpression": "org_code = :o",
                "ExpressionAttributeValues": {":o": {"S": ORG}},
            }
            while True:  # one page of 1,000 items unless DynamoDB's 1 MB page limit cuts it
                response = dynamodb.query(**kwargs)
                found += len(response["Items"])
                if "LastEvaluatedKey" not in response:
                    break
                kwargs["ExclusiveStartKey"] = response["LastEvaluatedKey"]
            floor_times.append(time.perf_counter() - started)
            assert found == AGENTS, found
    listed_s, floor_s = median(handler_times), median(floor_times)
    queries = calls.get("dynamodb", {}).get("Query", 0)
    section.figures.append(
        Figure(
            "agents",
            f"GET /api/agents, all {AGENTS} agents of an organisation (median of {ROUNDS})",
            f"{ms(listed_s)} in {pages} page(s); DynamoDB: "
            + ", ".join(f"{op}×{n}" for op, n in calls.get("dynamodb", {}).items()),
            f"one Query of the organisation index, {AGENTS} items: {ms(floor_s)}",
            listed_s / floor_s,
            data={"handler_s": handler_times, "floor_s": floor_times, "calls": calls, "pages": pages},
        )
    )
    section.notes.append(
        f"agents: each page costs the session check (2 GetItem, one UpdateItem at most once a minute) and one "
        f"Query of up to {pages and AGENTS // pages} items on the org-index (no Scan: {queries} Query in all); "
        "the rest is building the answer (validation of the response model, JSON). moto in the same process: a "
        "DynamoDB call costs CPU here, network wait on AWS."
    )
    return section
