"""The agent keeps systemd fed during long broker calls: a real notify socket."""

import threading

import pytest

from ovirt_hosted_engine_ha.agent import keepalive
from ovirt_hosted_engine_ha.lab.notify import NotifyListener
from ovirt_hosted_engine_ha.lib.brokerlink import BrokerLink
from tests.monitorsupport.wait import wait_for


@pytest.fixture
def listener(tmp_path, monkeypatch):
    listener = NotifyListener(tmp_path / "notify.sock")
    monkeypatch.setenv("NOTIFY_SOCKET", listener.path)
    yield listener
    listener.close()


@pytest.mark.parametrize("verb", ["lock_host_id", "start_domain_monitor"])
def test_long_call_keeps_the_watchdog_fed(listener, monkeypatch, verb):
    seen = []

    def slow_call(self, host_id):
        # the call returns only once systemd got keep-alives while it ran
        wait_for(lambda: listener.watchdogs >= 3, timeout=30)
        seen.append(host_id)

    monkeypatch.setattr(BrokerLink, verb, slow_call)
    link = keepalive.FedBrokerLink(watchdog=0.02, socket_path="/nonexistent")
    getattr(link, verb)(7)
    assert seen == [7]
    after = listener.watchdogs
    assert not any(t.name == "WatchdogKeepAlive" for t in threading.enumerate())
    assert listener.watchdogs == after  # no keep-alive once the call returned


def test_keep_alives_stop_at_the_calls_own_limit(listener):
    with keepalive.KeepAlive("lock_host_id", interval=0.02, limit=0.1) as feeding:
        assert feeding.expired.wait(30)  # the call "hangs" beyond its maximum
        count = listener.watchdogs
        wait_for(lambda: not any(t.name == "WatchdogKeepAlive"
                                 for t in threading.enumerate()), timeout=10)
    assert listener.watchdogs == count


def test_no_watchdog_no_thread(listener, monkeypatch):
    monkeypatch.setattr(BrokerLink, "lock_host_id", lambda self, host_id: None)
    keepalive.FedBrokerLink(watchdog=None, socket_path="/nonexistent").lock_host_id(1)
    assert listener.watchdogs == 0


def test_limits_cover_the_longest_legitimate_waits():
    assert keepalive.LIMITS["start_domain_monitor"] > 240
    assert keepalive.LIMITS["lock_host_id"] > 160
