"""ovirt-ha-lab fill joins the simulated hosts to the lockspace, as their daemons would.

Real sanlock daemons (the lab's two hosts) read the simulated hosts' delta
leases and report them LIVE while `follow` renews them, FAIL once the
renewals stop and DEAD after the lease expiry; the broker's
lockspace-hosts monitor (sanlock.get_hosts in the broker) and a real
agent's liveness (is_host_alive) follow. The agent's clock runs 5 times
faster (its 60 s warm-up takes 12 s); the lease expiry is sanlock's own,
about 70 s with the lab's io timeout of 1 s.
"""

import json
import threading

import pytest

from ovirt_hosted_engine_ha.agent import constants as agent_constants
from ovirt_hosted_engine_ha.lab import delta_lease, fill, sanlockd
from ovirt_hosted_engine_ha.lib import directio
from tests.monitorsupport.wait import wait_for

pytestmark = pytest.mark.integration

SIMULATED = set(range(3, 41))     # ids 1 and 2 are the lab's own hosts
EXPIRY = 150                      # real seconds: sanlock's DEAD (~70 s) + agent cycles + load


def view(host, state: str) -> set[int]:
    """Host ids `host`'s sanlock daemon reports in `state` (LIVE, FAIL, ...)."""
    hosts = sanlockd.lockspace_view(host.layout, timeout=10).hosts
    return {h for h, s in hosts.items() if s == state}


def monitored(host, state: str) -> set[int]:
    """Host ids the broker's lockspace-hosts monitor reports in `state` (live, fail, ...)."""
    text = host.link(30).get_monitor_status("lockspace-hosts")
    return {int(h) for h, s in json.loads(text).items() if s == state} if text != "None" else set()


def alive(host, ids) -> set[int]:
    link = host.link(30)
    return {i for i in ids if link.is_host_alive(i)}


def daemon_errors(host) -> list[str]:
    """Lines of the host's sanlock log that report an error (a renewal disturbed...)."""
    text = host.layout.sanlock_log.read_text(errors="replace")
    return [line for line in text.splitlines() if "error" in line.lower()]


def lease_sector(lab, host_id: int) -> bytes:
    area = directio.read(str(lab.lockspace_path), 0, directio.BLOCK)
    return area[(host_id - 1) * lab.sector:host_id * lab.sector]


class Publisher:
    """`fill.follow` in a thread: metadata every `period` s, leases at sanlock's cadence."""

    def __init__(self, filler: fill.Filler, period: float) -> None:
        self._stop = threading.Event()
        self._thread = threading.Thread(target=fill.follow, args=(filler, period),
                                        kwargs={"sleep": self._stop.wait}, daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=30)


@pytest.mark.timeout(480)
def test_simulated_hosts_are_live_in_the_lockspace(cluster, monkeypatch):
    monkeypatch.setenv(agent_constants.TIME_SCALE_ENV, "5")
    lab = cluster(hosts=2)
    host1, host2 = lab.hosts[1], lab.hosts[2]
    for host in (host1, host2):
        host.link(120).lock_host_id(host.id)
    # the lease host 1's own daemon wrote, reproduced by our encoder byte for byte
    own = wait_for(lambda: (s := lease_sector(lab, 1)) and delta_lease.valid(s) and s, 10)
    assert delta_lease.sector(delta_lease.decode(own)) == own
    assert delta_lease.decode(own).resource_name == host1.record.sanlock_name.encode()

    filler = fill.fill_cluster(lab, 40, restart_brokers=True)
    assert filler.leases is not None and set(filler.leases.joined) == SIMULATED
    publisher = Publisher(filler, period=3.0)
    try:
        # both real daemons see them LIVE; the broker's monitor (get_hosts) too
        wait_for(lambda: SIMULATED <= view(host1, "LIVE") and SIMULATED <= view(host2, "LIVE"),
                 30, 0.5)
        host1.link(30).start_monitor("lockspace-hosts", {})
        wait_for(lambda: SIMULATED <= monitored(host1, "live"), 30, 0.5)
        assert {1, 2} <= view(host1, "LIVE")

        # a real host still leaves and takes its id beside them
        host2.link(120).release_host_id()
        host2.link(120).lock_host_id(2)
        wait_for(lambda: {1, 2} | SIMULATED <= view(host2, "LIVE"), 30, 0.5)

        # a real agent's liveness: is_host_alive lists them
        host1.start_agent()
        wait_for(lambda: alive(host1, SIMULATED) == SIMULATED, 90, 1.0)
        # renewed all along (well past sanlock's 8 s failure threshold): still LIVE
        assert SIMULATED <= view(host1, "LIVE") and SIMULATED <= monitored(host1, "live")
    finally:
        publisher.stop()

    # the agents keep publishing, the daemons stop renewing: FAIL, then DEAD,
    # and the agent declares them dead although their metadata still changes
    leases, filler.leases = filler.leases, None
    publisher = Publisher(filler, period=3.0)
    try:
        wait_for(lambda: SIMULATED <= view(host1, "FAIL"), 40, 0.5)
        assert {1, 2} <= view(host1, "LIVE")
        wait_for(lambda: not alive(host1, SIMULATED), EXPIRY, 2.0)
        assert SIMULATED <= monitored(host1, "dead")
    finally:
        publisher.stop()
        filler.leases = leases

    # clear releases them (timestamp 0): no longer listed as holding an id
    filler.clear()
    wait_for(lambda: not SIMULATED & set(sanlockd.lockspace_view(host1.layout).hosts), 30, 0.5)
    assert all(delta_lease.decode(lease_sector(lab, i)).timestamp == 0 for i in (3, 7))
    assert {1, 2} <= view(host1, "LIVE")
    # the real daemons renewed their own leases beside ours without a single error
    assert daemon_errors(host1) == [] and daemon_errors(host2) == []


@pytest.mark.parametrize("sector, joined", [(512, 2000), (4096, 250)])
def test_a_full_lockspace(cluster, sector, joined):
    """Every id the geometry holds: 2000 with 512-byte sectors, 250 with 4 KiB ones."""
    lab = cluster(hosts=1, sector=sector)
    host = lab.hosts[1]
    host.link(120).lock_host_id(1)
    filler = fill.fill_cluster(lab, 2000)
    assert filler.leases is not None and filler.leases.joined == list(range(2, joined + 1))
    expected = set(range(1, joined + 1))
    publisher = Publisher(filler, period=10.0)
    try:
        wait_for(lambda: view(host, "LIVE") == expected, 30, 0.5)
    finally:
        publisher.stop()
        filler.clear()
    wait_for(lambda: set(sanlockd.lockspace_view(host.layout).hosts) == {1}, 30, 0.5)
    assert daemon_errors(host) == []
