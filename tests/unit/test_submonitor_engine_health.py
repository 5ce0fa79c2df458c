"""engine-health: vdsm VM state, VM status events and the engine's health page over HTTP."""

import json
import sys
from pathlib import Path

import pytest

from ovirt_hosted_engine_ha.broker import monitor
from ovirt_hosted_engine_ha.broker.submonitors import base, engine_health
from ovirt_hosted_engine_ha.lib import engine_liveliness, exceptions

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
from tests.monitorsupport import servers  # noqa: E402
from tests.monitorsupport.fakes import VM_UUID, FakeVdsm, make_conf, vm_stats  # noqa: E402
from tests.monitorsupport.wait import wait_for, wait_value  # noqa: E402

GOOD = '{"vm": "up", "health": "good", "detail": "Up"}'


@pytest.fixture
def page():
    with servers.HealthPage() as p:
        yield p


@pytest.fixture
def vdsm():
    fake = FakeVdsm(VM_getStats=vm_stats("Up"))
    yield fake
    fake.release.set()


@pytest.fixture
def sub(tmp_path, vdsm, page):
    ctx = base.Context(conf=make_conf(tmp_path, fqdn=page.fqdn), vdsm=vdsm)
    s = engine_health.Submonitor({"vm_uuid": VM_UUID}, ctx)
    s.liveliness = lambda fqdn: engine_liveliness.is_engine_up(fqdn, timeout=2)
    return s


def measured(sub) -> dict:
    sub._measure_once()
    return json.loads(sub.text)


def test_good_value_is_upstream_json(sub):
    sub._measure_once()
    assert sub.text == GOOD


def test_none_before_first_value(sub):
    assert sub.text == "None"


def test_health_page_decides(sub, page):
    page.body = "DB Down!"
    assert measured(sub) == {"vm": "up", "health": "bad", "detail": "Up",
                             "reason": "failed liveliness check"}
    page.body, page.status = "DB Up!Welcome", 500
    assert measured(sub)["reason"] == "failed liveliness check"


@pytest.mark.parametrize("status", ["Paused", "WaitForLaunch", "Restoring state", "Powering up"])
def test_starting_or_paused_vm(sub, vdsm, status):
    vdsm.set("VM.getStats", vm_stats(status))
    assert measured(sub) == {"vm": "up", "health": "bad", "detail": status,
                             "reason": "bad vm status"}


@pytest.mark.parametrize("status", ["Powering down", "Migration Source", "RebootInProgress"])
def test_other_running_states_check_liveliness(sub, vdsm, page, status):
    vdsm.set("VM.getStats", vm_stats(status))
    assert measured(sub) == {"vm": "up", "health": "good", "detail": status}
    assert page.requests == 1


def test_down_after_down_and_after_up(sub, vdsm):
    vdsm.set("VM.getStats", vm_stats("Down", exitReason=1, exitMessage="crashed"))
    assert measured(sub)["vm"] == "down"
    vdsm.set("VM.getStats", vm_stats("Up", status_time=4_300_000_100))
    assert measured(sub)["vm"] == "up"
    vdsm.set("VM.getStats", vm_stats("Down", status_time=4_300_000_200, exitReason=1))
    assert measured(sub) == {"vm": "down_unexpected", "health": "bad", "detail": "Down",
                             "reason": "bad vm status"}


def test_migration_destination(sub, vdsm):
    vdsm.set("VM.getStats", vm_stats("Migration Destination"))
    assert measured(sub)["vm"] == "down"


@pytest.mark.parametrize("message", [
    "libvirt: Failed to acquire lock: error -243",
    "resource busy: Failed to acquire lock: Lease is held by another host",
    "Is another process using the image?",
    "Is another process using the image [/rhev/x/y]?",
])
def test_lock_failure(sub, vdsm, message):
    vdsm.set("VM.getStats", vm_stats("Down", exitMessage=message, exitReason=1))
    assert measured(sub) == {
        "vm": "down", "health": "bad", "detail": "Down",
        "reason": "Storage of VM is locked. Is another host already starting the VM?"}


def test_migrated_away(sub, vdsm):
    vdsm.set("VM.getStats", vm_stats("Down", exitMessage="Migration succeeded", exitReason=4))
    assert measured(sub)["reason"] == "VM migrated away successfully"


def test_vm_missing(sub, vdsm):
    vdsm.fail("VM.getStats", code=1)
    assert measured(sub) == {"vm": "down", "health": "bad", "detail": "unknown",
                             "reason": "vm not running on this host"}
    vdsm.set("VM.getStats", vm_stats("Up"))
    assert measured(sub)["vm"] == "up"
    vdsm.fail("VM.getStats", code=1)
    assert measured(sub)["vm"] == "down_missing"


@pytest.mark.parametrize("code", [100, None])
def test_vdsm_failure_is_unknown(sub, vdsm, code):
    vdsm.fail("VM.getStats", code=code)
    assert measured(sub) == {"vm": "unknown", "health": "unknown", "detail": "unknown",
                             "reason": "failed to getVmStats"}


def test_older_update_is_dropped(sub, vdsm):
    assert measured(sub)["detail"] == "Up"
    vdsm.set("VM.getStats", vm_stats("Paused", status_time=4_299_999_999))
    assert measured(sub)["detail"] == "Up"
    # Numbers, not text: 10 digits are newer than 9.
    sub._vdsm_time = 999_999_999
    assert measured(sub)["detail"] == "Paused"


def test_missing_fqdn_fails_liveliness(tmp_path, vdsm):
    ctx = base.Context(conf=make_conf(tmp_path), vdsm=vdsm)
    sub = engine_health.Submonitor({"vm_uuid": VM_UUID}, ctx)
    assert measured(sub)["reason"] == "failed liveliness check"


def test_vm_uuid_required(tmp_path, vdsm):
    with pytest.raises(exceptions.InvalidArgument) as e:
        engine_health.Submonitor({"vm_uuid": ""}, base.Context(conf=None, vdsm=vdsm))
    assert str(e.value) == (
        "invalid engine-health option 'vm_uuid': engine-health requires vm_uuid")


def event(status: str, notify_time: int, vm_uuid: str = VM_UUID) -> tuple[str, dict]:
    return f"|virt|VM_status|{vm_uuid}", {vm_uuid: {"status": status}, "notify_time": notify_time}


def test_events_update_between_polls(tmp_path, vdsm, page):
    mon = monitor.Monitor(make_conf(tmp_path, fqdn=page.fqdn), vdsm=vdsm, interval=3600)
    try:
        mon.start("engine-health", {"vm_uuid": VM_UUID})
        wait_value(lambda: mon.status("engine-health"), GOOD, 10)
        assert vdsm.client.subscribed.wait(10)
        polls = vdsm.count("VM.getStats")
        vdsm.client.emit(*event("Paused", 4_300_000_100, vm_uuid="other"))
        vdsm.client.emit(*event("Paused", 4_300_000_100))
        value = wait_value(lambda: mon.status("engine-health"), lambda v: "Paused" in v, 10)
        assert json.loads(value)["health"] == "bad"
        vdsm.client.emit(*event("Powering up", 4_200_000_000))   # older: dropped
        vdsm.client.emit(*event("Up", 4_300_000_200))
        wait_value(lambda: mon.status("engine-health"), GOOD, 10)
        assert vdsm.count("VM.getStats") == polls
    finally:
        mon.stop_all(10)
    assert not vdsm.client.queues, "unsubscribed on stop"


def test_hung_health_page_does_not_delay_other_monitors(tmp_path, vdsm, page):
    vdsm.set("Host.getStats", {"memFree": 100})
    mon = monitor.Monitor(make_conf(tmp_path, fqdn=page.fqdn), vdsm=vdsm, interval=0.02)
    try:
        page.hang()
        mon.start("engine-health", {"vm_uuid": VM_UUID})
        assert page.waiting.wait(10)
        mon.start("mem-free", {})
        wait_value(lambda: mon.status("mem-free"), "100", 10)
        vdsm.set("Host.getStats", {"memFree": 200})
        wait_value(lambda: mon.status("mem-free"), "200", 10)
        assert mon.status("engine-health") == "None"
        page.release.set()
        wait_value(lambda: mon.status("engine-health"), GOOD, 30)
    finally:
        page.release.set()
        mon.stop_all(10)


def test_events_without_subscribe_support(tmp_path, vdsm, page, caplog):
    class NoEvents:
        def subscribe(self, name, q):
            raise AttributeError("no subscribe")
    vdsm.connect = lambda: NoEvents()
    mon = monitor.Monitor(make_conf(tmp_path, fqdn=page.fqdn), vdsm=vdsm, interval=0.02)
    try:
        mon.start("engine-health", {"vm_uuid": VM_UUID})
        wait_value(lambda: mon.status("engine-health"), GOOD, 10)
        wait_for(lambda: "vdsm events unavailable" in caplog.text, 10)
    finally:
        mon.stop_all(10)
