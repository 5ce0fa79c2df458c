"""MetadataReader: the age of the data and the stale / fresh log lines."""

import logging

import pytest

from ovirt_hosted_engine_ha.broker import slot_check
from ovirt_hosted_engine_ha.broker.metadata_cache import MetadataCache
from ovirt_hosted_engine_ha.broker.metadata_reader import MetadataReader
from ovirt_hosted_engine_ha.lib import exceptions


class Clock:
    def __init__(self):
        self.now = 100.0

    def __call__(self):
        return self.now


class Storage:
    def __init__(self):
        self.error = None

    def read_all(self):
        if self.error:
            raise self.error
        return {0: b"maintenance=0".ljust(4096, b"\0")}

    read_slots = lambda self, slots: self.read_all()  # noqa: E731


class NoLockspace:
    def live_hosts(self):
        return None

    def watch(self):
        pass


@pytest.fixture
def parts(monkeypatch):
    monkeypatch.delenv("OVIRT_HA_METADATA_STALE_SECS", raising=False)
    clock, storage = Clock(), Storage()
    reader = MetadataReader(storage, MetadataCache(slot_check.intact), NoLockspace(),
                            period=10, clock=clock)
    return reader, storage, clock


def stale_lines(caplog):
    return [r.getMessage() for r in caplog.records if "Metadata " in r.getMessage()]


def test_age_counts_from_the_last_good_read(parts):
    reader, storage, clock = parts
    assert reader.age() is None and reader.stale()
    reader.read_once()
    clock.now += 12.5
    assert reader.age() == 12.5 and not reader.stale()


def test_stale_after_three_periods_logged_once_then_fresh(parts, caplog):
    caplog.set_level(logging.INFO)
    reader, storage, clock = parts
    reader.read_once()
    storage.error = exceptions.StorageError("EIO")
    for _ in range(6):
        clock.now += 10
        reader._refresh()
        reader.age()
    assert reader.stale()
    storage.error = None
    reader._refresh()
    assert not reader.stale()
    assert stale_lines(caplog) == [
        "Metadata is stale: last good read 40 s ago",
        "Metadata is stale: last good read 40 s ago (repeated 3 times in 20 s)",
        "Metadata fresh again (last good read 0 s ago)",
    ]
    read_errors = [r for r in caplog.records if r.getMessage() == "Reading metadata failed: EIO"]
    assert len(read_errors) == 1


def test_stale_bound_from_the_environment(parts, monkeypatch):
    monkeypatch.setenv("OVIRT_HA_METADATA_STALE_SECS", "2")
    _, storage, clock = parts
    reader = MetadataReader(storage, MetadataCache(slot_check.intact), NoLockspace(),
                            period=10, clock=clock)
    reader.read_once()
    clock.now += 2.5
    assert reader.stale()


def test_read_cycle_shortens_with_the_stale_bound(monkeypatch):
    from ovirt_hosted_engine_ha.lib import staleness

    monkeypatch.delenv("OVIRT_HA_METADATA_STALE_SECS", raising=False)
    assert (staleness.read_period(), staleness.stale_after()) == (10, 30)
    monkeypatch.setenv("OVIRT_HA_METADATA_STALE_SECS", "3")
    assert (staleness.read_period(), staleness.stale_after()) == (1, 3)
