"""broker.monitor: the manager's start/stop/status contract, threads and failure logging."""

import logging
import sys
import threading
from pathlib import Path

import pytest

from ovirt_hosted_engine_ha.broker import monitor
from ovirt_hosted_engine_ha.lib import exceptions

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
from tests.monitorsupport.fakes import SD_UUID, FakeVdsm  # noqa: E402
from tests.monitorsupport.wait import wait_for, wait_value  # noqa: E402

FAST = 0.02


def monitor_threads() -> list[threading.Thread]:
    return [t for t in threading.enumerate() if t.name.startswith("monitor-")]


@pytest.fixture
def vdsm():
    fake = FakeVdsm(Host_getStats={"memFree": 1024, "network": {"ovirtmgmt": {"state": "up"}}},
                    Host_getStorageRepoStats={SD_UUID: {"valid": True, "delay": "0.1"}})
    yield fake
    fake.release.set()


@pytest.fixture
def mon(vdsm):
    m = monitor.Monitor(None, vdsm=vdsm, interval=FAST)
    yield m
    vdsm.release.set()
    m.stop_all(10)
    assert not monitor_threads()


def test_registry_lists_upstream_types_and_ours():
    assert set(monitor.SUBMONITORS) == {
        "network", "mgmt-bridge", "mem-free", "cpu-load", "cpu-load-no-engine",
        "engine-health", "storage-domain", "vm-config"}


def test_start_returns_type_name(mon):
    assert mon.start("mem-free", {"address": "0", "use_ssl": "true"}) == "mem-free"
    assert wait_value(lambda: mon.status("mem-free"), "1024", 10)


def test_unknown_type(mon):
    with pytest.raises(exceptions.UnknownMonitor) as e:
        mon.start("ping", {})
    assert str(e.value).startswith("unknown monitor type 'ping': expected one of network, ")
    assert not monitor_threads()


@pytest.mark.parametrize("options,message", [
    ([], "invalid options: expected a struct of strings, got list"),
    ({"bridge_name": 3},
     "invalid options: value of 'bridge_name' must be a string or nil, got int"),
    ({"use_ssl": None},
     "invalid mgmt-bridge option 'bridge_name': mgmt-bridge requires bridge_name"),
])
def test_bad_options(mon, options, message):
    with pytest.raises(exceptions.InvalidArgument) as e:
        mon.start("mgmt-bridge", options)
    assert str(e.value) == message
    assert not monitor_threads()


def test_status_unknown_id(mon):
    with pytest.raises(exceptions.UnknownMonitor) as e:
        mon.status("nosuch")
    assert str(e.value) == "monitor 'nosuch' is not running"


def test_status_none_before_first_value_and_never_waits(mon, vdsm):
    vdsm.hang("Host.getStats")
    mon.start("mem-free", {})
    wait_for(lambda: vdsm.count("Host.getStats") == 1, 10)
    # The measurement is stuck in vdsm; status answers from memory.
    assert mon.status("mem-free") == "None"
    vdsm.release.set()
    wait_value(lambda: mon.status("mem-free"), "1024", 10)


def test_hung_monitor_does_not_delay_others(mon, vdsm):
    vdsm.hang("Host.getStats")
    mon.start("mem-free", {})
    mon.start("storage-domain", {"sd_uuid": SD_UUID})
    wait_value(lambda: mon.status("storage-domain"), "True", 10)
    vdsm.set("Host.getStorageRepoStats", {SD_UUID: {"valid": False, "delay": "0.1"}})
    wait_value(lambda: mon.status("storage-domain"), "False", 10)
    assert mon.status("mem-free") == "None"


def test_same_options_keep_the_running_monitor(mon):
    mon.start("mgmt-bridge", {"bridge_name": "ovirtmgmt"})
    first = mon._active["mgmt-bridge"]
    assert mon.start("mgmt-bridge", {"bridge_name": "ovirtmgmt"}) == "mgmt-bridge"
    assert mon._active["mgmt-bridge"] is first
    assert first.is_alive()


def test_other_options_replace_and_stop_the_old_thread(mon, vdsm):
    mon.start("mgmt-bridge", {"bridge_name": "ovirtmgmt"})
    wait_value(lambda: mon.status("mgmt-bridge"), "True", 10)
    old = mon._active["mgmt-bridge"]
    mon.start("mgmt-bridge", {"bridge_name": "other"})
    assert not old.is_alive()
    wait_value(lambda: mon.status("mgmt-bridge"), "False", 10)
    assert [t.name for t in monitor_threads()] == ["monitor-mgmt-bridge"]


def test_stop(mon):
    mon.start("mem-free", {})
    sub = mon._active["mem-free"]
    mon.stop("mem-free")
    assert not sub.is_alive()
    with pytest.raises(exceptions.UnknownMonitor):
        mon.status("mem-free")
    with pytest.raises(exceptions.UnknownMonitor) as e:
        mon.stop("mem-free")
    assert str(e.value) == "monitor 'mem-free' is not running"


def test_stop_all_joins_every_thread(vdsm):
    mon = monitor.Monitor(None, vdsm=vdsm, interval=3600)
    mon.start("mem-free", {})
    mon.start("storage-domain", {"sd_uuid": SD_UUID})
    mon.start("network", {"network_test": "none"})
    assert len(monitor_threads()) == 3
    mon.stop_all(10)
    assert not monitor_threads()
    assert mon.running() == []


def test_stop_all_does_not_wait_forever_for_a_hung_measurement(vdsm):
    vdsm.hang("Host.getStats")
    mon = monitor.Monitor(None, vdsm=vdsm, interval=FAST)
    mon.start("mem-free", {})
    wait_for(lambda: vdsm.count("Host.getStats") == 1, 10)
    mon.stop_all(0.1)
    assert mon.running() == []
    vdsm.release.set()
    wait_for(lambda: not monitor_threads(), 10)


def test_failure_value_logged_once_then_recovery(mon, vdsm, caplog):
    caplog.set_level(logging.INFO, logger="ovirt_hosted_engine_ha.broker")
    mon.start("mem-free", {})
    wait_value(lambda: mon.status("mem-free"), "1024", 10)
    vdsm.fail("Host.getStats", code=100)
    wait_value(lambda: mon.status("mem-free"), "None", 10)
    calls = vdsm.count("Host.getStats")
    wait_for(lambda: vdsm.count("Host.getStats") >= calls + 5, 10)
    failures = [r for r in caplog.records if "Monitor mem-free failed" in r.getMessage()]
    assert len(failures) == 1
    assert "code 100" in failures[0].getMessage()
    vdsm.fail("Host.getStats", code=None)   # another cause: logged again
    wait_for(lambda: len([r for r in caplog.records
                          if "Monitor mem-free failed" in r.getMessage()]) == 2, 10)
    vdsm.set("Host.getStats", {"memFree": 2048})
    wait_value(lambda: mon.status("mem-free"), "2048", 10)
    assert any(r.getMessage() == "Monitor mem-free recovered" for r in caplog.records)
