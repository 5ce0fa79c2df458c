"""Two real agents on two lab hosts: both publish, one starts the VM, SIGTERM stops cleanly.

The agents run as `python -m ovirt_hosted_engine_ha.agent` with the host's
environment (OVIRT_HA_ROOT, SANLOCK_RUN_DIR, the vdsm stand-in on
PYTHONPATH), as the lab will start them. Their clock runs 5 times faster
(OVIRT_HA_AGENT_TIME_SCALE): the 60 s warm-up takes 12 s. Host 2's agent is
started once host 1 runs the VM, so that host 2 sees it running when its
warm-up ends (the brokers re-read the slots only every 10 real seconds).
"""

import os
import signal
import subprocess
import sys

import pytest

from ovirt_hosted_engine_ha.agent import constants
from ovirt_hosted_engine_ha.lab import sanlockd
from ovirt_hosted_engine_ha.lib import metadata
from tests.monitorsupport.wait import wait_for

pytestmark = pytest.mark.integration

SCALE = 5
START_TIMEOUT = 90      # real seconds: start-up, 70 agent seconds, VM boot, broker re-reads


def start_agent(host) -> subprocess.Popen:
    env = dict(host.env, PYTHONUNBUFFERED="1")
    env[constants.TIME_SCALE_ENV] = str(SCALE)
    log = open(host.root / "var/log/ovirt-hosted-engine-ha/agent.stderr", "w")  # noqa: SIM115
    with log:
        return subprocess.Popen([sys.executable, "-m", "ovirt_hosted_engine_ha.agent"],
                                env=env, stdout=log, stderr=subprocess.STDOUT, cwd=host.root)


def agent_log(host) -> str:
    return (host.root / "var/log/ovirt-hosted-engine-ha/agent.stderr").read_text()


def stop(proc: subprocess.Popen) -> int:
    if proc.poll() is None:
        proc.send_signal(signal.SIGTERM)
    try:
        return proc.wait(timeout=60)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()
        raise


def slots(host) -> dict[int, metadata.HostSlot]:
    raw = host.link(10).get_stats_from_storage()
    return {k: metadata.parse_host_slot(k, v) for k, v in raw.items() if k != 0}


def state_of(slot: metadata.HostSlot) -> str:
    lines = dict(line.split("=", 1) for line in slot.extra.splitlines() if "=" in line)
    return lines.get("state", "")


def vms(host) -> dict[str, str]:
    return host.sim.get()["vms"]


def running_vms(cluster) -> dict[int, dict[str, str]]:
    return {k: v for k, h in cluster.hosts.items() if (v := vms(h))}


def test_two_agents(cluster):
    lab = cluster(hosts=2)
    host1, host2 = lab.hosts[1], lab.hosts[2]
    agents = [start_agent(host1)]
    try:
        wait_for(lambda: list(vms(host1).values()) == ["Up"], START_TIMEOUT, 0.5)
        agents.append(start_agent(host2))
        wait_for(lambda: set(slots(host1)) == {1, 2}, 60, 0.5)
        # Host 2 past its warm-up and seeing host 1 alive: it decided not to start.
        wait_for(lambda: host2.link(10).is_host_alive(1), START_TIMEOUT, 0.5)
        published = slots(host2)
        assert state_of(published[2]) == "EngineDown"
        assert '"vm": "up"' in published[1].engine_status
        assert state_of(published[1]) in ("EngineStarting", "EngineUp", "EngineUpBadHealth")
        assert list(running_vms(lab)) == [1]
        assert agents[1].poll() is None and agents[0].poll() is None

        assert stop(agents[1]) == 0
        last = slots(host2)[2]
        assert (last.stopped, last.score) == (True, 0)
        assert state_of(last) == "AgentStopped"
        assert sanlockd.lockspace_view(host2.layout).host_id is None
        assert "state change" in agent_log(host2) and "Agent stopped" in agent_log(host2)
        assert list(running_vms(lab)) == [1]
    finally:
        for proc in agents:
            stop(proc)
    assert os.path.exists(host1.root / "var/run/ovirt-hosted-engine-ha/vm.conf")
