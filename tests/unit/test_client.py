"""HAClient against a broker double on a real unix socket."""

import errno
import json
import os
import socket
import subprocess
import sys
import time

import pytest

from ovirt_hosted_engine_ha.client import client as client_mod
from ovirt_hosted_engine_ha.client.client import HAClient
from ovirt_hosted_engine_ha.lib import exceptions, metadata
from tests.clientsupport import hostfiles
from tests.clientsupport.hostfiles import ENGINE_UP, host_slot

host_root = hostfiles.host_root
broker = hostfiles.broker

HOST_KEYS = ["host-id", "host-ts", "score", "engine-status", "hostname", "maintenance",
             "stopped", "crc32", "conf_on_shared_storage", "local_conf_timestamp", "live-data"]


def vdsm_ha_info() -> dict:
    """vdsm's _getHaInfo (spec/client.md §9.1), as vdsm calls HAClient."""
    info = {"configured": False, "active": False, "score": 0,
            "globalMaintenance": False, "localMaintenance": False}
    try:
        instance = HAClient()
        host_id = instance.get_local_host_id()
        if not host_id:
            return info
        info["configured"] = True
        stats = instance.get_all_stats(timeout=5)
        if 0 in stats:
            info["globalMaintenance"] = stats[0].get(HAClient.GlobalMdFlags.MAINTENANCE, False)
        if host_id in stats:
            info["active"] = stats[host_id]["live-data"]
            info["score"] = stats[host_id]["score"]
            info["localMaintenance"] = stats[host_id]["maintenance"]
    except OSError as e:
        info["error"] = e.errno
    return info


# get_all_stats


def test_all_stats_shape_and_order(broker):
    broker.put_host(host_slot(2, engine_status=ENGINE_UP))
    broker.set_global(True)
    broker.put_host(host_slot(1))
    broker.alive = [1, 2]
    stats = HAClient().get_all_stats()
    assert list(stats) == [2, 0, 1]
    assert stats[0] == {"maintenance": True}
    assert list(stats[1]) == HOST_KEYS
    assert stats[2]["engine-status"] == ENGINE_UP
    assert stats[2]["live-data"] is True
    assert stats[1]["crc32"] == host_slot(1).crc32
    assert broker.count("is_host_alive") == 1


def test_live_data_follows_the_brokers_list(broker):
    for i in (1, 2, 3):
        broker.put_host(host_slot(i))
    broker.alive = [1, 3]
    stats = HAClient().get_all_host_stats()
    assert {i: stats[i]["live-data"] for i in stats} == {1: True, 2: False, 3: True}


def test_modes(broker):
    broker.put_host(host_slot(1))
    broker.set_global(False)
    assert list(HAClient().get_all_stats(HAClient.StatModes.HOST)) == [1]
    before = broker.count("is_host_alive")
    assert HAClient().get_all_stats(HAClient.StatModes.GLOBAL) == {0: {"maintenance": False}}
    assert broker.count("is_host_alive") == before


def test_extra_text_is_reported(broker):
    broker.put_host(host_slot(1, extra="state=EngineDown\n"))
    stats = HAClient().get_all_stats()
    assert stats[1]["extra"] == "state=EngineDown\n"
    assert list(stats[1])[-2:] == ["extra", "live-data"]


def test_empty_slots_are_skipped(broker):
    broker.put_host(host_slot(1))
    broker.slots[2] = b""
    assert list(HAClient().get_all_stats()) == [1]


@pytest.mark.parametrize("data,reason", [
    (metadata.build_host_slot(host_slot(2)).replace(b"|3400|", b"|3401|"), "checksum"),
    (b"1|1|12x|2|3400|null|h".ljust(4096, b"\0"), "timestamp (field 2) is not an integer"),
    (b"1|1|\xff\xfe|2|3400|null|h".ljust(4096, b"\0"), "not ASCII"),
    (b"1|1|2".ljust(4096, b"\0"), "the header has 3 fields"),
    (b"7|7|new format".ljust(4096, b"\0"), "parse version 7"),
])
def test_a_bad_slot_marks_that_host_only(broker, data, reason):
    broker.put_host(host_slot(1))
    broker.slots[2] = data
    broker.put_host(host_slot(3))
    broker.alive = [1, 2, 3]
    stats = HAClient().get_all_stats()
    assert list(stats) == [1, 2, 3]
    assert stats[1]["score"] == 3400 and stats[3]["score"] == 3400
    marked = stats[2]
    assert reason in marked[client_mod.METADATA_ERROR]
    assert marked[client_mod.METADATA_ERROR].startswith("metadata slot 2 ")
    assert marked["score"] == 0 and marked["maintenance"] is False
    assert json.loads(marked["engine-status"])["vm"] == "unknown"
    assert marked["live-data"] is True


def test_a_bad_global_slot_reads_as_no_maintenance(broker):
    broker.slots[0] = b"maintenance=maybe".ljust(4096, b"\0")
    broker.put_host(host_slot(1))
    stats = HAClient().get_all_stats()
    assert stats[0].get("maintenance", False) is False
    assert "not a boolean" in stats[0][client_mod.METADATA_ERROR]
    assert stats[1]["score"] == 3400


def test_broker_fault_is_a_request_error(broker):
    broker.faults["get_stats"] = (4, "get_stats: metadata volume unreadable: EIO")
    with pytest.raises(exceptions.RequestError) as e:
        HAClient().get_all_stats()
    assert str(e.value) == "get_stats: metadata volume unreadable: EIO"
    assert e.value.code == 4


def test_broker_down_is_an_oserror_with_enoent(host_root):
    with pytest.raises(exceptions.BrokerConnectionError) as e:
        HAClient().get_all_stats(timeout=5)
    assert isinstance(e.value, OSError)
    assert e.value.errno == errno.ENOENT
    assert "cannot reach the broker at" in str(e.value)


def test_timeout_bounds_a_stuck_broker(host_root):
    stuck = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    stuck.bind(host_root.socket_path)
    stuck.listen(1)  # accepts connections, never answers
    try:
        start = time.monotonic()
        with pytest.raises(exceptions.BrokerConnectionError):
            HAClient().get_all_stats(timeout=0.3)
        assert time.monotonic() - start < 5
    finally:
        stuck.close()


def test_socket_path_keyword(broker, host_root, monkeypatch):
    monkeypatch.setenv("OVIRT_HA_ROOT", "/nonexistent")
    broker.put_host(host_slot(1))
    assert list(HAClient(socket_path=broker.socket_path, retries=3, wait=1).get_all_stats()) \
        == [1]


# What vdsm sees


def test_vdsm_view(broker):
    broker.put_host(host_slot(1, score=2400))
    broker.set_global(True)
    broker.alive = [1]
    assert vdsm_ha_info() == {"configured": True, "active": True, "score": 2400,
                              "globalMaintenance": True, "localMaintenance": False}


def test_vdsm_view_own_slot_corrupt(broker):
    broker.slots[1] = b"1|1|2".ljust(4096, b"\0")
    broker.alive = [1]
    info = vdsm_ha_info()
    assert info == {"configured": True, "active": True, "score": 0,
                    "globalMaintenance": False, "localMaintenance": False}


def test_vdsm_view_broker_down(host_root):
    assert vdsm_ha_info()["error"] == errno.ENOENT


def test_vdsm_view_not_configured(host_root):
    host_root.write_he_conf(fqdn="x")
    assert vdsm_ha_info() == {"configured": False, "active": False, "score": 0,
                              "globalMaintenance": False, "localMaintenance": False}


# Configuration


@pytest.mark.parametrize("value,expected", [("3", 3), ("", None), ("None", None)])
def test_local_host_id(host_root, value, expected):
    host_root.write_he_conf(host_id=value)
    assert HAClient().get_local_host_id() == expected


def test_local_host_id_without_conf(host_root):
    host_root.path("/etc/ovirt-hosted-engine/hosted-engine.conf").unlink()
    assert HAClient().get_local_host_id() is None
    assert HAClient().is_deployed() is False


def test_local_host_id_not_an_integer(host_root):
    host_root.write_he_conf(host_id="one")
    with pytest.raises(exceptions.ConfigError, match="key 'host_id' has invalid value 'one'"):
        HAClient().get_local_host_id()


def test_is_deployed(host_root):
    assert HAClient().is_deployed() is True


def test_constants_are_upstreams():
    assert HAClient.GlobalMdFlags.MAINTENANCE == "maintenance"
    assert {0: {"maintenance": True}}[0][HAClient.GlobalMdFlags.MAINTENANCE]
    assert (HAClient.MaintenanceMode.GLOBAL, HAClient.MaintenanceMode.LOCAL,
            HAClient.MaintenanceMode.LOCAL_MANUAL) == ("GLOBAL", "LOCAL", "LOCAL_MANUAL")
    assert (HAClient.StatModes.ALL, HAClient.StatModes.HOST, HAClient.StatModes.GLOBAL) == \
        ("ALL", "HOST", "GLOBAL")


# Score


def test_local_score(broker):
    broker.put_host(host_slot(1, score=2000))
    broker.alive = [1]
    assert HAClient().get_local_host_score() == 2000
    broker.alive = []
    assert HAClient().get_local_host_score() == 0


def test_local_score_without_own_slot_or_with_a_bad_one(broker):
    broker.alive = [1]
    assert HAClient().get_local_host_score() == 0
    broker.slots[1] = b"1|1|x|1|2|3|4".ljust(4096, b"\0")
    assert HAClient().get_local_host_score() == 0


def test_local_score_needs_host_id(broker, host_root):
    host_root.write_he_conf(fqdn="x")
    with pytest.raises(exceptions.MissingConfigKey, match="missing required key 'host_id'"):
        HAClient().get_local_host_score()


# Lockspace reset


def test_reset_refused_outside_global_maintenance(broker):
    broker.set_global(False)
    with pytest.raises(exceptions.LockspaceResetRefused,
                       match="global maintenance mode only"):
        HAClient().reset_lockspace()
    assert broker.resets == 0


def test_reset_refused_with_an_active_agent(broker):
    broker.set_global(True)
    broker.put_host(host_slot(1, stopped=True))
    broker.put_host(host_slot(2))
    with pytest.raises(exceptions.LockspaceResetRefused) as e:
        HAClient().reset_lockspace()
    assert str(e.value) == \
        "Lockfile reset cannot be performed with an active agent (host 2)."


def test_reset_refused_with_an_unreadable_host(broker):
    broker.set_global(True)
    broker.slots[3] = b"junk".ljust(4096, b"\0")
    with pytest.raises(exceptions.LockspaceResetRefused, match=r"\(host 3\)"):
        HAClient().reset_lockspace()


def test_reset_when_safe(broker):
    broker.set_global(True)
    broker.put_host(host_slot(1, stopped=True, score=0))
    assert HAClient().reset_lockspace() is True
    assert broker.resets == 1


def test_reset_without_any_metadata(broker):
    assert HAClient().reset_lockspace() is True


def test_forced_reset_skips_checks(broker):
    broker.put_host(host_slot(1))
    assert HAClient().reset_lockspace(force=True) is True
    assert broker.resets == 1
    assert broker.count("get_stats") == 0


@pytest.mark.parametrize("conf", [{"host_id": ""}, {"host_id": 1, "configured": "False"}])
def test_reset_not_configured(broker, host_root, conf):
    host_root.write_he_conf(**conf)
    assert HAClient().reset_lockspace(force=True) is False
    assert broker.calls == []


def test_reset_fault(broker):
    broker.faults["reset_lockspace"] = (6, "reset_lockspace: sanlock error -19")
    with pytest.raises(exceptions.RequestError, match="sanlock error -19"):
        HAClient().reset_lockspace(force=True)


# Reading the volume directly


def test_direct_read_without_broker(host_root, monkeypatch):
    from ovirt_hosted_engine_ha.lib import metadata_volume

    class Storage:
        def read_all(self):
            slots = {i: bytes(4096) for i in range(2001)}
            slots[0] = metadata.build_global_slot(metadata.GlobalSlot(True))
            slots[4] = metadata.build_host_slot(host_slot(4))
            slots[5] = b"bad".ljust(4096, b"\0")
            return slots

    loaded = []
    monkeypatch.setattr(metadata_volume.MetadataVolume, "connect",
                        classmethod(lambda cls, conf: loaded.append(conf) or Storage()))
    monkeypatch.setattr("ovirt_hosted_engine_ha.env.config.load_hosted_engine_conf",
                        lambda path: path)
    stats = HAClient().get_all_stats_direct()
    assert list(stats) == [0, 4, 5]
    assert "live-data" not in stats[4]
    assert client_mod.METADATA_ERROR in stats[5]
    assert list(HAClient().get_all_host_stats_direct()) == [4, 5]


def test_import_pulls_in_nothing_optional():
    # vdsm imports the client inside try/except ImportError: nothing else may fail.
    code = ("import sys, ovirt_hosted_engine_ha.client.client; "
            "bad = [m for m in sys.modules if m == 'vdsm' or m.startswith('vdsm.') "
            "or m.startswith('ovirt_hosted_engine_ha.broker') or m == 'sanlock']; "
            "print(bad)")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                            timeout=60, env={k: v for k, v in os.environ.items()
                                             if k != "PYTHONPATH"})
    assert (result.returncode, result.stdout, result.stderr) == (0, "[]\n", "")
