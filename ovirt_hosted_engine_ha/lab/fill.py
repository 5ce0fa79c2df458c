"""Fill a lab's metadata volume with many simulated hosts' slots (issue 15).

Each simulated host's slot is what a real agent publishes: upstream's
header (host id, timestamp, score, engine status, hostname, flags,
checksum) and the extra text with its state, written with durable
O_DIRECT writes of whole runs of slots. `advance` rewrites them the way
running agents do: a new timestamp every cycle, the score and state of a
few hosts changing. Slots of the lab's real hosts are never touched.

The simulated hosts also join the hosted-engine sanlock lockspace
(`fill_cluster`, or a Filler given `leases`): the lab writes their delta
leases as their sanlock daemons would and renews them at sanlock's cadence
(sim_leases.py; every 2 io timeouts: 2 s in the lab), so the lab's real
daemons, and through them the brokers' lockspace-hosts monitor and the
agents' liveness, see them as live hosts, as in production. `advance`
and `renew` renew the leases; `follow` calls `advance` every cycle and
`renew` in between; without renewals the daemons report the simulated
hosts FAIL after about 8 io timeouts and DEAD about 60 s later, like hosts
that crashed. A broker finds the slots of hosts not yet known in its full
2001-slot scan (at start, then every 60 s or every 10 minutes while
joined), so `restart_brokers` shows them at once. `clear` zeroes the slots
and releases the leases (timestamp 0, as sanlock's rem_lockspace).
"""

import dataclasses
import os
import random
import time
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING

from ..lib import directio, metadata
from . import sim_leases
from .sim_leases import SimulatedLeases

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
    """Simulated hosts `ids` publishing into the metadata volume at `path`, joined
    to the lockspace through `leases` when given."""

    def __init__(self, path: str | os.PathLike[str], ids: Iterable[int],
                 seed: int = 15, leases: SimulatedLeases | None = None) -> None:
        self.path = str(path)
        self.leases = leases
        self._rng = random.Random(seed)
        weights = [p[4] for p in PROFILES]
        self.hosts = {
            i: Simulated(i, self._rng.choices(range(len(PROFILES)), weights)[0],
                         ts=0)
            for i in sorted(ids)}

        self._epoch = int(time.time() - time.monotonic())

    def write_all(self) -> None:
        """Join the lockspace (with `leases`), then publish every slot."""
        if self.leases is not None:
            self.leases.join()
        self.advance(changes=0.0)

    @property
    def renew_interval(self) -> float | None:
        """How often the leases need renewing; None without leases held."""
        if self.leases is None or not self.leases.joined:
            return None
        return self.leases.renew_interval

    def renew(self) -> None:
        """Renew the simulated hosts' delta leases (what their sanlock daemons do)."""
        if self.leases is not None and self.leases.joined:
            self.leases.renew()

    def advance(self, changes: float = 0.02) -> None:
        """One agent cycle: every timestamp is now (spread over 10 s), a few hosts
        change state; the leases are renewed."""
        weights = [p[4] for p in PROFILES]
        now = int(time.monotonic())
        for host in self.hosts.values():
            host.ts = now - host.host_id % 10
            if self._rng.random() < changes:
                host.profile = self._rng.choices(range(len(PROFILES)), weights)[0]
        self._write(self.hosts)
        self.renew()

    def clear(self) -> None:
        """Zero the slots; release the leases (also those another process left)."""
        for first, count in runs(self.hosts):
            directio.write(self.path, first * SLOT, bytes(count * SLOT))
        if self.leases is not None:
            self.leases.release()

    def _write(self, hosts: dict[int, Simulated]) -> None:
        for first, count in runs(hosts):
            data = b"".join(slot_image(hosts[i], self._epoch) for i in range(first, first + count))
            directio.write(self.path, first * SLOT, data)


def runs(ids: Iterable[int]) -> list[tuple[int, int]]:
    """(first, count) runs of consecutive ids, at most RUN long."""
    return sim_leases.runs(ids, RUN)


def simulated_ids(total: int, real: Iterable[int]) -> list[int]:
    """Host ids 1..`total` that are not the lab's real hosts."""
    taken = set(real)
    if not 1 <= total <= 2000:
        raise ValueError(f"--hosts must be 1..2000, got {total}")
    return [i for i in range(1, total + 1) if i not in taken]


def cluster_filler(cluster: "Cluster", total: int, join: bool = True) -> Filler:
    """A Filler of the simulated hosts up to id `total` in `cluster` (not written yet);
    with `join` they hold delta leases named lab-<instance>-sim<K>."""
    ids = simulated_ids(total, cluster.hosts)
    leases = None
    if join:
        instance = cluster.ids.instance
        leases = SimulatedLeases(cluster.lockspace_path, ids,
                                 lambda host_id: sim_leases.sim_name(instance, host_id))
    return Filler(cluster.metadata_path, ids, leases=leases)


def fill_cluster(cluster: "Cluster", total: int, restart_brokers: bool = False,
                 join: bool = True) -> Filler:
    """Simulated hosts up to id `total` in `cluster`'s volume, with `join` also in its
    lockspace (renew them: `follow`, `Filler.renew`); with `restart_brokers`
    every broker restarts (its first full scan sees them) and retakes its host id."""
    filler = cluster_filler(cluster, total, join)
    filler.write_all()
    if restart_brokers:
        for host in cluster.hosts.values():
            if host.broker_pid is None:
                continue
            host.stop_broker()
            host.start_broker()
            host.link(200).lock_host_id(host.id)
    return filler


def follow(filler: Filler, period: float = CYCLE_SECS, rounds: int | None = None,
           sleep: Callable[[float], bool | None] = time.sleep,
           clock: Callable[[], float] = time.monotonic) -> None:
    """Publish like running agents: a new cycle every `period` seconds; between
    cycles renew the leases at sanlock's cadence, as the hosts' daemons do.

    Ends after `rounds` cycles, or when `sleep` returns True (a
    threading.Event's `wait` stops it from another thread).
    """
    done = 0
    next_cycle = clock() + period
    while rounds is None or done < rounds:
        step = filler.renew_interval or period
        # the agents' and daemons' own periods, not a readiness wait
        if sleep(max(0.0, min(step, next_cycle - clock()))):
            return
        now = clock()
        if now >= next_cycle:
            filler.advance()
            done += 1
            next_cycle += period
            if next_cycle <= now:   # a cycle took longer than the period
                next_cycle = now + period
        else:
            filler.renew()
