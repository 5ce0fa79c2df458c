"""The engine VM stand-in on real sanlock: one lease, one health page, migration, host faults.

Two lab hosts without agents; the tests drive vdsm's verbs as the agent
and the engine would. vdsm's domain monitor joins the storage domain's own
lockspace on both hosts once for the module; each test leaves no VM behind.
The test killing a host runs last.
"""

import os
import signal
from pathlib import Path

import pytest

from ovirt_hosted_engine_ha.lab import probe, sanlockd
from ovirt_hosted_engine_ha.lab.record import LabRecord
from tests.lab.labcluster import (
    assert_exclusive,
    destroy_everywhere,
    health,
    healthy,
    journal,
    status,
    vm_pid,
    vm_stats,
    wait_for,
)

pytestmark = pytest.mark.integration

JOIN = 30       # seconds: a lockspace join takes 3 s with io timeout 1
BOOT = 30       # seconds: VM create -> Up
HELD = "Failed to acquire lock: Lease is held by another host"


def monitor(host, sd: str) -> None:
    host.sim.call("Host.startMonitoringDomain", sdUUID=sd, hostID=host.id)
    wait_for(lambda: host.sim.call("Host.getStorageRepoStats", domains=[sd])[sd]["acquired"],
             JOIN)


@pytest.fixture(scope="module")
def lab(shared_cluster):
    c = shared_cluster(hosts=2)
    for host in c.hosts.values():
        monitor(host, c.ids.sd_uuid)
    return c


@pytest.fixture
def clean(lab):
    yield lab
    destroy_everywhere(lab)
    for host in lab.hosts.values():
        if host.pid("sim") is not None:
            host.sim.set(engine_health="good")


def create(host) -> None:
    host.sim.call("VM.create", vmID=host.cluster.ids.vm_id, vmParams={"vmName": "HostedEngine"})


def start(host) -> None:
    create(host)
    wait_for(lambda: status(host) == "Up", BOOT)


def test_domain_monitor_holds_the_id_in_the_domain_lockspace(lab):
    sd = lab.ids.sd_uuid
    for k, host in lab.hosts.items():
        view = sanlockd.lockspace_view(host.layout, name=sd)
        assert view.host_id == k
    wait_for(lambda: sanlockd.lockspace_view(lab.hosts[1].layout, name=sd).hosts.get(2)
             == "LIVE", JOIN)


def test_engine_vm_runs_on_one_host_only(clean):
    lab = clean
    one, two = lab.hosts[1], lab.hosts[2]
    create(one)
    seen: set[str | None] = set()

    def up() -> bool:
        seen.add(status(one))
        return "Up" in seen

    wait_for(up, BOOT, 0.02)
    assert seen <= {"WaitForLaunch", "Powering up", "Up"}
    assert healthy(lab)
    assert lab.read_lease()["owners"] == [1]
    create(two)
    down = wait_for(lambda: (s := vm_stats(two)) and s["status"] == "Down" and s, BOOT)
    assert (down["exitCode"], down["exitReason"]) == (1, 1)
    assert down["exitMessage"].endswith(HELD)
    assert status(one) == "Up" and healthy(lab)
    assert lab.read_lease()["owners"] == [1]
    assert [e["event"] for e in journal(lab) if e.get("pid") == vm_pid(one)] == [
        "acquired"]
    assert_exclusive(lab)


def test_health_page_knob(clean):
    lab = clean
    start(lab.hosts[1])
    # The simulator hands a knob to the engine VM process asynchronously:
    # the page follows within moments, not at once.
    lab.hosts[1].sim.set(engine_health="bad")
    wait_for(lambda: health(lab) == "HTTP 500", 10)
    lab.hosts[1].sim.set(engine_health="hang")
    wait_for(lambda: health(lab, timeout=0.5).startswith("no answer"), 10)
    lab.hosts[1].sim.set(engine_health="good")
    wait_for(lambda: healthy(lab), 10)


def test_shutdown_releases_the_lease(clean):
    lab = clean
    one, two = lab.hosts[1], lab.hosts[2]
    start(one)
    version = lab.read_lease()["version"]
    one.sim.call("VM.shutdown", vmID=lab.ids.vm_id, delay="120", message="VM is shutting down!")
    assert status(one) == "Powering down"
    down = wait_for(lambda: (s := vm_stats(one)) and s["status"] == "Down" and s, BOOT)
    assert down["exitCode"] == 0
    assert not healthy(lab)
    assert lab.read_lease() == {"version": version, "owners": []}
    start(two)
    assert lab.read_lease() == {"version": version + 1, "owners": [2]}
    assert_exclusive(lab)


def test_destroy_kills_the_stand_in(clean):
    lab = clean
    one = lab.hosts[1]
    start(one)
    pid = vm_pid(one)
    one.sim.call("VM.destroy", vmID=lab.ids.vm_id)
    assert vm_stats(one) is None
    assert not os.path.exists(f"/proc/{pid}") or "Z" in Path(f"/proc/{pid}/stat").read_text()
    assert one.sim.get()["standins"] == {}
    start(one)       # the daemon released the dead process's lease
    assert_exclusive(lab)


def test_dead_stand_in_means_vm_down(clean):
    lab = clean
    one = lab.hosts[1]
    start(one)
    os.kill(vm_pid(one), signal.SIGKILL)
    down = wait_for(lambda: (s := vm_stats(one)) and s["status"] == "Down" and s, BOOT)
    assert (down["exitCode"], down["exitReason"]) == (1, 2)
    assert down["exitMessage"] == "Lost connection with qemu process"


def test_migration(clean):
    lab = clean
    one, two = lab.hosts[1], lab.hosts[2]
    start(one)
    one.sim.call("VM.migrate", vmID=lab.ids.vm_id,
                 params={"dst": str(two.layout.sim_socket), "method": "online"})
    down = wait_for(lambda: (s := vm_stats(one)) and s["status"] == "Down" and s, BOOT)
    assert (down["exitCode"], down["exitReason"], down["exitMessage"]) == (
        0, 4, "Migration succeeded")
    assert status(two) == "Up" and healthy(lab)
    assert lab.read_lease()["owners"] == [2]
    assert_exclusive(lab)


def test_without_the_domain_lockspace_no_start_and_no_migration(clean):
    lab = clean
    one, two, sd = lab.hosts[1], lab.hosts[2], lab.ids.sd_uuid
    two.sim.call("Host.stopMonitoringDomain", sdUUID=sd)
    try:
        wait_for(lambda: sanlockd.lockspace_view(two.layout, name=sd).host_id is None, JOIN)
        create(two)
        down = wait_for(lambda: (s := vm_stats(two)) and s["status"] == "Down" and s, BOOT)
        assert down["exitMessage"] == "Failed to acquire lock: No space left on device"
        two.sim.call("VM.destroy", vmID=lab.ids.vm_id)

        start(one)
        one.sim.call("VM.migrate", vmID=lab.ids.vm_id, params={"dst": str(two.layout.sim_socket)})
        wait_for(lambda: status(one) == "Up" and vm_stats(two) is None, BOOT)
        assert healthy(lab) and lab.read_lease()["owners"] == [1]
        assert_exclusive(lab)
    finally:
        monitor(two, sd)


def test_degrade_and_restore(lab):
    two = lab.hosts[2]
    port = two.record.probe_port
    assert probe.accepts(port)
    for kind in ("network", "storage", "load"):
        two.degrade(kind)
    assert not probe.accepts(port)
    stats = two.sim.call("Host.getStats")
    assert stats["memFree"] == 512 and float(stats["cpuLoad"]) > 0.9
    assert stats["storageDomains"][lab.ids.sd_uuid]["valid"] is False
    assert LabRecord.load(lab.layout.lab_json).host(2).degraded == ["network", "storage", "load"]
    assert two.restore() == ["network", "storage", "load"]
    assert probe.accepts(port)
    stats = two.sim.call("Host.getStats")
    assert stats["memFree"] == 16384 and stats["storageDomains"][lab.ids.sd_uuid]["valid"]
    assert LabRecord.load(lab.layout.lab_json).host(2).degraded == []


def test_kill_host_keeps_the_lease_then_start_host(clean):
    lab = clean
    one, two = lab.hosts[1], lab.hosts[2]
    start(one)
    records = [one.process(k) for k in ("sanlock", "probe", "sim", "broker")]
    pid = vm_pid(one)
    killed = [k.split()[0] for k in one.kill()]
    # sanlock first (the stand-in may already have died of it: it is not always in the list)
    assert killed[0] == "sanlock" and [k for k in killed if k != "engine"] == [
        "sanlock", "broker", "sim", "probe"]
    assert not any(r.alive() or r.group_alive() for r in records)
    assert not os.path.exists(f"/proc/{pid}")
    assert not healthy(lab)
    # Nothing was released: host 1's id is not dead yet, so its lease stays taken.
    create(two)
    down = wait_for(lambda: (s := vm_stats(two)) and s["status"] == "Down" and s, BOOT)
    assert down["exitMessage"].endswith(HELD)
    assert lab.read_lease()["owners"] == [1]
    assert {"event": "host-killed", "host": 1}.items() <= next(
        e for e in journal(lab) if e["event"] == "host-killed").items()
    assert_exclusive(lab)

    one.start()
    assert all(one.pid(k) is not None for k in ("sanlock", "probe", "sim", "broker"))
    assert one.agent_pid is None
    assert one.sim.ping() and one.link().get_stats_from_storage() is not None
