"""broker.domain_monitor against an in-test vdsm."""

import sys
import threading
from pathlib import Path

import pytest

from ovirt_hosted_engine_ha.broker import domain_monitor
from ovirt_hosted_engine_ha.lib import exceptions

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
from tests.monitorsupport.fakes import SD_UUID, FakeVdsm  # noqa: E402
from tests.monitorsupport.wait import wait_for  # noqa: E402


class SimulatedVdsm(FakeVdsm):
    """vdsm's domain monitor: absent until started, acquired after `polls_to_acquire` polls."""

    def __init__(self, monitored: bool = False, acquired: bool = False,
                 polls_to_acquire: int = 2) -> None:
        super().__init__()
        self.monitored, self.acquired = monitored, acquired
        self.polls_to_acquire = polls_to_acquire
        self.set("Host.getStorageRepoStats", self._stats)
        self.set("Host.startMonitoringDomain", self._start)
        self.set("Host.stopMonitoringDomain", self._stop)

    def _stats(self, domains):
        assert domains == [SD_UUID]
        if not self.monitored:
            return {}
        if not self.acquired:
            self.polls_to_acquire -= 1
            self.acquired = self.polls_to_acquire < 0
        return {SD_UUID: {"valid": True, "delay": "0", "acquired": self.acquired,
                          "actual": True, "code": 0, "version": 5, "lastCheck": "1.0"}}

    def _start(self, sdUUID, hostID):
        self.monitored = True
        return True

    def _stop(self, sdUUID):
        self.monitored = self.acquired = False
        return True


def build(vdsm, **kw) -> domain_monitor.DomainMonitor:
    kw.setdefault("poll_interval", 0.01)
    return domain_monitor.DomainMonitor(SD_UUID, vdsm=vdsm, **kw)


def test_start_when_not_monitored():
    vdsm = SimulatedVdsm()
    build(vdsm).start(3)
    assert vdsm.count("Host.startMonitoringDomain") == 1
    assert ("Host.startMonitoringDomain", {"sdUUID": SD_UUID, "hostID": 3}) in vdsm.calls
    assert vdsm.acquired


def test_pending_only_waits():
    vdsm = SimulatedVdsm(monitored=True, polls_to_acquire=3)
    build(vdsm).start(1)
    assert vdsm.count("Host.startMonitoringDomain") == 0
    assert vdsm.count("Host.getStorageRepoStats") == 4


def test_acquired_returns_at_once():
    vdsm = SimulatedVdsm(monitored=True, acquired=True)
    build(vdsm).start(1)
    assert [name for name, _ in vdsm.calls] == ["Host.getStorageRepoStats"]


def test_timeout():
    vdsm = SimulatedVdsm(polls_to_acquire=10**9)
    with pytest.raises(exceptions.VdsmError) as e:
        build(vdsm, max_wait=0.05, poll_interval=0.01).start(2)
    assert str(e.value) == (
        f"Failed to start monitoring domain (sd_uuid={SD_UUID}, host_id=2): "
        "timeout during domain acquisition")
    # upstream's count: one probe after start, then one per step while waited <= max_wait
    assert vdsm.count("Host.getStorageRepoStats") == 2 + 6


def test_interrupt_ends_the_wait():
    vdsm = SimulatedVdsm(polls_to_acquire=10**9)
    dm = build(vdsm, max_wait=3600, poll_interval=3600)
    errors: list[Exception] = []

    def run() -> None:
        try:
            dm.start(1)
        except exceptions.VdsmError as e:
            errors.append(e)

    thread = threading.Thread(target=run)
    thread.start()
    wait_for(lambda: vdsm.count("Host.getStorageRepoStats") == 2, 10)
    dm.interrupt()
    thread.join(10)
    assert not thread.is_alive()
    assert str(errors[0]).endswith("interrupted by broker shutdown")


def test_probe_error():
    vdsm = SimulatedVdsm()
    vdsm.fail("Host.getStorageRepoStats", code=100)
    with pytest.raises(exceptions.VdsmError) as e:
        build(vdsm).start(1)
    assert str(e.value).startswith(
        f"cannot query vdsm's monitor of storage domain {SD_UUID}: ")


def test_start_error():
    vdsm = SimulatedVdsm()
    vdsm.fail("Host.startMonitoringDomain", code=358)
    with pytest.raises(exceptions.VdsmError) as e:
        build(vdsm).start(1)
    assert "vdsm could not start monitoring storage domain" in str(e.value)
    assert "code 358" in str(e.value)


def test_stop_when_monitored():
    vdsm = SimulatedVdsm(monitored=True, acquired=True)
    build(vdsm).stop()
    assert ("Host.stopMonitoringDomain", {"sdUUID": SD_UUID}) in vdsm.calls
    assert not vdsm.monitored


def test_stop_when_not_monitored_does_nothing():
    vdsm = SimulatedVdsm()
    build(vdsm).stop()
    assert vdsm.count("Host.stopMonitoringDomain") == 0


def test_stop_refused_by_vdsm_is_ignored(caplog):
    caplog.set_level("INFO")
    vdsm = SimulatedVdsm(monitored=True, acquired=True)
    vdsm.fail("Host.stopMonitoringDomain", code=900)
    build(vdsm).stop()
    assert "did not stop monitoring" in caplog.text


def test_stop_probe_error_raises():
    vdsm = SimulatedVdsm()
    vdsm.fail("Host.getStorageRepoStats")
    with pytest.raises(exceptions.VdsmError):
        build(vdsm).stop()
