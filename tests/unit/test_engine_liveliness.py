"""The in-process engine liveliness check against a real local HTTP server."""

import sys
from pathlib import Path

import pytest

from ovirt_hosted_engine_ha.lib import engine_liveliness

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
from tests.monitorsupport import servers  # noqa: E402


@pytest.fixture
def page():
    with servers.HealthPage() as p:
        yield p


def test_url():
    assert engine_liveliness.health_url("engine.example.com") == (
        "http://engine.example.com/ovirt-engine/services/health")


@pytest.mark.parametrize("body,status,up", [
    ("DB Up!Welcome to Health Status!", 200, True),
    ("Welcome: DB Up", 200, True),
    ("DB Down", 200, False),
    ("", 200, False),
    ("ok\nDB Up", 200, False),          # "DB Up" must be on the first line
    ("DB Up!", 503, False),
])
def test_body_and_status(page, body, status, up):
    page.body, page.status = body, status
    assert engine_liveliness.is_engine_up(page.fqdn, timeout=5) is up


def test_no_fqdn():
    assert engine_liveliness.is_engine_up(None) is False
    assert engine_liveliness.is_engine_up("") is False


def test_nothing_listening():
    port = servers.free_port()
    assert engine_liveliness.is_engine_up(f"127.0.0.1:{port}", timeout=5) is False


def test_hung_page_ends_at_the_deadline(page):
    page.hang()
    assert engine_liveliness.is_engine_up(page.fqdn, timeout=0.3) is False
    assert page.waiting.is_set()


def test_silent_server_ends_at_the_deadline():
    with servers.BlackHole() as hole:
        assert engine_liveliness.is_engine_up(f"127.0.0.1:{hole.port}", timeout=0.3) is False
