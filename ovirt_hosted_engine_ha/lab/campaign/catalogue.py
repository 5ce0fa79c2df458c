"""The faults a campaign draws from: how each one starts and how it ends.

Host faults hit one host (drawn by number, or "the engine's host" resolved
when the fault starts); cluster faults hit everyone. Every fault ends by
undoing itself (start again what was stopped, restore, maintenance off,
heal), after which the cluster must recover within the bounds (bounds.py).

Storage faults need the lab's FUSE layer, one mount under which every
host sees the storage domain: they hit every host at once (all files
slow or hanging: sanlock's renewals too; the metadata volume failing with
EIO or vanishing: the brokers' metadata I/O only). They are in the
catalogue only when the cluster has a `storage_faults` object
(``Cluster.up(..., faultfs=True)``).
"""

import dataclasses
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from ..cluster import Cluster, Host

HOST, CLUSTER = "host", "cluster"
Action = Callable[["Cluster", "Host | None"], object]
STORAGE_SLOW_SECS = 0.5   # below sanlock's io timeout (1 s): slow, not lost


@dataclasses.dataclass(frozen=True)
class FaultKind:
    name: str
    scope: str                  # HOST or CLUSTER
    what: str                   # one line for the report
    start: Action
    end: Action
    silences_target: bool = True  # the target's slot may go stale while it lasts

    def exempt(self, target: int | None, hosts: list[int]) -> list[int]:
        """Hosts whose slot may stop changing during this fault and its recovery."""
        if not self.silences_target:
            return []
        return list(hosts) if self.scope == CLUSTER else [target] if target else []


def _host(host: "Host | None") -> "Host":
    if host is None:
        raise ValueError("a host fault needs a target host")
    return host


def _start_again(cluster: "Cluster", host: "Host | None") -> None:
    _host(host).start()


def _maintenance(mode: str, enabled: bool) -> Action:
    def act(cluster: "Cluster", host: "Host | None") -> object:
        return _host(host).sim.call("Host.setHaMaintenanceMode", mode=mode, enabled=enabled)
    return act


def _storage(call: Callable[[Any, "Cluster"], object]) -> Action:
    def act(cluster: "Cluster", host: "Host | None") -> object:
        return call(cluster.storage_faults, cluster)  # type: ignore[attr-defined]
    return act


HOST_FAULTS = (
    FaultKind("kill-host", HOST, "power loss (lab kill-host), then start-host",
              lambda c, h: _host(h).kill(), _start_again),
    FaultKind("kill-sanlock", HOST, "SIGKILL its sanlock daemon, then start it",
              lambda c, h: _host(h).kill_sanlock(), _start_again),
    FaultKind("stop-vdsm", HOST, "stop its vdsm simulator (its VM dies with it), then start it",
              lambda c, h: _host(h).stop_vdsm(), _start_again),
    FaultKind("restart-broker", HOST, "SIGTERM its broker, start it later",
              lambda c, h: _host(h).stop_broker(), _start_again),
    FaultKind("degrade-network", HOST, "its network probe target stops, then restore",
              lambda c, h: _host(h).degrade("network"), lambda c, h: _host(h).restore(),
              silences_target=False),
    FaultKind("degrade-storage", HOST, "vdsm reports its storage domain invalid, then restore",
              lambda c, h: _host(h).degrade("storage"), lambda c, h: _host(h).restore(),
              silences_target=False),
    FaultKind("local-maintenance", HOST, "local maintenance through its vdsm, then none",
              _maintenance("local", True), _maintenance("local", False),
              silences_target=False),
    FaultKind("global-maintenance", HOST, "global maintenance through its vdsm, then none",
              _maintenance("global", True), _maintenance("global", False),
              silences_target=False),
)

_HEAL = _storage(lambda f, c: f.heal())
STORAGE_FAULTS = (
    FaultKind("storage-slow", CLUSTER,
              f"every storage operation {STORAGE_SLOW_SECS:g} s slower (FUSE)",
              _storage(lambda f, c: f.slow(STORAGE_SLOW_SECS)), _HEAL),
    FaultKind("storage-hang", CLUSTER, "every storage operation hangs until healed (FUSE)",
              _storage(lambda f, c: f.hang()), _HEAL),
    FaultKind("metadata-eio", CLUSTER, "the metadata volume fails every read and write with "
              "EIO (FUSE)", _storage(lambda f, c: f.fail("EIO", path=c.metadata_path)), _HEAL),
    FaultKind("metadata-vanish", CLUSTER, "the metadata volume vanishes (FUSE)",
              _storage(lambda f, c: f.vanish(path=c.metadata_path)), _HEAL),
)


def storage_faults_available(cluster: object) -> bool:
    """The cluster runs over the FUSE layer (its `storage_faults` answer)."""
    try:
        return getattr(cluster, "storage_faults", None) is not None
    except Exception:  # the lab's property refuses when the lab runs without faultfs
        return False


def catalogue(storage: bool) -> list[FaultKind]:
    """The kinds to draw from, in a fixed order (the draws depend on it)."""
    return list(HOST_FAULTS) + (list(STORAGE_FAULTS) if storage else [])


def by_name(storage: bool = True) -> dict[str, FaultKind]:
    return {k.name: k for k in catalogue(storage)}
