from cmi import onboarding


def test_login_of_new_referent_asks_for_first_connection(harness):
    p = harness.portal
    onboarding.create_organisation(p, "00001", "MDPH test")
    new = onboarding.create_account(p, "00001", "Camille", "Martin", "camille@example.fr")
    r = harness.post("/api/login", {"identifier": new.account.identifier, "password": new.temporary_password})
    assert r.status == 200, r.text
    assert r.json == {"next": "first_connection"}
