"""cmi-admin against the running local portal, as an operator would use it."""

import re


def test_demo_referent_was_seeded_with_a_welcome_mail(portal):
    mail = portal.wait_for_mail("camille.martin@demo-cmi.fr", "identifiants")
    assert portal.demo_identifier in mail["text"]
    assert portal.demo_password in mail["text"]
    assert f"{portal.url}/index.html" in mail["html"]
    assert portal.demo_identifier.startswith("00001") and len(portal.demo_identifier) == 15


def test_operator_registers_an_organisation_and_a_referent_who_gets_the_welcome_mail(portal):
    created = portal.admin("create-organisation", "69001", "MDPH du Rhône")
    assert "69001" in created.stdout
    referent = portal.admin(
        "create-referent",
        "69001",
        "--first-name",
        "Louise",
        "--last-name",
        "Bernard",
        "--email",
        "louise.bernard@exemple.fr",
    )
    identifier = re.search(r"identifiant (\w+)", referent.stdout).group(1)
    assert identifier.startswith("69001")
    mail = portal.wait_for_mail("louise.bernard@exemple.fr", "identifiants")
    assert identifier in mail["text"] and "Mot de passe temporaire" in mail["text"]
    # The temporary password is in the mail only, never on the operator's console.
    temporary = re.search(r"Mot de passe temporaire : (\S+)", mail["text"]).group(1)
    assert temporary not in referent.stdout + referent.stderr
    shown = portal.admin("show", identifier).stdout
    assert "Louise Bernard" in shown and "en attente de première connexion" in shown


def test_resend_temporary_password_mails_a_new_one(portal):
    portal.admin("create-organisation", "13001", "MDPH des Bouches-du-Rhône")
    referent = portal.admin(
        "create-referent", "13001", "--first-name", "Jean", "--last-name", "Roux", "--email", "jean.roux@exemple.fr"
    )
    identifier = re.search(r"identifiant (\w+)", referent.stdout).group(1)
    first = portal.wait_for_mail("jean.roux@exemple.fr", "identifiants")
    portal.admin("resend-temporary-password", identifier.lower())
    second = portal.wait_for_mail("jean.roux@exemple.fr", "identifiants", count=2)
    assert second["text"] != first["text"]


def test_bad_input_gets_a_clear_error_a_nonzero_exit_and_writes_nothing(portal):
    bad_code = portal.admin("create-organisation", "12", "Trop court", check=False)
    assert bad_code.returncode == 1 and "code émetteur invalide" in bad_code.stderr
    duplicate = portal.admin("create-organisation", "00001", "Doublon", check=False)
    assert duplicate.returncode == 1 and "existe déjà" in duplicate.stderr
    assert "MDPH de démonstration" in portal.admin("show", "00001").stdout
    no_org = portal.admin(
        "create-referent", "99999", "--first-name", "A", "--last-name", "B", "--email", "a@exemple.fr", check=False
    )
    assert no_org.returncode == 1 and "n'existe pas" in no_org.stderr
    bad_mail = portal.admin(
        "create-referent", "00001", "--first-name", "A", "--last-name", "B", "--email", "pas-un-email", check=False
    )
    assert bad_mail.returncode == 1 and "adresse email invalide" in bad_mail.stderr
    unknown = portal.admin("show", "00001NOBODY0000", check=False)
    assert unknown.returncode == 1
    usage = portal.admin("create-referent", check=False)
    assert usage.returncode == 2


def test_unblock_clears_login_failures(portal):
    import json
    import urllib.request

    def attempt():
        request = urllib.request.Request(
            f"{portal.url}/api/login",
            data=json.dumps({"identifier": "00001BLOCKME00", "password": "Faux!mot2passe"}).encode(),
            headers={"Content-Type": "application/json"},
            method="POST",
        )
        try:
            with urllib.request.urlopen(request, timeout=10) as response:
                return response.status
        except urllib.error.HTTPError as error:
            return error.code

    statuses = [attempt() for _ in range(6)]
    assert statuses == [401] * 5 + [429]
    assert "Identifiant débloqué." in portal.admin("unblock", "00001blockme00").stdout
    assert attempt() == 401


def test_admin_reports_a_portal_that_is_not_running(portal):
    import os
    import subprocess

    from tests.e2e.conftest import ROOT, free_port

    env = {**os.environ, "AWS_PORT": str(free_port())}
    result = subprocess.run(
        [str(ROOT / ".venv/bin/cmi-admin"), "--local", "show", "00001"],
        capture_output=True,
        text=True,
        env=env,
        check=False,
    )
    assert result.returncode == 3
    assert "make run" in result.stderr


def test_operator_lists_disables_enables_and_reads_the_journal(portal):
    portal.admin("create-organisation", "74001", "MDPH de Haute-Savoie")
    created = portal.admin(
        "create-referent", "74001", "--first-name", "Inès", "--last-name", "Girard", "--email", "ines.girard@exemple.fr"
    )
    identifier = re.search(r"identifiant (\w+)", created.stdout).group(1)
    listed = portal.admin("list", "74001").stdout
    assert identifier in listed and "Girard Inès" in listed and "1 agent(s)" in listed
    assert "désactivé" in portal.admin("disable", identifier).stdout
    assert "désactivé" in portal.admin("show", identifier).stdout
    assert "en attente de première connexion" in portal.admin("enable", identifier).stdout
    journal = portal.admin("journal", "74001").stdout.splitlines()
    # Newest first, each action journaled with the operator as its actor.
    assert [line.split()[4] for line in journal] == ["enabled", "disabled", "account_created"]
    assert all("opérateur" in line and identifier in line for line in journal)
    unknown = portal.admin("disable", "74001" + "0" * 10, check=False)
    assert unknown.returncode == 1 and "aucun compte" in unknown.stderr


def test_operator_ends_the_sessions_of_an_agent_with_options_after_the_command_and_json_output(portal):
    """The real command: options anywhere, stdout one JSON document, logs on stderr only, the pass then refused."""
    import json
    import urllib.request

    created = portal.admin(
        "create-referent", "00001", "--first-name", "Paul", "--last-name", "Morel", "--email", "paul.morel@exemple.fr",
        "--output", "json", "--debug",
    )  # fmt: skip
    identifier = json.loads(created.stdout)["identifier"]
    assert any(json.loads(line)["message"] == "account created" for line in created.stderr.splitlines())
    mail = portal.wait_for_mail("paul.morel@exemple.fr", "identifiants")
    temporary = re.search(r"Mot de passe temporaire : (\S+)", mail["text"]).group(1)

    def call(method, path, body=None, cookie=None):
        request = urllib.request.Request(
            f"{portal.url}{path}",
            data=None if body is None else json.dumps(body).encode(),
            headers={"Content-Type": "application/json", **({"Cookie": cookie} if cookie else {})},
            method=method,
        )
        try:
            with urllib.request.urlopen(request, timeout=10) as response:
                return response.status, response.headers.get_all("Set-Cookie") or []
        except urllib.error.HTTPError as error:
            return error.code, []

    status, set_cookie = call("POST", "/api/login", {"identifier": identifier, "password": temporary})
    assert status == 200
    cookie = set_cookie[0].split(";", 1)[0]
    assert cookie.startswith("__Host-cmi-first-connection=")
    assert call("GET", "/api/first-connection", cookie=cookie)[0] == 200

    ended = portal.admin("end-sessions", identifier.lower(), "--output", "json")
    assert json.loads(ended.stdout) == {"identifier": identifier, "status": "pending", "sessions_ended": True}
    assert ended.stderr == ""
    assert call("GET", "/api/first-connection", cookie=cookie)[0] == 401
    assert json.loads(portal.admin("show", identifier, "--output", "json").stdout)["status"] == "pending"
