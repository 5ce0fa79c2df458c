"""Fill a lab's metadata volume with many simulated hosts' slots (issue 15).

Each simulated host's slot is what a real agent publishes: upstream's
header (host id, timestamp, score, engine status, hostname, flags,
checksum) and the extra text with its state, written with durable
O_DIRECT writes of whole runs of slots. `advance` rewrites them the way
running agents do: a new timestamp every cycle, the score and state of a
few hosts changing. Slots of the lab's real hosts are never touched.

The simulated hosts are not joined to the sanlock lockspace: one sanlock
daemon holds one host id per lockspace, so 2000 ids would need 2000
daemons. A broker therefore finds them in its full 2001-slot scan (at
start, then every 60 s or every 10 minutes while joined) and from then on
reads them every cycle as known slots. `clear` zeroes them again.
"""

import dataclasses
import os
import random
import time
from collections.abc import Iterable
from typing import TYPE_CHECKING

from ..lib import directio, metadata

if TYPE_CHECKING:
    from .cluster import Cluster

SLOT = 4096
RUN = 256  # slots per write (1 MiB)
CYCLE_SECS = 10.0  # an agent's publishing period

DOWN = ('{"vm": "down", "health": "bad", "detail": "unknown", '
        '"reason": "vm not running on this host"}')
# (state, score, engine status, local maintenance), with rough weights
PROFILES = [
    ("EngineDown", 3400, DOWN, False, 80),
    ("EngineDown", 1800, DOWN, False, 8),
    ("LocalMaintenance", 0, DOWN, True, 5),
    ("EngineUnexpectedlyDown", 0, DOWN, False, 3),
    ("ReinitializeFSM", 0, DOWN, False, 2),
    ("EngineStarting", 3400, DOWN, False, 2),
]


@dataclasses.dataclass
class Simulated:
    host_id: int
    profile: int
    ts: int


def slot_image(host: Simulated, epoch: int) -> bytes:
    """The padded slot an agent in `host`'s state publishes (timestamps: monotonic s)."""
    state, score, engine, maintenance, _ = PROFILES[host.profile]
    date = time.ctime(host.ts + epoch)
    record = metadata.HostSlot(
        host_id=host.host_id, host_ts=host.ts, score=score, engine_status=engine,
        hostname=f"sim{host.host_id}.lab.example", maintenance=maintenance,
        local_conf_timestamp=host.ts,
        extra=(f"metadata_parse_version={metadata.PARSE_VERSION}\n"
               f"metadata_feature_version={metadata.FEATURE_VERSION}\n"
               f"timestamp={host.ts} ({date})\nhost-id={host.host_id}\nscore={score}\n"
               f"vm_conf_refresh_time={host.ts} ({date})\nconf_on_shared_storage=True\n"
               f"maintenance={maintenance}\nstate={state}\nstopped=False\n"))
    return metadata.build_host_slot(record, pad=True)


class Filler:
    """Simulated hosts `ids` publishing into the metadata volume at `path`."""

    def __init__(self, path: str | os.PathLike[str], ids: Iterable[int],
                 seed: int = 15) -> None:
        self.path = str(path)
        self._rng = random.Random(seed)
        weights = [p[4] for p in PROFILES]
        self.hosts = {
            i: Simulated(i, self._rng.choices(range(len(PROFILES)), weights)[0],
                         ts=0)
            for i in sorted(ids)}

        self._epoch = int(time.time() - time.monotonic())

    def write_all(self) -> None:
        self.advance(changes=0.0)

    def advance(self, changes: float = 0.02) -> None:
        """One agent cycle: every timestamp is now (spread over 10 s), a few hosts
        change state."""
        weights = [p[4] for p in PROFILES]
        now = int(time.monotonic())
        for host in self.hosts.values():
            host.ts = now - host.host_id % 10
            if self._rng.random() < changes:
                host.profile = self._rng.choices(range(len(PROFILES)), weights)[0]
        self._write(self.hosts)

    def clear(self) -> None:
        for first, count in runs(self.hosts):
            directio.write(self.path, first * SLOT, bytes(count * SLOT))

    def _write(self, hosts: dict[int, Simulated]) -> None:
        for first, count in runs(hosts):
            data = b"".join(slot_image(hosts[i], self._epoch) for i in range(first, first + count))
            directio.write(self.path, first * SLOT, data)


def runs(ids: Iterable[int]) -> list[tuple[int, int]]:
    """(first, count) runs of consecutive ids, at most RUN long."""
    result: list[tuple[int, int]] = []
    for i in sorted(ids):
        if result and sum(result[-1]) == i and result[-1][1] < RUN:
            result[-1] = (result[-1][0], result[-1][1] + 1)
        else:
            result.append((i, 1))
    return result


def simulated_ids(total: int, real: Iterable[int]) -> list[int]:
    """Host ids 1..`total` that are not the lab's real hosts."""
    taken = set(real)
    if not 1 <= total <= 2000:
        raise ValueError(f"--hosts must be 1..2000, got {total}")
    return [i for i in range(1, total + 1) if i not in taken]




def fill_cluster(cluster: "Cluster", total: int, restart_brokers: bool = False) -> Filler:
    """Simulated hosts up to id `total` in `cluster`'s volume; with `restart_brokers`
    every broker restarts (its first full scan sees them) and retakes its host id."""
    filler = Filler(cluster.metadata_path, simulated_ids(total, cluster.hosts))
    filler.write_all()
    if restart_brokers:
        for host in cluster.hosts.values():
            if host.broker_pid is None:
                continue
            host.stop_broker()
            host.start_broker()
            host.link(200).lock_host_id(host.id)
    return filler


def follow(filler: Filler, period: float = CYCLE_SECS,
           rounds: int | None = None) -> None:
    """Publish like running agents: a new cycle every `period` seconds."""
    done = 0
    while rounds is None or done < rounds:
        time.sleep(period)  # the agents' cycle, not a readiness wait
        filler.advance()
        done += 1
