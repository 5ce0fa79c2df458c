"""vdsm's domain monitor joins the domain's own sanlock lockspace (driven with a fake sanlock;
the real one: tests/integration/test_lab_engine_vm.py)."""

import threading

import pytest
from labsupport import wait_for

from ovirt_hosted_engine_ha.lab.vdsm_sim import lockspaces
from ovirt_hosted_engine_ha.lab.vdsm_sim.domains import Storage
from ovirt_hosted_engine_ha.lab.vdsm_sim.knobs import Knobs
from ovirt_hosted_engine_ha.lab.vdsm_sim.monitoring import Monitors


class SanlockException(Exception):
    def __init__(self, errno: int, *args: object) -> None:
        super().__init__(errno, *args)
        self.errno = errno


class FakeSanlock:
    """add/rem/inq of a daemon: joins finish when `joined` is set, errors on request."""

    SanlockException = SanlockException

    def __init__(self) -> None:
        self.held: dict[bytes, int] = {}
        self.calls: list[tuple] = []
        self.add_errors: list[int] = []
        self.rem_errors: list[int] = []
        self.lock = threading.Lock()

    def add_lockspace(self, name: bytes, host_id: int, path: str, iotimeout: int = 0) -> None:
        self.calls.append(("add", name, host_id, path, iotimeout))
        if self.add_errors:
            raise SanlockException(self.add_errors.pop(0), "add failure")
        with self.lock:
            if self.held.get(name) == host_id:
                raise SanlockException(17, "File exists")
            self.held[name] = host_id

    def rem_lockspace(self, name: bytes, host_id: int, path: str, unused: bool = False) -> None:
        self.calls.append(("rem", name, host_id, unused))
        if self.rem_errors:
            raise SanlockException(self.rem_errors.pop(0), "rem failure")
        with self.lock:
            self.held.pop(name, None)

    def inq_lockspace(self, name: bytes, host_id: int, path: str) -> bool:
        with self.lock:
            return self.held.get(name) == host_id


@pytest.fixture
def fake(monkeypatch):
    monkeypatch.setattr(lockspaces, "RETRY_SECS", 0.05)
    monkeypatch.setattr(lockspaces, "CHECK_SECS", 0.05)
    return FakeSanlock()


@pytest.fixture
def spaces(fake, tmp_path):
    s = lockspaces.DomainLockspaces(tmp_path, sanlock=fake)
    yield s
    s.stop()


def test_join_and_leave(fake, spaces, tmp_path):
    assert not spaces.acquired("sd1")
    spaces.join("sd1", 3)
    wait_for(lambda: spaces.acquired("sd1"))
    assert fake.calls[0] == ("add", b"sd1", 3, str(tmp_path / "sd1/dom_md/ids"), 1)
    spaces.leave("sd1")
    assert not spaces.acquired("sd1")
    wait_for(lambda: b"sd1" not in fake.held)
    assert fake.calls[-1] == ("rem", b"sd1", 3, True)   # unused=True: never kills a VM


def test_failed_join_is_retried(fake, spaces):
    fake.add_errors = [-262, 19]     # id busy, then file not accessible
    spaces.join("sd1", 1)
    wait_for(lambda: spaces.acquired("sd1"))
    assert [c[0] for c in fake.calls] == ["add", "add", "add"]


def test_leave_refused_while_a_lease_is_held(fake, spaces):
    spaces.join("sd1", 1)
    wait_for(lambda: spaces.acquired("sd1"))
    fake.rem_errors = [16, 16]        # EBUSY twice: the engine VM holds its lease
    spaces.leave("sd1")
    wait_for(lambda: b"sd1" not in fake.held)
    assert [c[0] for c in fake.calls].count("rem") == 3


def test_lost_id_is_joined_again(fake, spaces):
    spaces.join("sd1", 2)
    wait_for(lambda: spaces.acquired("sd1"))
    with fake.lock:
        fake.held.clear()             # e.g. the daemon was restarted
    wait_for(lambda: spaces.acquired("sd1"))
    assert [c[0] for c in fake.calls] == ["add", "add"]


def test_monitor_acquired_needs_the_lockspace_and_the_delay(fake, spaces, domain):
    sd = domain.ids.sd_uuid
    knobs = Knobs(acquire_delay=0.0)
    monitors = Monitors(knobs, Storage(domain.layout.storage), spaces)
    fake.add_errors = [-262] * 3
    monitors.start(sd, 1)
    assert monitors.vitals([sd])[sd]["acquired"] is False
    wait_for(lambda: monitors.vitals([sd])[sd]["acquired"])
    knobs.acquire_delay = 3600.0      # not before the delay, however fast the join
    assert monitors.vitals([sd])[sd]["acquired"] is False
    monitors.start(sd, 1)             # already monitored: no second join
    assert [c[0] for c in fake.calls].count("add") == 4
    monitors.stop(sd)
    assert monitors.vitals([sd]) == {}
    wait_for(lambda: fake.calls[-1][0] == "rem")
