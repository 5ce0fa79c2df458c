"""Monitors, domain monitor and their Faults through real brokers of the lab.

Values change one monitor period (10 s, upstream's) after the simulated
condition changes; every wait polls with a deadline.
"""

import json
import sys
import threading
from pathlib import Path

import pytest

from ovirt_hosted_engine_ha.lib import exceptions
from ovirt_hosted_engine_ha.lib.exceptions import FaultCode

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
from tests.monitorsupport import servers  # noqa: E402
from tests.monitorsupport.lab import agent_monitors, set_conf_key  # noqa: E402
from tests.monitorsupport.wait import wait_for, wait_value  # noqa: E402

pytestmark = pytest.mark.integration

PERIOD = 10
CHANGE = 3 * PERIOD   # deadline for a value to follow a change


@pytest.fixture
def page():
    with servers.HealthPage() as p:
        yield p


@pytest.fixture
def lab(cluster, page):
    """One host whose hosted-engine.conf fqdn points at the test's health page."""
    c = cluster(hosts=1, start_brokers=False)
    set_conf_key(c.hosts[1], "fqdn", page.fqdn)
    c.start_brokers()
    return c


def status(link, monitor_id):
    return lambda: link.get_monitor_status(monitor_id)


def health(link) -> dict:
    text = link.get_monitor_status("engine-health")
    return {} if text == "None" else json.loads(text)


def test_storage_domain_false_until_vdsm_monitors_it(lab):
    link = lab.hosts[1].link()
    link.start_monitor("storage-domain", {"sd_uuid": lab.ids.sd_uuid})
    wait_value(status(link, "storage-domain"), "False", CHANGE)
    link.start_domain_monitor(1)
    wait_value(status(link, "storage-domain"), "True", CHANGE)


def test_values_follow_the_simulated_host(lab, page):
    host, link = lab.hosts[1], lab.hosts[1].link()
    link.start_domain_monitor(1)      # as the agent does: vdsm reports the domain from now on
    for type, options in agent_monitors(lab).items():
        assert link.start_monitor(type, options) == type
    assert link.get_monitor_status("network") == "1.0"
    wait_value(status(link, "mgmt-bridge"), "True", CHANGE)
    wait_value(status(link, "mem-free"), "16384", CHANGE)
    wait_value(status(link, "storage-domain"), "True", CHANGE)
    wait_value(status(link, "cpu-load"), lambda v: 0.0 <= float(v), CHANGE)
    wait_for(lambda: health(link).get("reason") == "vm not running on this host", CHANGE)

    host.sim.set(bridge_up=False, mem_free=512, domain_valid=False)
    host.sim.set_vm(lab.ids.vm_id, "Up")
    wait_value(status(link, "mgmt-bridge"), "False", CHANGE)
    wait_value(status(link, "mem-free"), "512", CHANGE)
    wait_value(status(link, "storage-domain"), "False", CHANGE)
    wait_for(lambda: health(link) == {"vm": "up", "health": "good", "detail": "Up"}, CHANGE)

    host.sim.set(bridge_up=True, domain_valid=True, domain_delay=10.5)
    page.body = "DB Down"
    wait_value(status(link, "mgmt-bridge"), "True", CHANGE)
    wait_for(lambda: health(link).get("reason") == "failed liveliness check", CHANGE)
    assert link.get_monitor_status("storage-domain") == "False"   # delay above 10 s

    host.sim.set_vm(lab.ids.vm_id, "Down", exit_reason=1,
                    exit_message="Failed to acquire lock: Lease is held by another host")
    wait_for(lambda: health(link).get("reason", "").startswith("Storage of VM is locked"),
             CHANGE)
    value = wait_value(status(link, "cpu-load-no-engine"), lambda v: v != "None", CHANGE)
    assert len(value.split(".")[1]) == 4 and 0.0 <= float(value) <= 1.0


def test_hung_vdsm_call_does_not_delay_other_monitors(lab):
    host, link = lab.hosts[1], lab.hosts[1].link()
    link.start_domain_monitor(1)
    link.start_monitor("mem-free", {})
    link.start_monitor("storage-domain", {"sd_uuid": lab.ids.sd_uuid})
    wait_value(status(link, "mem-free"), "16384", CHANGE)
    wait_value(status(link, "storage-domain"), "True", CHANGE)
    host.sim.hang("Host.getStats")
    try:
        host.sim.set(mem_free=1024, domain_valid=False)
        wait_value(status(link, "storage-domain"), "False", CHANGE)
        # mem-free's measurement is stuck in vdsm; its status still answers at once.
        assert link.get_monitor_status("mem-free") == "16384"
    finally:
        host.sim.heal("Host.getStats")
    wait_value(status(link, "mem-free"), "1024", CHANGE)


def test_hung_health_page_does_not_delay_other_monitors(lab, page):
    host, link = lab.hosts[1], lab.hosts[1].link()
    host.sim.set_vm(lab.ids.vm_id, "Up")
    link.start_monitor("engine-health", {"vm_uuid": lab.ids.vm_id})
    link.start_monitor("mgmt-bridge", {"bridge_name": "ovirtmgmt"})
    wait_for(lambda: health(link).get("health") == "good", CHANGE)
    wait_value(status(link, "mgmt-bridge"), "True", CHANGE)
    page.hang()
    try:
        assert page.waiting.wait(CHANGE)
        host.sim.set(bridge_up=False)
        wait_value(status(link, "mgmt-bridge"), "False", CHANGE)
        assert health(link)["health"] == "good"    # answered from memory, still waiting
    finally:
        page.release.set()


def test_same_options_keep_value_other_options_restart(lab):
    link = lab.hosts[1].link()
    link.start_monitor("mem-free", {"address": "0"})
    wait_value(status(link, "mem-free"), "16384", CHANGE)
    link.start_monitor("mem-free", {"address": "0"})
    assert link.get_monitor_status("mem-free") == "16384"
    link.start_monitor("network", {"addr": "127.0.0.1", "count": "1"})
    link.start_monitor("network", {"network_test": "none"})
    assert link.get_monitor_status("network") == "1.0"
    link.stop_monitor("network")
    with pytest.raises(exceptions.RequestError) as e:
        link.get_monitor_status("network")
    assert e.value.code == FaultCode.UNKNOWN_MONITOR
    assert "monitor 'network' is not running" in str(e.value)


@pytest.mark.parametrize("type,options,code,message", [
    ("ping", {}, FaultCode.UNKNOWN_MONITOR, "unknown monitor type 'ping'"),
    ("network", {"network_test": "icmp"}, FaultCode.INVALID_ARGUMENT,
     "invalid network option 'network_test': icmp: invalid network_test"),
    ("network", {"network_test": "tcp", "tcp_t_address": "127.0.0.1"},
     FaultCode.INVALID_ARGUMENT, "tcp test requires tcp_t_address and tcp_t_port"),
    ("mgmt-bridge", {}, FaultCode.INVALID_ARGUMENT, "mgmt-bridge requires bridge_name"),
    ("storage-domain", {"sd_uuid": None}, FaultCode.INVALID_ARGUMENT,
     "storage-domain requires sd_uuid"),
    ("engine-health", {"vm_uuid": True}, FaultCode.INVALID_ARGUMENT,
     "must be a string or nil, got bool"),
])
def test_bad_options_are_faults(lab, type, options, code, message):
    link = lab.hosts[1].link()
    with pytest.raises(exceptions.RequestError) as e:
        link.start_monitor(type, options)
    assert e.value.code == code
    assert message in str(e.value)
    with pytest.raises(exceptions.RequestError):
        link.get_monitor_status(type)


def test_domain_monitor(lab):
    host, link = lab.hosts[1], lab.hosts[1].link()
    sd = lab.ids.sd_uuid
    host.sim.reset_calls()
    link.start_domain_monitor(1)
    assert host.sim.get()["monitored"] == {sd: 1}
    link.start_domain_monitor(1)
    assert host.sim.calls().get("Host.startMonitoringDomain") == 1
    link.stop_domain_monitor()
    assert sd not in host.sim.get()["monitored"]
    link.stop_domain_monitor()
    assert host.sim.calls().get("Host.stopMonitoringDomain") == 1


def test_domain_monitor_wait_does_not_block_status(lab):
    host, link = lab.hosts[1], lab.hosts[1].link()
    host.sim.set(acquire_delay=7)
    link.start_monitor("storage-domain", {"sd_uuid": lab.ids.sd_uuid})
    done = threading.Event()

    def start() -> None:
        lab.hosts[1].link(timeout=300).start_domain_monitor(1)
        done.set()

    waiter = threading.Thread(target=start)
    waiter.start()
    try:
        wait_for(lambda: lab.ids.sd_uuid in host.sim.get()["monitored"], CHANGE)
        assert link.get_monitor_status("storage-domain") in ("None", "True", "False")
        assert not done.is_set()
    finally:
        waiter.join(60)
    assert done.is_set()


def test_domain_monitor_vdsm_error_is_a_fault(lab):
    host, link = lab.hosts[1], lab.hosts[1].link()
    host.sim.fail("Host.startMonitoringDomain", code=358, message="Storage domain does not exist")
    with pytest.raises(exceptions.RequestError) as e:
        link.start_domain_monitor(1)
    assert e.value.code == FaultCode.VDSM
    assert "vdsm could not start monitoring storage domain" in str(e.value)
