"""samconfig.toml: a dev and a prod environment, dev the default; only prod asks, only dev syncs."""

from __future__ import annotations

import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
CONFIG = tomllib.loads((ROOT / "samconfig.toml").read_text(encoding="utf-8"))


def test_each_environment_has_its_own_stack_region_prefix_and_tags():
    stacks = {}
    for env in ("dev", "prod"):
        section = CONFIG[env]
        stacks[env] = section["global"]["parameters"]["stack_name"]
        deploy = section["deploy"]["parameters"]
        assert section["global"]["parameters"]["region"] == "eu-west-3"
        assert deploy["s3_prefix"] == stacks[env]
        assert f'environnement="{env}"' in deploy["tags"]
        assert deploy["capabilities"] == "CAPABILITY_IAM"
    assert stacks["dev"] != stacks["prod"]


def test_plain_sam_deploy_is_dev_and_only_prod_asks_for_confirmation():
    assert CONFIG["default"]["global"]["parameters"] == CONFIG["dev"]["global"]["parameters"]
    assert CONFIG["default"]["deploy"]["parameters"] == CONFIG["dev"]["deploy"]["parameters"]
    assert CONFIG["dev"]["deploy"]["parameters"]["confirm_changeset"] is False
    assert CONFIG["prod"]["deploy"]["parameters"]["confirm_changeset"] is True


def test_sync_watch_never_targets_prod():
    assert "sync" not in CONFIG["prod"]
    assert CONFIG["default"]["sync"]["parameters"]["watch"] is True


def test_per_deployment_values_are_given_at_deploy_time_not_written_here():
    for env in ("default", "dev", "prod"):
        overrides = CONFIG[env]["deploy"]["parameters"].get("parameter_overrides", "")
        for name in ("SenderEmail", "PortalUrl", "WebAclArn"):
            assert f"{name}=" not in overrides, (env, name)
