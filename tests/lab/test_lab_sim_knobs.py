"""Simulator knobs and injected faults, through Lab.* verbs and SimControl;
the simulator as a process."""

import os
import signal
import time

import pytest
from vdsm import client

from ovirt_hosted_engine_ha.lab import errors, procs, simctl
from ovirt_hosted_engine_ha.lab.brokerproc import host_env
from ovirt_hosted_engine_ha.lab.layout import HostLayout
from ovirt_hosted_engine_ha.lab.simctl import SimControl
from ovirt_hosted_engine_ha.lab.vdsm_sim import knobs


@pytest.fixture
def ctl(sim):
    return SimControl(sim.server.socket_path)


def test_set_returns_all_knobs(cli):
    result = cli.Lab.set(mem_free=1024)
    assert result["mem_free"] == 1024
    assert set(result) == set(knobs.Knobs.__dataclass_fields__)


def test_unknown_knob(cli):
    with pytest.raises(client.ServerError) as e:
        cli.Lab.set(mem_fre=1)
    assert e.value.code == -32602
    assert "unknown knob 'mem_fre'" in e.value.resp_msg


def test_knob_type_checked_all_or_nothing(cli):
    with pytest.raises(client.ServerError) as e:
        cli.Lab.set(mem_free=10, bridge_up="no")
    assert e.value.code == -32602
    assert "bridge_up must be bool" in e.value.resp_msg
    assert cli.Lab.get()["knobs"]["mem_free"] == 16384


def test_failing_verb(ctl, cli):
    ctl.fail("Host.getStats", code=42, message="storage on fire")
    with pytest.raises(client.ServerError) as e:
        cli.Host.getStats()
    assert (e.value.code, e.value.resp_msg) == (42, "storage on fire")
    assert ctl.get()["faults"]["Host.getStats"]["mode"] == "fail"
    ctl.heal("Host.getStats")
    assert cli.Host.getStats()["memFree"] > 0


def test_delayed_verb(ctl, cli):
    ctl.delay("Host.ping2", 0.3)
    start = time.monotonic()
    assert cli.Host.ping2() is True
    assert time.monotonic() - start >= 0.3


def test_hung_verb_times_out_and_heals(ctl, cli):
    ctl.hang("VM.getStats")
    with pytest.raises(client.TimeoutError):
        cli.VM.getStats(vmID="x", _timeout=0.2)
    ctl.heal("VM.getStats")
    with pytest.raises(client.ServerError) as e:
        cli.VM.getStats(vmID="x")
    assert e.value.code == 1


def test_bad_fault_mode(ctl):
    with pytest.raises(client.ServerError) as e:
        ctl.set_verb("Host.ping2", "explode")
    assert e.value.code == -32602


def test_recovering(ctl, cli):
    ctl.set(recovering=True)
    with pytest.raises(client.ServerError) as e:
        cli.Host.ping2()
    assert e.value.code == 99
    ctl.set(recovering=False)
    assert cli.Host.ping2() is True


def test_call_counts(ctl, cli):
    cli.Host.ping2()
    cli.Host.ping2()
    assert ctl.calls()["Host.ping2"] == 2
    ctl.reset_calls()
    assert "Host.ping2" not in ctl.calls()


def test_set_vm_through_control(ctl, cli):
    ctl.set_vm("vm1", "Up")
    assert cli.VM.getStats(vmID="vm1")[0]["status"] == "Up"
    assert ctl.get()["vms"] == {"vm1": "Up"}


def test_parse_value():
    assert knobs.parse_value("bridge_up", "down") is False
    assert knobs.parse_value("bridge_up", "on") is True
    assert knobs.parse_value("mem_free", "512") == 512
    assert knobs.parse_value("domain_delay", "2.5") == 2.5
    with pytest.raises(ValueError, match="unknown knob"):
        knobs.parse_value("nope", "1")
    with pytest.raises(ValueError, match="needs a boolean"):
        knobs.parse_value("bridge_up", "maybe")


# The simulator as a process


@pytest.fixture
def sim_host(domain):
    return HostLayout(1, domain.layout.root / "host1")


def test_simulator_process(domain, sim_host):
    env = host_env(sim_host)
    record = simctl.start(sim_host, str(domain.layout.storage), env, {"mem_free": 777})
    try:
        ctl = SimControl(sim_host.sim_socket)
        assert ctl.call("Host.getStats")["memFree"] == 777
        assert ctl.call("StorageDomain.getInfo", storagedomainID=domain.ids.sd_uuid)
        os.kill(record.pid, signal.SIGTERM)
        assert procs.wait_for(lambda: not procs.running(record), 5)
        assert procs.reap(record) == 0
        assert not os.path.exists(sim_host.sim_socket)
    finally:
        procs.stop([record], signo=None)


def test_simulator_refuses_a_live_socket(domain, sim_host):
    env = host_env(sim_host)
    first = simctl.start(sim_host, str(domain.layout.storage), env)
    try:
        record = procs.spawn("second", simctl.command(sim_host, str(domain.layout.storage)),
                             env, sim_host.root / "second.log")
        assert procs.wait_for(lambda: not procs.running(record), 10)
        assert procs.reap(record) == 1
        assert "another vdsm simulator is listening" in procs.log_tail(record.log)
        assert SimControl(sim_host.sim_socket).ping()
    finally:
        procs.stop([first], signo=None)


def test_second_simulator_on_same_socket_refused(domain, sim_host):
    env = host_env(sim_host)
    first = simctl.start(sim_host, str(domain.layout.storage), env)
    try:
        with pytest.raises(errors.LabError, match="a vdsm simulator already answers"):
            simctl.start(sim_host, str(domain.layout.storage), env)
        assert SimControl(sim_host.sim_socket).ping()
    finally:
        procs.stop([first], signo=None)
