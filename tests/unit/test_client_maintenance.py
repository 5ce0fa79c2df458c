"""HAClient maintenance: global (slot 0 through the broker) and local (ha.conf)."""

import threading

import pytest

from ovirt_hosted_engine_ha.client.client import HAClient
from ovirt_hosted_engine_ha.lib import exceptions
from tests.clientsupport import hostfiles
from tests.clientsupport.hostfiles import host_slot

host_root = hostfiles.host_root
broker = hostfiles.broker


@pytest.mark.parametrize("value,text", [
    (True, b"maintenance=1"), (False, b"maintenance=0"), ("yes", b"maintenance=1"),
    ("False", b"maintenance=0"), (1, b"maintenance=1"),
])
def test_global_maintenance_writes_slot_0(broker, value, text):
    broker.put_host(host_slot(1))
    HAClient().set_maintenance_mode(HAClient.MaintenanceMode.GLOBAL, value, timeout=60)
    assert broker.slots[0] == text.ljust(4096, b"\0")
    assert broker.count("get_stats") == 1


def test_global_maintenance_replaces_a_bad_slot(broker):
    broker.slots[0] = b"garbage=\xff".ljust(4096, b"\0")
    HAClient().set_maintenance_mode("GLOBAL", True)
    assert HAClient().get_all_stats(HAClient.StatModes.GLOBAL) == {0: {"maintenance": True}}


def test_global_maintenance_bad_value(broker):
    with pytest.raises(exceptions.InvalidArgument,
                       match="invalid maintenance value: 'perhaps' is not a boolean"):
        HAClient().set_maintenance_mode("GLOBAL", "perhaps")
    assert 0 not in broker.slots


def test_unknown_flag(broker):
    with pytest.raises(exceptions.InvalidArgument, match="unknown flag 'stopped'"):
        HAClient().set_global_md_flag("stopped", True)


def test_unknown_mode(host_root):
    with pytest.raises(exceptions.InvalidArgument) as e:
        HAClient().set_maintenance_mode("REMOTE", True)
    assert str(e.value) == \
        "invalid maintenance mode: 'REMOTE' is not one of GLOBAL, LOCAL, LOCAL_MANUAL"


def test_local_maintenance_writes_ha_conf(host_root):
    HAClient().set_maintenance_mode(HAClient.MaintenanceMode.LOCAL, True, timeout=60)
    assert host_root.ha_conf() == "local_maintenance=True\nlocal_maintenance_manual=False\n"
    HAClient().set_maintenance_mode("LOCAL", "false")
    assert host_root.ha_conf() == "local_maintenance=False\nlocal_maintenance_manual=False\n"


def test_local_manual_sets_both(host_root):
    HAClient().set_maintenance_mode("LOCAL_MANUAL", True)
    assert host_root.ha_conf() == "local_maintenance=True\nlocal_maintenance_manual=True\n"


def test_local_maintenance_creates_missing_ha_conf(host_root):
    host_root.path("/var/lib/ovirt-hosted-engine-ha/ha.conf").unlink()
    HAClient().set_maintenance_mode("LOCAL", True)
    assert host_root.ha_conf() == "local_maintenance=True\n"


def test_local_maintenance_keeps_comments_and_other_keys(host_root):
    host_root.write_ha_conf("# shipped\nlocal_maintenance=False\nother=1\n")
    HAClient().set_maintenance_mode("LOCAL", True)
    assert host_root.ha_conf() == "# shipped\nlocal_maintenance=True\nother=1\n"


def test_concurrent_local_writers_do_not_lose_keys(host_root):
    def flip(mode):
        for i in range(30):
            HAClient().set_maintenance_mode(mode, i % 2 == 0)
    threads = [threading.Thread(target=flip, args=(m,)) for m in ("LOCAL", "LOCAL_MANUAL")]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    lines = host_root.ha_conf().splitlines()
    assert sorted(line.split("=")[0] for line in lines) == \
        ["local_maintenance", "local_maintenance_manual"]
