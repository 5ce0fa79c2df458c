"""Lockspace against a sanlock double: daemon away, watch vs release, geometry.

The real daemon is exercised in tests/integration/test_broker_lockspace.py
and tests/faults/test_sanlock_restart.py; here the double makes the races
and the daemon's absence deterministic.
"""

import logging
import struct
import threading

import pytest
import sanlock

from ovirt_hosted_engine_ha.broker import lockspace, lockspace_geometry
from ovirt_hosted_engine_ha.lib import exceptions

PATH = "/lab/hosted-engine.lockspace"


class FakeSanlock:
    def __init__(self):
        self.held: set[int] = set()
        self.down = False
        self.adds: list[int] = []
        self.in_rem = threading.Event()
        self.finish_rem = threading.Event()
        self.finish_rem.set()

    def _check(self):
        if self.down:
            raise sanlock.SanlockException(111, "Sanlock daemon connection failed",
                                           "Connection refused")

    def inq_lockspace(self, name, host_id, path):
        self._check()
        return host_id in self.held

    def add_lockspace(self, name, host_id, path, iotimeout=0, wait=True):
        self._check()
        self.adds.append(host_id)
        self.held.add(host_id)

    def rem_lockspace(self, name, host_id, path):
        self._check()
        self.held.discard(host_id)
        self.in_rem.set()
        self.finish_rem.wait(10)


class FakeWatch:
    """The daemon watch (sanlock_watch.DaemonWatch): `daemon` tells whether a daemon
    runs; `noted` whether the one noted earlier still runs."""

    def __init__(self, daemon: bool = False) -> None:
        self.daemon = daemon
        self.noted = False

    def ensure(self) -> bool:
        self.noted = self.noted or self.daemon
        return self.noted

    def unbroken(self) -> bool:
        return self.noted

    def die(self) -> None:
        self.daemon = self.noted = False

    def close(self) -> None:
        self.noted = False


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def fake(monkeypatch):
    fake = FakeSanlock()
    for name in ("inq_lockspace", "add_lockspace", "rem_lockspace"):
        monkeypatch.setattr(lockspace.sanlock, name, getattr(fake, name))
    monkeypatch.setattr(lockspace, "DaemonWatch", FakeWatch)  # no daemon: no trust
    return fake


@pytest.fixture
def trusting(fake):
    """A lockspace holding id 1 whose daemon watch sees the daemon, and its clock."""
    daemon, clock = FakeWatch(daemon=True), Clock()
    space = lockspace.Lockspace(PATH, 512, daemon=daemon, clock=clock)
    space.lock(1)
    return space, daemon, clock


def test_a_held_answer_serves_writes_for_a_moment(fake, trusting):
    space, daemon, clock = trusting
    space.check_held()
    asked = space.inquiries
    space.check_held()
    clock.now += lockspace.HELD_TRUST * 0.9
    space.check_held()
    assert space.inquiries == asked
    clock.now += lockspace.HELD_TRUST * 0.2
    space.check_held()
    assert space.inquiries == asked + 1


def test_no_trust_without_a_daemon_seen_before_the_answer(fake):
    daemon, clock = FakeWatch(daemon=False), Clock()
    space = lockspace.Lockspace(PATH, 512, daemon=daemon, clock=clock)
    space.lock(1)
    for _ in range(3):
        space.check_held()
    assert space.inquiries == 4  # the lock's and one per write


def test_a_dead_daemon_ends_the_trust_at_once(fake, trusting):
    space, daemon, clock = trusting
    space.check_held()
    daemon.die()
    fake.down = True
    with pytest.raises(exceptions.LockspaceError, match="cannot ask sanlock"):
        space.check_held()
    fake.down = False  # a new daemon: it knows nothing of the id
    fake.held.clear()
    daemon.daemon = True
    with pytest.raises(exceptions.HostIdNotLockedError):
        space.check_held()


def test_a_loss_seen_by_the_watch_refuses_the_next_write(fake, trusting):
    space, daemon, clock = trusting
    space.check_held()
    fake.held.clear()  # sanlock dropped the lockspace; the daemon still runs
    fake.down = True   # and the watch cannot even ask: trust ends all the same
    space.watch()
    fake.down = False
    with pytest.raises(exceptions.HostIdNotLockedError):
        space.check_held()
    space.watch()      # sees it lost, re-adds
    asked = space.inquiries
    space.check_held()  # held again, asked again
    assert space.inquiries == asked + 1


def test_lock_and_release_end_the_trust(fake, trusting):
    space, daemon, clock = trusting
    space.check_held()
    space.release()
    with pytest.raises(exceptions.HostIdNotLockedError, match="no host id is held"):
        space.check_held()
    space.lock(1)
    fake.held.clear()  # dropped right after the lock call's own answer
    space._inquire(1)  # any other answer than "held" (here by a lock call) ends trust
    with pytest.raises(exceptions.HostIdNotLockedError):
        space.check_held()


def test_daemon_away_is_a_lockspace_fault_logged_once(fake, caplog):
    caplog.set_level(logging.INFO)
    space = lockspace.Lockspace(PATH, 512)
    space.lock(1)
    fake.down = True
    for _ in range(5):
        with pytest.raises(exceptions.LockspaceError) as e:
            space.check_held()
        assert e.value.fault_code == exceptions.FaultCode.LOCKSPACE
        assert "cannot ask sanlock about host id 1" in str(e.value)
        space.watch()  # no traceback, no re-add while the daemon is away
    assert fake.adds == [1]
    lines = [r.getMessage() for r in caplog.records if "sanlock" in r.getMessage()]
    assert lines[0].startswith("Cannot ask sanlock about host id 1: ")
    assert len(lines) == 1
    assert not any(r.exc_info for r in caplog.records)
    fake.down = False
    space.check_held()
    assert "sanlock answers again" in caplog.text
    assert "(repeated 9 times" in caplog.text


def test_watch_readds_a_lost_id(fake, caplog):
    space = lockspace.Lockspace(PATH, 512)
    space.lock(3)
    fake.held.clear()  # the daemon dropped the lockspace
    space.watch()
    space.watch()
    assert fake.adds == [3, 3]
    assert caplog.text.count("Host id 3 was lost from the lockspace; re-acquiring") == 1


def test_lock_again_after_a_loss_reports_it(fake, caplog):
    caplog.set_level(logging.INFO)
    space = lockspace.Lockspace(PATH, 512)
    space.lock(4)
    fake.held.clear()  # lost while the status thread was stuck on storage
    space.lock(4)      # the agent's next lock_host_id
    assert fake.adds == [4, 4]
    assert caplog.text.count("Host id 4 was lost from the lockspace; re-acquiring") == 1


def test_watch_never_rejoins_an_id_being_released(fake):
    space = lockspace.Lockspace(PATH, 512)
    space.lock(2)
    fake.finish_rem.clear()
    release = threading.Thread(target=space.release)
    release.start()
    assert fake.in_rem.wait(10)  # sanlock has let the id go; release not yet returned
    space.watch()
    fake.finish_rem.set()
    release.join(10)
    space.watch()
    assert fake.adds == [2] and fake.held == set()
    assert space.host_id is None


def leader(flags: int, sector: int, magic: int = lockspace_geometry.DELTA_MAGIC) -> bytes:
    return struct.pack("<IIII", magic, 0x30004, flags, sector).ljust(4096, b"\0")


@pytest.mark.parametrize("image,expected", [
    (leader(0x10, 512), 2000),
    (leader(0x10, 4096), 250),
    (leader(0x20, 4096), 500),
    (leader(0x40, 4096), 1000),
    (leader(0x80, 4096), 2000),
    (leader(0x00, 4096), 250),  # no alignment flag (older sanlock): 1 MiB
    (leader(0x20, 4096, magic=0), 250),  # not a lockspace: the default for 4 KiB
    (b"\0" * 4096, 250),  # never written
])
def test_max_hosts_from_the_leader(image, expected):
    # reading the real volume: tests/integration/test_broker_lockspace.py
    geometry = lockspace_geometry.parse(image) or lockspace_geometry.Geometry(4096)
    assert geometry.max_hosts == expected


def test_max_hosts_of_a_missing_volume(tmp_path):
    assert lockspace.Lockspace(str(tmp_path / "none"), 512).max_hosts == 2000
    assert lockspace.Lockspace(str(tmp_path / "none"), 4096).max_hosts == 250


def test_an_older_held_answer_never_outlives_a_newer_lost(fake, trusting, monkeypatch):
    space, daemon, clock = trusting
    clock.now += 1  # the lock call's own trust is over
    answers = iter([True, False, True])

    def inq_lockspace(name, host_id, path):
        answer = next(answers)
        if answer is True and space.inquiries == 2:
            # the write's inquiry is answered "held", but before it returns the
            # status thread asks too and is told "lost"
            space.watch()
        return answer

    monkeypatch.setattr(lockspace.sanlock, "inq_lockspace", inq_lockspace)
    space.check_held()  # answered "held": passes, but earns no trust
    asked = space.inquiries
    space.check_held()
    assert space.inquiries == asked + 1
