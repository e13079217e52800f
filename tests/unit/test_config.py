import pytest

from cmi.config import Settings

REQUIRED = {
    "ACCOUNTS_TABLE": "a",
    "TOKENS_TABLE": "t",
    "THROTTLE_TABLE": "th",
    "JOURNAL_TABLE": "j",
    "MAIL_QUEUE_URL": "https://sqs/q",
    "PORTAL_URL": "https://portail.test/",
    "SENDER_EMAIL": "ne-pas-repondre@portail.test",
}


def test_defaults_follow_the_spec():
    s = Settings.from_env(REQUIRED)
    assert (s.temporary_password_days, s.reset_link_minutes, s.session_idle_minutes, s.session_absolute_hours) == (
        7,
        60,
        30,
        12,
    )
    assert (s.argon2_memory_kib, s.argon2_time_cost, s.argon2_parallelism) == (19456, 2, 1)
    assert s.portal_url == "https://portail.test"
    assert s.portal_origin == "https://portail.test"


def test_numbers_are_parsed_from_the_environment():
    assert Settings.from_env({**REQUIRED, "ARGON2_TIME_COST": "3"}).argon2_time_cost == 3


@pytest.mark.parametrize(
    ("name", "value", "error"),
    [
        ("ARGON2_MEMORY_KIB", "8192", "at least 19456"),
        ("ARGON2_TIME_COST", "1", "at least 2"),
        ("SESSION_IDLE_MINUTES", "trente", "whole number"),
        ("PORTAL_URL", "portail.test", "absolute"),
        ("SENDER_EMAIL", "", "must not be empty"),
    ],
)
def test_unsafe_or_malformed_settings_are_refused_at_start(name, value, error):
    with pytest.raises(ValueError, match=error):
        Settings.from_env({**REQUIRED, name: value})


def test_missing_required_variable_is_named():
    env = dict(REQUIRED)
    del env["ACCOUNTS_TABLE"]
    with pytest.raises(ValueError, match="ACCOUNTS_TABLE is required"):
        Settings.from_env(env)
