"""Simulator verbs around the engine VM that need no sanlock: knobs, maintenance, refusals.

The engine VM stand-in itself (real sanlock lease, health page, migration)
is exercised in tests/integration/test_lab_engine_vm.py.
"""

import pytest
from vdsm import client

from ovirt_hosted_engine_ha.lab.vdsm_sim import errors


def server_error(call, **kwargs) -> client.ServerError:
    with pytest.raises(client.ServerError) as e:
        call(**kwargs)
    return e.value


def test_engine_health_knob(cli):
    assert cli.Lab.get()["knobs"]["engine_health"] == "good"
    assert cli.Lab.set(engine_health="hang")["engine_health"] == "hang"
    e = server_error(cli.Lab.set, engine_health="sick")
    assert e.code == errors.InvalidParams.default_code
    assert "knob engine_health must be one of good, bad, hang" in e.resp_msg
    assert cli.Lab.get()["standins"] == {}


def test_set_ha_maintenance_mode_local_writes_ha_conf(cli, sim):
    ha_conf = sim.host_root / "var/lib/ovirt-hosted-engine-ha/ha.conf"
    ha_conf.parent.mkdir(parents=True)   # as the package installs it
    assert cli.Host.setHaMaintenanceMode(mode="local", enabled=True) == {
        "code": 0, "message": "Done"}
    assert "local_maintenance=True" in ha_conf.read_text().splitlines()
    cli.Host.setHaMaintenanceMode(mode="LOCAL", enabled=False)
    assert "local_maintenance=False" in ha_conf.read_text().splitlines()
    assert server_error(cli.Host.setHaMaintenanceMode, mode="weekend", enabled=True).code == 61


def test_only_the_engine_vm_migrates(cli, sim):
    cli.VM.create(vmID="vm1", vmParams={})
    e = server_error(cli.VM.migrate, vmID="vm1", params={"dst": "/nowhere.sock"})
    assert e.code == 12 and "not a running engine VM" in e.resp_msg
    e = server_error(cli.VM.migrate, vmID="vm1", params={"dst": "host2:54321"})
    assert e.code == errors.InvalidParams.default_code
    assert "destination simulator's socket path" in e.resp_msg
    assert server_error(cli.VM.migrationCreate, params={"vmId": "vm1"}).code == 12
    assert cli.Lab.finishIncoming(vmID="vm1", timeout=0.1) is False
