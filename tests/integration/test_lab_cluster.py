"""The lab end to end: sanlock daemons, vdsm simulators and real brokers."""

import concurrent.futures
import os
import tempfile

import pytest

from ovirt_hosted_engine_ha.lab import errors, leaselog, procs, sanlock_child, status
from ovirt_hosted_engine_ha.lab.cluster import Cluster
from ovirt_hosted_engine_ha.lab.record import LabRecord

pytestmark = pytest.mark.integration


def all_gone(records: list[procs.ProcRecord]) -> bool:
    return not any(procs.running(r) or r.group_alive() for r in records)


def test_two_hosts_up_status_down(cluster):
    c = cluster(hosts=2)
    for host in c.hosts.values():
        assert host.broker_pid is not None
        assert host.listener().ready
        assert host.socket_path.is_socket()
        assert isinstance(host.link(timeout=5).get_stats_from_storage(), dict)

    record = LabRecord.load(c.layout.lab_json)
    assert [h.host_id for h in record.hosts] == [1, 2]
    recorded = record.all_processes()
    assert sorted(p.name for p in recorded) == [
        "host1/broker", "host1/probe", "host1/sanlock", "host1/vdsm-sim",
        "host2/broker", "host2/probe", "host2/sanlock", "host2/vdsm-sim"]
    assert all(procs.running(p) for p in recorded)

    table = status.gather(c)
    assert [s.broker for s in table] == ["ok", "ok"]
    assert all(pid is not None for s in table for kind, pid in s.pids.items() if kind != "agent")
    assert [s.pids["agent"] for s in table] == [None, None]   # Cluster.up starts no agents
    assert "host2" in status.format_table(table)

    # Each broker linked the prepared volumes into the domain's ha_agent dir.
    ha_agent = c.domain_dir / "ha_agent"
    assert os.path.realpath(ha_agent / "hosted-engine.metadata") == str(
        c.metadata_path.resolve())
    assert os.path.realpath(ha_agent / "hosted-engine.lockspace") == str(
        c.lockspace_path.resolve())

    c.down()
    assert all_gone(recorded)
    # Our children are reaped too: no zombie left behind.
    assert not [p.pid for p in recorded if os.path.exists(f"/proc/{p.pid}")]
    assert status.gather(c)[0].broker.startswith("error:")
    c.down()  # twice is harmless


def test_sector_4096(cluster):
    c = cluster(hosts=1, sector=4096)
    host = c.hosts[1]
    info = host.sim.call("StorageDomain.getInfo", storagedomainID=c.ids.sd_uuid)
    assert info["block_size"] == 4096
    assert sanlock_child.read_lockspace(host.env, str(c.lockspace_path))["lockspace"] == (
        "hosted-engine")
    assert host.broker_pid is not None


def test_broker_stop_start_kill(cluster):
    c = cluster(hosts=1)
    host = c.hosts[1]
    first = host.process("broker")
    host.stop_broker()
    assert host.broker_pid is None and all_gone([first])
    second_pid = host.start_broker()
    assert second_pid != first.pid and host.broker_pid == second_pid
    second = host.process("broker")
    host.kill_broker()
    assert all_gone([second])
    host.start_broker()
    assert host.link(timeout=5).get_stats_from_storage() is not None


def test_broker_failing_at_start_reports_its_log(cluster):
    c = cluster(hosts=1, start_brokers=False)
    host = c.hosts[1]
    host.sim.fail("Image.prepare", code=201, message="Volume does not exist: lab")
    with pytest.raises(errors.ProcessFailed) as e:
        host.start_broker(timeout=60)
    assert "before sending READY=1" in str(e.value)
    assert "broker.stderr" in str(e.value)
    assert host.broker_pid is None


def test_hosts_join_the_lockspace(cluster):
    c = cluster(hosts=2)
    with concurrent.futures.ThreadPoolExecutor() as pool:
        joins = [pool.submit(host.link(timeout=60).lock_host_id, k)
                 for k, host in c.hosts.items()]
        for join in joins:
            join.result()

    def everyone_sees_everyone() -> bool:
        table = status.gather(c)
        return all(s.lockspace_id == s.host_id and s.lockspace_live == [1, 2] for s in table)

    assert procs.wait_for(everyone_sees_everyone, 30, 0.2)
    recorded = c.processes()
    c.down()  # brokers release their ids; sanlock daemons killed
    assert all_gone(recorded)


def test_up_over_a_leftover_lab(lab_base):
    root = tempfile.mkdtemp(prefix="c", dir=lab_base)
    old = Cluster.up(root, hosts=1)
    old_processes = old.processes()
    new = Cluster.up(root, hosts=1)
    try:
        assert all_gone(old_processes)
        assert new.ids.sd_uuid != old.ids.sd_uuid
        assert not (old.domain_dir).exists()
        assert new.hosts[1].broker_pid is not None
    finally:
        new.down()


def test_down_stops_engine_vm_stand_ins(cluster):
    c = cluster(hosts=1)
    host, sd, vm = c.hosts[1], c.ids.sd_uuid, c.ids.vm_id
    host.sim.call("Host.startMonitoringDomain", sdUUID=sd, hostID=1)
    assert procs.wait_for(
        lambda: host.sim.call("Host.getStorageRepoStats", domains=[sd])[sd]["acquired"], 30)
    host.sim.call("VM.create", vmID=vm, vmParams={})
    assert procs.wait_for(lambda: host.vm_status() == "Up", 30)
    pid = host.sim.get()["standins"][vm]
    sim = host.process("sim")
    assert pid in procs.group_members(sim.pgid, sim.start_time)  # stopped with its simulator
    c.down()
    assert not os.path.exists(f"/proc/{pid}")
    events = [e["event"] for e in leaselog.read(c.layout.lease_log) if e.get("pid") == pid]
    assert events == ["acquired", "releasing", "exited"]   # a clean stop gives the lease back
