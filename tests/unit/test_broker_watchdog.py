"""The broker's serving-loop health check, with and without a systemd watchdog."""

from ovirt_hosted_engine_ha.broker import daemon
from ovirt_hosted_engine_ha.lab.notify import NotifyListener
from tests.monitorsupport.wait import wait_for


def test_health_checked_without_a_watchdog(monkeypatch):
    monkeypatch.delenv("WATCHDOG_USEC", raising=False)
    checks = []
    watchdog = daemon.Watchdog(lambda: checks.append(1) or True)
    watchdog()
    watchdog()  # within CHECK_INTERVAL: not again
    assert checks == [1]


def test_keep_alive_only_while_healthy(tmp_path, monkeypatch):
    listener = NotifyListener(tmp_path / "notify.sock")
    try:
        monkeypatch.setenv("NOTIFY_SOCKET", listener.path)
        monkeypatch.setenv("WATCHDOG_USEC", "2")  # every call is due
        monkeypatch.delenv("WATCHDOG_PID", raising=False)
        healthy = [True]
        watchdog = daemon.Watchdog(lambda: healthy[0])
        watchdog()
        wait_for(lambda: listener.watchdogs == 1, timeout=10)
        healthy[0] = False
        watchdog()
        healthy[0] = True
        watchdog()
        wait_for(lambda: listener.watchdogs == 2, timeout=10)
    finally:
        listener.close()
