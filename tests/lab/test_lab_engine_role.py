"""ovirt-engine's part: local maintenance on the engine's host moves the VM."""

import dataclasses

import pytest

from ovirt_hosted_engine_ha.lab import engine_role
from ovirt_hosted_engine_ha.lib import metadata


def slot(host_id: int, score: int = 3400, ts: int = 100, **kw: object) -> metadata.HostSlot:
    return metadata.HostSlot(host_id=host_id, host_ts=ts, score=score,
                             engine_status='{"vm": "down"}', hostname="h", **kw)


def raw(*slots: metadata.HostSlot) -> dict[int, str]:
    return {s.host_id: metadata.build_host_slot(s).decode() for s in slots}


@pytest.fixture
def ha_conf(tmp_path, monkeypatch):
    monkeypatch.setenv("OVIRT_HA_ROOT", str(tmp_path))
    path = tmp_path / "var/lib/ovirt-hosted-engine-ha/ha.conf"
    path.parent.mkdir(parents=True)
    return path


def test_local_maintenance_from_ha_conf(ha_conf):
    assert not engine_role.local_maintenance()        # no file
    ha_conf.write_text("local_maintenance=False\n")
    assert not engine_role.local_maintenance()
    ha_conf.write_text("local_maintenance=True\n")
    assert engine_role.local_maintenance()
    ha_conf.write_text("local_maintenance=False\nlocal_maintenance_manual=True\n")
    assert engine_role.local_maintenance()


def test_best_host():
    slots = engine_role.parse_slots({**raw(slot(1), slot(2, 3000), slot(3, 3400),
                                           slot(4, 3600, stopped=True),
                                           slot(5, 3600, maintenance=True), slot(6, 0)),
                                     0: "global", 7: "garbage"})
    assert sorted(slots) == [1, 2, 3, 4, 5, 6]
    assert engine_role.best_host(slots, exclude=1) == 3
    assert engine_role.best_host(slots, exclude=3) == 1          # tie: lowest id
    assert engine_role.best_host(slots, exclude=1, live=lambda h: h == 2) == 2
    assert engine_role.best_host(slots, exclude=1, live=lambda h: False) is None


def test_freshness_needs_a_change_recently():
    now = [0.0]
    fresh = engine_role.Freshness(clock=lambda: now[0])
    fresh.observe({1: slot(1, ts=100), 2: slot(2, ts=100)})
    assert not fresh.live(1)                # seen once: no change yet
    now[0] = 10
    fresh.observe({1: slot(1, ts=110), 2: slot(2, ts=100)})
    assert fresh.live(1) and not fresh.live(2)
    now[0] = 10 + engine_role.FRESH_SECS + 1
    fresh.observe({1: slot(1, ts=110)})
    assert not fresh.live(1)                # stopped changing: dead


class FakeBroker:
    def __init__(self, slots: dict[int, str]) -> None:
        self.slots = slots

    def get_stats_from_storage(self) -> dict[int, str]:
        return self.slots


@dataclasses.dataclass
class Calls:
    migrations: list[int] = dataclasses.field(default_factory=list)


def test_check_migrates_once_to_a_live_host(ha_conf, monkeypatch):
    now = [1000.0]
    monkeypatch.setattr(engine_role.time, "monotonic", lambda: now[0])
    broker = FakeBroker(raw(slot(1, ts=1), slot(2, ts=1)))
    calls = Calls()
    role = engine_role.EngineRole(own_host=lambda: 1, migrate=calls.migrations.append,
                                  can_migrate=lambda: True, broker=broker)  # type: ignore
    role._freshness = engine_role.Freshness(clock=lambda: now[0])
    ha_conf.write_text("local_maintenance=True\n")
    role.check()
    assert calls.migrations == []           # host 2 not seen alive yet
    now[0] += engine_role.SLOTS_SECS
    broker.slots = raw(slot(1, ts=2), slot(2, ts=2))
    role.check()
    assert calls.migrations == [2]
    now[0] += 1
    role.check()
    assert calls.migrations == [2]          # retried only after RETRY_SECS
    ha_conf.write_text("local_maintenance=False\n")
    now[0] += engine_role.RETRY_SECS
    role.check()
    assert calls.migrations == [2]
