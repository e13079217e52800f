"""The local portal's own HTTP surface: what `make run` serves besides the handlers."""

import itertools
import json
import urllib.error
import urllib.request
from datetime import datetime, timedelta

from localportal import template


def fetch(url, method="GET", body=None, headers=None):
    request = urllib.request.Request(url, data=body, method=method, headers=headers or {})
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, dict(response.headers), response.read()
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers), error.read()


def test_static_pages_carry_the_cloudfront_security_headers_of_the_template(portal):
    status, headers, _ = fetch(f"{portal.url}/index.html")
    assert status == 200
    expected = template.load().security_headers()
    assert {k: headers[k] for k in expected} == expected
    assert "script-src 'self'" in headers["Content-Security-Policy"]
    assert headers["Referrer-Policy"] == "no-referrer"


def test_unknown_api_route_gets_the_gateway_response_in_french(portal):
    status, headers, body = fetch(f"{portal.url}/api/nothing")
    assert status == 403
    assert headers["Content-Type"].startswith("application/json")
    assert "n'existe pas" in json.loads(body)["message"]


def test_api_answers_are_never_cached(portal):
    _, headers, _ = fetch(f"{portal.url}/api/session")
    assert headers["Cache-Control"] == "no-store"


def test_outbox_json_lists_mails_newest_first_with_the_documented_fields(portal):
    status, _, body = fetch(f"{portal.url}/_dev/outbox.json")
    mails = json.loads(body)
    assert status == 200 and mails
    assert set(mails[0]) == {"to", "subject", "text", "html", "sent_at"}
    times = [datetime.fromisoformat(m["sent_at"]) for m in mails]
    # Newest first (in sending order; Date headers have a one-second resolution and two senders).
    assert all(newer >= older - timedelta(seconds=1) for newer, older in itertools.pairwise(times))


def test_path_traversal_and_missing_files_are_404(portal):
    assert fetch(f"{portal.url}/../pyproject.toml")[0] == 404
    assert fetch(f"{portal.url}/%2e%2e/pyproject.toml")[0] == 404
    assert fetch(f"{portal.url}/absent.html")[0] == 404
