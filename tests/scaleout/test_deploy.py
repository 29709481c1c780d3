"""The deployment's files agree with each other and with what the tests run (issue 18):
the compose file gives nginx every variable of the template the scale-out tests render,
and its Rasa instances settings the channel and Rasa accept."""

import re
from pathlib import Path

import yaml
from rasa.core.lock_store import LockStore
from rasa.utils.endpoints import read_endpoint_config

from livechat.lock_store import AsyncRedisLockStore
from livechat.settings import ChannelSettings
from tests.scaleout.cluster import TEMPLATE, render

DEPLOY = Path(__file__).resolve().parents[2] / "deploy"
COMPOSE = yaml.safe_load((DEPLOY / "compose.yml").read_text())


def test_nginx_gets_exactly_the_variables_of_the_template_the_tests_run() -> None:
    nginx = COMPOSE["services"]["nginx"]
    used = set(re.findall(r"\$\{(EF_\w+)\}", TEMPLATE.read_text()))
    assert used and set(nginx["environment"]) == used
    assert "./nginx/templates:/etc/nginx/templates:ro" in nginx["volumes"]
    assert TEMPLATE.parent == DEPLOY / "nginx" / "templates"
    rendered = render(TEMPLATE.read_text(), nginx["environment"])
    assert "${EF_" not in rendered and "$http_upgrade" in rendered  # nginx's own kept
    assert "server rasa1:5005" in rendered and "server rasa2:5005" in rendered


def test_both_instances_run_the_deployments_settings() -> None:
    services = COMPOSE["services"]
    assert services["rasa1"]["command"] == services["rasa2"]["command"]
    command = services["rasa1"]["command"]
    assert "--endpoints deploy/endpoints.yml" in command and "--credentials deploy/credentials.yml" in command
    for name in ("rasa1", "rasa2", "actions", "migrate"):
        assert services[name]["environment"]["DATABASE_URL"].startswith("postgresql://")


def test_the_channel_accepts_the_deployments_credentials() -> None:
    credentials = yaml.safe_load((DEPLOY / "credentials.yml").read_text())
    settings = ChannelSettings.from_credentials(credentials["web.site.WebsiteChannel"])
    assert settings.redis_url == "redis://redis:6379/0" and settings.cookie_secure
    assert settings.hsts_seconds >= 31536000


def test_rasa_builds_the_redis_lock_store_from_the_deployments_endpoints() -> None:
    config = read_endpoint_config(str(DEPLOY / "endpoints.yml"), "lock_store")
    store = LockStore.create(config)  # connects lazily: no Redis needed here
    assert isinstance(store, AsyncRedisLockStore)
    assert store._connection["host"] == "redis" and store._connection["db"] == 1
    tracker = read_endpoint_config(str(DEPLOY / "endpoints.yml"), "tracker_store")
    root = read_endpoint_config(str(DEPLOY.parent / "endpoints.yml"), "tracker_store")
    assert tracker.type == root.type == "archive.tracker_store.ArchiveTrackerStore"
