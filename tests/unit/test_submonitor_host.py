"""mgmt-bridge, mem-free, storage-domain and cpu-load submonitors."""

import sys
from pathlib import Path

import pytest

from ovirt_hosted_engine_ha.broker import monitor
from ovirt_hosted_engine_ha.broker.submonitors import base, cpu_load, mgmt_bridge, storage_domain
from ovirt_hosted_engine_ha.lib import exceptions

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
from tests.monitorsupport.fakes import SD_UUID, FakeVdsm  # noqa: E402
from tests.monitorsupport.wait import wait_value  # noqa: E402


def measured(sub: base.Submonitor) -> str:
    sub._measure_once()
    return sub.text


def host_stats(state: str | None = "up", mem: int = 15873) -> dict:
    network = {"eth0": {"state": "up"}}
    if state is not None:
        network["ovirtmgmt"] = {"name": "ovirtmgmt", "state": state}
    return {"memFree": mem, "network": network}


@pytest.fixture
def vdsm():
    return FakeVdsm(Host_getStats=host_stats(),
                    Host_getStorageRepoStats={SD_UUID: {"valid": True, "delay": "0.0004",
                                                        "acquired": True}})


def ctx(vdsm: FakeVdsm) -> base.Context:
    return base.Context(conf=None, vdsm=vdsm)


# mgmt-bridge

@pytest.mark.parametrize("state,expected", [("up", "True"), ("down", "False"),
                                            ("unknown", "False"), (None, "False")])
def test_bridge_state(vdsm, state, expected):
    vdsm.set("Host.getStats", host_stats(state))
    assert measured(mgmt_bridge.Submonitor({"bridge_name": "ovirtmgmt"}, ctx(vdsm))) == expected


def test_bridge_none_on_vdsm_error_or_no_network(vdsm):
    sub = mgmt_bridge.Submonitor({"bridge_name": "ovirtmgmt"}, ctx(vdsm))
    assert measured(sub) == "True"
    vdsm.fail("Host.getStats", code=100)
    assert measured(sub) == "None"
    vdsm.set("Host.getStats", {"memFree": 1})
    assert measured(sub) == "None"
    vdsm.fail("Host.getStats")
    assert measured(sub) == "None"


def test_bridge_follows_the_link_through_the_manager(vdsm):
    mon = monitor.Monitor(None, vdsm=vdsm, interval=0.02)
    try:
        mon.start("mgmt-bridge", {"bridge_name": "ovirtmgmt", "address": "0", "use_ssl": "true"})
        wait_value(lambda: mon.status("mgmt-bridge"), "True", 10)
        vdsm.set("Host.getStats", host_stats("down"))
        wait_value(lambda: mon.status("mgmt-bridge"), "False", 10)
        vdsm.set("Host.getStats", host_stats("up"))
        wait_value(lambda: mon.status("mgmt-bridge"), "True", 10)
    finally:
        mon.stop_all(10)


def test_bridge_name_required(vdsm):
    with pytest.raises(exceptions.InvalidArgument) as e:
        mgmt_bridge.Submonitor({"bridge_name": None}, ctx(vdsm))
    assert str(e.value) == (
        "invalid mgmt-bridge option 'bridge_name': mgmt-bridge requires bridge_name")


# mem-free

def test_mem_free(vdsm):
    mon = monitor.Monitor(None, vdsm=vdsm, interval=0.02)
    try:
        mon.start("mem-free", {})
        wait_value(lambda: mon.status("mem-free"), "15873", 10)
        vdsm.set("Host.getStats", host_stats(mem=512))
        wait_value(lambda: mon.status("mem-free"), "512", 10)
        vdsm.fail("Host.getStats", code=100)
        wait_value(lambda: mon.status("mem-free"), "None", 10)
        vdsm.set("Host.getStats", {"network": {}})
        assert mon.status("mem-free") == "None"
    finally:
        mon.stop_all(10)


# storage-domain

@pytest.mark.parametrize("domain,expected", [
    ({"valid": True, "delay": "0.0004"}, "True"),
    ({"valid": True, "delay": "10"}, "True"),
    ({"valid": True, "delay": "10.5"}, "False"),
    ({"valid": False, "delay": "0.1"}, "False"),
    ({"valid": True}, "False"),
    ({"valid": True, "delay": "slow"}, "False"),
])
def test_storage_domain_values(vdsm, domain, expected):
    vdsm.set("Host.getStorageRepoStats", {SD_UUID: domain})
    assert measured(storage_domain.Submonitor({"sd_uuid": SD_UUID}, ctx(vdsm))) == expected


def test_storage_domain_false_when_not_monitored_or_vdsm_fails(vdsm):
    sub = storage_domain.Submonitor({"sd_uuid": SD_UUID}, ctx(vdsm))
    assert measured(sub) == "True"
    vdsm.set("Host.getStorageRepoStats", {})
    assert measured(sub) == "False"
    vdsm.set("Host.getStorageRepoStats", {SD_UUID: {"valid": True, "delay": "0"}})
    assert measured(sub) == "True"
    vdsm.fail("Host.getStorageRepoStats", code=350)
    assert measured(sub) == "False"


def test_storage_domain_asks_for_its_domain_only(vdsm):
    measured(storage_domain.Submonitor({"sd_uuid": SD_UUID}, ctx(vdsm)))
    assert vdsm.calls == [("Host.getStorageRepoStats", {"domains": [SD_UUID]})]


def test_storage_domain_requires_sd_uuid(vdsm):
    with pytest.raises(exceptions.InvalidArgument) as e:
        storage_domain.Submonitor({}, ctx(vdsm))
    assert str(e.value) == (
        "invalid storage-domain option 'sd_uuid': storage-domain requires sd_uuid")


# cpu-load

def test_cpu_count():
    text = "processor\t: 0\nmodel name\t: x\n\nprocessor\t: 1\nprocessors : 9\n"
    assert cpu_load.cpu_count(text) == 2


def test_cpu_load_from_proc(vdsm):
    text = measured(cpu_load.Submonitor({}, ctx(vdsm)))
    assert float(text) >= 0.0


def test_cpu_load_failure_is_one(vdsm, monkeypatch, tmp_path):
    monkeypatch.setattr(cpu_load, "PROC_LOADAVG", tmp_path / "missing")
    assert measured(cpu_load.Submonitor({}, ctx(vdsm))) == "1.0"


def test_cpu_load_value(vdsm, monkeypatch, tmp_path):
    (tmp_path / "cpuinfo").write_text("processor : 0\nprocessor : 1\nprocessor : 2\n"
                                      "processor : 3\n")
    (tmp_path / "loadavg").write_text("0.25 0.10 0.05 1/100 1234\n")
    monkeypatch.setattr(cpu_load, "PROC_CPUINFO", tmp_path / "cpuinfo")
    monkeypatch.setattr(cpu_load, "PROC_LOADAVG", tmp_path / "loadavg")
    assert measured(cpu_load.Submonitor({}, ctx(vdsm))) == "0.0625"
