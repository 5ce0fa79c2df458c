"""ovirt-ha-agent --cleanup on a real lab: real brokers, sanlock and storage.

A host's slot is written through its broker, then the clean-up command is
run as `hosted-engine --clean-metadata` would, with that host's
environment; the slot must then read empty from the volume (O_DIRECT).
"""

import json
import subprocess
import sys

import pytest

from ovirt_hosted_engine_ha.env import constants
from ovirt_hosted_engine_ha.lab import sanlockd
from ovirt_hosted_engine_ha.lib import directio, metadata
from tests.brokersupport import agent_slot
from tests.monitorsupport.wait import wait_for

pytestmark = pytest.mark.integration

SLOT = constants.HOST_SEGMENT_BYTES
COMMAND = [sys.executable, "-m", "ovirt_hosted_engine_ha.agent", "--cleanup"]


@pytest.fixture(scope="module")
def lab(shared_cluster):
    return shared_cluster(hosts=2)


def cleanup(host, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(COMMAND + list(args), env=host.env, capture_output=True,
                          text=True, timeout=120)




def write_slot(host, text: str, keep_id: bool = False) -> None:
    link = host.link(60)
    link.lock_host_id(host.id)
    link.put_stats_on_storage(host.id, text)
    if not keep_id:
        link.release_host_id()


def on_storage(lab, host_id: int) -> bool:
    """The slot as a fresh reader of the metadata volume sees it (O_DIRECT)."""
    data = directio.read(str(lab.metadata_path), host_id * SLOT, SLOT)
    return not metadata.slot_is_empty(data)


def held_here(host) -> int | None:
    return sanlockd.lockspace_view(host.layout).host_id


def test_a_live_slot_is_refused_then_forced(lab):
    host = lab.hosts[2]
    write_slot(host, agent_slot(host.id, stopped=False))
    assert on_storage(lab, host.id)
    refused = cleanup(host)
    assert refused.returncode == 1, refused.stderr
    assert "does not say the agent stopped" in refused.stderr
    assert on_storage(lab, host.id)
    forced = cleanup(host, "--force-cleanup")
    assert forced.returncode == 0, forced.stderr
    assert not on_storage(lab, host.id)
    wait_for(lambda: held_here(host) is None, 10, 0.2)   # the id it took is released


def test_a_stopped_slot_is_cleaned(lab):
    host = lab.hosts[2]
    write_slot(host, agent_slot(host.id, stopped=True))
    assert on_storage(lab, host.id)
    done = cleanup(host)
    assert done.returncode == 0, done.stderr
    assert not on_storage(lab, host.id)


def test_a_host_holding_its_id_is_alive(lab):
    host = lab.hosts[2]
    write_slot(host, agent_slot(host.id, stopped=True), keep_id=True)   # as a running agent
    try:
        refused = cleanup(host)
        assert refused.returncode == 1, refused.stderr
        assert "host-id lease is live" in refused.stderr
        forced = cleanup(host, "--force-cleanup")
        assert forced.returncode == 0, forced.stderr
        assert not on_storage(lab, host.id)
        assert held_here(host) == host.id       # not taken from the "agent"
    finally:
        host.link(60).release_host_id()


def test_lockspace_view_on_real_sanlock(lab):
    """The agent's liveness signal: the broker's lockspace-hosts monitor."""
    one, two = lab.hosts[1], lab.hosts[2]
    link = one.link(60)
    link.start_monitor("lockspace-hosts", {"sd_uuid": lab.ids.sd_uuid})
    try:
        assert link.get_monitor_status("lockspace-hosts") == "None"   # no id held here
        link.lock_host_id(1)
        two.link(60).lock_host_id(2)

        def view() -> dict:
            text = link.get_monitor_status("lockspace-hosts")
            return {} if text == "None" else json.loads(text)

        wait_for(lambda: view().get("1") == "live" and view().get("2") == "live", 30, 0.5)
        two.link(60).release_host_id()
        # a clean release: sanlock lists the id FREE, or not at all (3.8)
        wait_for(lambda: view().get("2", "free") == "free", 30, 0.5)
        link.release_host_id()
        wait_for(lambda: link.get_monitor_status("lockspace-hosts") == "None", 30, 0.5)
    finally:
        link.stop_monitor("lockspace-hosts")
