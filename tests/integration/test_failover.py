"""Failover with real agents: three lab hosts, real sanlock (io timeout 1), real time.

The agents run unchanged (no time scale): the engine VM starts about 60 s
after they do (their warm-up), a killed host's lease is free 71 s after
its sanlock daemon died, and the survivors see it dead within one agent
cycle of that (the broker's lockspace view, design.md §7).
Safety is checked on the lease itself, not on timings: the lease journal
(every acquisition with the owners sanlock reads from disk, every release)
never shows two holders, the lease version only grows, and a sampler
asking every host's vdsm throughout the module never sees the VM Up (or
Powering up) on two hosts at once.
"""

import json
import subprocess
import sys
import threading
import time

import pytest

from ovirt_hosted_engine_ha.lab import agentproc, leaselog, sanlockd
from ovirt_hosted_engine_ha.lab.errors import LabError
from ovirt_hosted_engine_ha.lib import metadata
from tests.lab.labcluster import assert_exclusive, healthy, status, vm_stats, wait_for

pytestmark = pytest.mark.integration

START = 240       # agents' warm-up (60 s) and VM boot, with margin
MIGRATE = 120     # the engine sees a fresh target within ~20 s, then ~1 s
FAILOVER = 300    # sanlock expiry (71 s) / agent detection (60-80 s), then boot
RUNNING = ("Up", "Powering up")
CYCLE = 10        # the agent's loop period


class Sampler:
    """Asks every host's vdsm for the engine VM's status, 4 times a second."""

    def __init__(self, cluster) -> None:
        self.cluster = cluster
        self.samples = 0
        self.violations: list[dict[int, str | None]] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="sampler", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while not self._stop.wait(0.25):
            seen = {k: h.vm_status() for k, h in self.cluster.hosts.items()
                    if h.pid("sim") is not None}
            self.samples += 1
            if sum(1 for s in seen.values() if s in RUNNING) > 1:
                self.violations.append(seen)

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(5)


@pytest.fixture(scope="module")
def lab(shared_cluster):
    if not agentproc.available():
        pytest.skip(f"the HA agent is not installed ({agentproc.MAIN})")
    return shared_cluster(hosts=3, start_agents=True)


@pytest.fixture(scope="module")
def sampler(lab):
    s = Sampler(lab)
    yield s
    s.stop()
    assert s.violations == []


def engine_host(lab) -> int:
    hosts = wait_for(lambda: lab.engine_hosts(), START, 0.5)
    assert len(hosts) == 1
    wait_for(lambda: healthy(lab), START, 0.5)
    return hosts[0]


def slot(lab, seen_by: int, host_id: int) -> metadata.HostSlot:
    raw = lab.hosts[seen_by].link().get_stats_from_storage()
    return metadata.parse_host_slot(host_id, raw[host_id])


def test_engine_starts_on_exactly_one_host(lab, sampler):
    k = engine_host(lab)
    assert lab.read_lease()["owners"] == [k]
    assert [h for h in lab.hosts if h != k and status(lab.hosts[h]) in RUNNING] == []
    assert_exclusive(lab)
    assert sampler.violations == []


def test_vm_status_as_each_host_sees_it(lab, sampler):
    k = engine_host(lab)
    other = next(h for h in lab.hosts if h != k)
    cmd = [sys.executable, "-m", "ovirt_hosted_engine_ha.client.cli", "vm-status", "--json"]

    def engine_up_in_vm_status() -> bool:
        out = subprocess.run(cmd, env=lab.hosts[other].env, capture_output=True, text=True,
                             timeout=60)
        assert out.returncode == 0, out.stderr
        stats = json.loads(out.stdout)
        return sorted(h for h in stats if h.isdigit()) == ["1", "2", "3"] and (
            stats[str(k)]["engine-status"].get("health") == "good")

    wait_for(engine_up_in_vm_status, 60, 2)


def test_local_maintenance_migrates_the_engine(lab, sampler):
    src = engine_host(lab)
    version = lab.read_lease()["version"]
    source = lab.hosts[src]
    source.sim.call("Host.setHaMaintenanceMode", mode="local", enabled=True)
    try:
        down = wait_for(lambda: (s := vm_stats(source)) and s["status"] == "Down" and s,
                        MIGRATE, 0.5)
        assert (down["exitReason"], down["exitMessage"]) == (4, "Migration succeeded")
        dst = engine_host(lab)
        assert dst != src
        lease = lab.read_lease()
        assert lease["owners"] == [dst] and lease["version"] == version + 1
        wait_for(lambda: slot(lab, dst, src).maintenance and slot(lab, dst, src).score == 0,
                 MIGRATE, 1)
    finally:
        source.sim.call("Host.setHaMaintenanceMode", mode="local", enabled=False)
    assert_exclusive(lab)


def lease_expired(lab, dead_host: int, survivors: list[int]) -> bool:
    """A survivor's sanlock sees the dead host's id DEAD in the domain's lockspace."""
    for k in survivors:
        try:
            view = sanlockd.lockspace_view(lab.hosts[k].layout, name=lab.ids.sd_uuid)
        except LabError:
            continue
        if view.hosts.get(dead_host) in ("DEAD", "FREE"):
            return True
    return False


def test_killed_engine_host_fails_over(lab, sampler):
    old = engine_host(lab)
    survivors = [k for k in lab.hosts if k != old]
    version = lab.read_lease()["version"]
    killed_at = time.monotonic()
    lab.hosts[old].kill()
    assert not healthy(lab)
    expired = wait_for(lambda: lease_expired(lab, old, survivors) and time.monotonic(),
                       FAILOVER, 0.25)
    new = wait_for(lambda: [k for k in lab.engine_hosts() if k != old], FAILOVER, 0.5)
    assert len(new) == 1
    wait_for(lambda: healthy(lab), FAILOVER, 0.5)
    lease = lab.read_lease()
    assert lease["owners"] == new and lease["version"] > version
    # Liveness from the lockspace: the first start attempt (a lease
    # acquisition in the journal) comes after the dead host's lease is free
    # (while its renewals fail it stays alive) and within one agent cycle
    # (+ the monitor's 1 s period, this poll and the VM process start).
    attempts = [e for e in leaselog.read(lab.layout.lease_log)
                if e["mono"] >= killed_at and e["event"] in ("acquired", "failed")]
    first = attempts[0]["mono"]
    print(f"\nfailover: host{old} killed -> lease free {expired - killed_at:.1f} s -> "
          f"start attempt {first - expired:+.1f} s -> engine healthy on host{new[0]} "
          f"after {time.monotonic() - killed_at:.0f} s")
    assert [e["event"] for e in attempts] == ["acquired"]
    assert expired - 1 <= first <= expired + CYCLE + 5
    assert_exclusive(lab)
    assert sampler.samples > 0 and sampler.violations == []
