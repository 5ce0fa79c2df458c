"""Shared pieces of the storage fault rows (F09-F12, F16): labs, latency, slots.

`storage_lab(factory, domain, agents)` starts (or reuses) a 2-host lab
whose storage is a faultfs mount, on a file or a block domain, skipping
with the reason when FUSE or loop devices are missing here. `Latency`
calls status verbs from other threads while a fault runs and reports
their p50/p99. `real_slot` reads a slot from the real volume, past every
fault (what reached the disk).
"""

import threading
import time

import pytest

from ovirt_hosted_engine_ha.lab import blockdev
from ovirt_hosted_engine_ha.lab.cluster import Cluster
from ovirt_hosted_engine_ha.lab.faultfs import mount
from ovirt_hosted_engine_ha.lib.brokerlink import BrokerLink

SLOT = 4096
DOMAINS = ("file", "block")
P99_LIMIT_MS = 20.0


def storage_lab(factory, domain: str, agents: bool = False) -> Cluster:
    reason = mount.unavailable() or (blockdev.unavailable() if domain == "block" else None)
    if reason:
        pytest.skip(reason)
    lab = factory(hosts=2, faultfs=True, domain=domain, start_agents=agents)
    lab.storage_faults.heal()
    if not agents:
        for host_id, host in lab.hosts.items():
            host.link(60).lock_host_id(host_id)
    return lab


def real_slot(lab: Cluster, slot: int) -> bytes:
    with open(lab.storage_faults.real_path(lab.metadata_path), "rb") as f:
        f.seek(slot * SLOT)
        return f.read(SLOT)


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(len(ordered) * fraction))] if ordered else 0.0


class Latency:
    """Threads calling get_stats and is_host_alive on a broker until stopped."""

    def __init__(self, link: BrokerLink, threads: int = 2) -> None:
        self._link = link
        self._stop = threading.Event()
        self.samples: list[float] = []
        self.errors: list[str] = []
        self._threads = [threading.Thread(target=self._run, daemon=True) for _ in range(threads)]

    def __enter__(self) -> "Latency":
        for t in self._threads:
            t.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        for t in self._threads:
            t.join(30)

    def _run(self) -> None:
        while not self._stop.is_set():
            for call in (self._link.get_stats_from_storage, lambda: self._link.is_host_alive(2)):
                start = time.monotonic()
                try:
                    call()
                except Exception as e:   # reported, and the row fails on it
                    self.errors.append(str(e))
                self.samples.append(time.monotonic() - start)
            time.sleep(0.005)

    def p(self, fraction: float) -> float:
        """Milliseconds."""
        return percentile(self.samples, fraction) * 1000

    def summary(self) -> str:
        return (f"get_stats/is_host_alive p50 {self.p(0.5):.1f} ms, p99 {self.p(0.99):.1f} ms "
                f"over {len(self.samples)} calls")


def broker_running(lab: Cluster) -> bool:
    return all(h.broker_pid is not None for h in lab.hosts.values())
