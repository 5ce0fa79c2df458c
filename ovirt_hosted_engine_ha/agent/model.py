"""What the agent knows: immutable records, one per concept.

    EngineStatus  the engine VM as one host sees it (the engine-health monitor's JSON)
    LocalStats    this host's monitor values and its local maintenance flag
    RemoteHost    another host's published slot, as far as decisions need it
    Snapshot      one collection: local stats, other hosts, global maintenance
    AgentData     what the state machine carries from cycle to cycle

Times are whole seconds of the agent's monotonic clock (spec/agent.md §3.2).
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Mapping

# vm values of the engine-health monitor (spec/agent.md §6.3)
VM_UP = "up"
VM_DOWN = "down"
VM_DOWN_UNEXPECTED = "down_unexpected"
VM_DOWN_MISSING = "down_missing"
VM_UNKNOWN = "unknown"
HEALTH_GOOD = "good"
HEALTH_BAD = "bad"
DETAIL_PAUSED = "Paused"


@dataclasses.dataclass(frozen=True)
class EngineStatus:
    """An engine-health value: `vm`, `health`, `detail` and maybe `reason`.

    `fields` keeps the keys in the order received, all as text, so that
    `to_json()` republishes what the broker said (upstream's `json.dumps`
    with default separators; a peer looks for ``"vm": "up"`` in it).
    """

    fields: tuple[tuple[str, str], ...]

    @classmethod
    def of(cls, vm: str, health: str, detail: str, reason: str | None = None) -> EngineStatus:
        fields = [("vm", vm), ("health", health), ("detail", detail)]
        if reason is not None:
            fields.append(("reason", reason))
        return cls(tuple(fields))

    @classmethod
    def unknown(cls, reason: str | None = None) -> EngineStatus:
        return cls.of(VM_UNKNOWN, "unknown", "unknown", reason)

    @classmethod
    def from_json(cls, text: str) -> EngineStatus:
        """Upstream's conversion: every key and value as text; not a JSON object ->
        vm unknown, detail "serialization error"."""
        try:
            value = json.loads(text)
        except (TypeError, ValueError):
            value = None
        if not isinstance(value, dict):
            return cls.of(VM_UNKNOWN, "unknown", "serialization error")
        return cls(tuple((str(k), str(v)) for k, v in value.items()))

    def get(self, key: str, default: str = "") -> str:
        for k, v in self.fields:
            if k == key:
                return v
        return default

    @property
    def vm(self) -> str:
        return self.get("vm")

    @property
    def health(self) -> str:
        return self.get("health")

    @property
    def detail(self) -> str:
        return self.get("detail")

    def rank(self) -> int:
        """Upstream's engine_status_score: unknown 0, down* 1, up+Paused 2, bad 3, good 4.

        A status none of these describe ranks 0 (upstream raises ValueError
        and the agent's loop ends).
        """
        if self.vm == VM_UNKNOWN:
            return 0
        if self.vm in (VM_DOWN, VM_DOWN_UNEXPECTED, VM_DOWN_MISSING):
            return 1
        if self.vm == VM_UP and self.detail == DETAIL_PAUSED:
            return 2
        if self.health == HEALTH_BAD:
            return 3
        if self.health == HEALTH_GOOD:
            return 4
        return 0

    def to_json(self) -> str:
        return json.dumps(dict(self.fields))


@dataclasses.dataclass(frozen=True)
class LocalStats:
    """Monitor values of this host; `None` = unknown this cycle (no penalty)."""

    network: float | None = None
    bridge: bool | None = None
    mem_free: float | None = None
    cpu_load: float | None = None
    engine: EngineStatus = EngineStatus.unknown()
    storage: bool | None = None
    maintenance: bool = False


@dataclasses.dataclass(frozen=True)
class RemoteHost:
    host_id: int
    host_ts: int
    score: int
    engine: EngineStatus
    hostname: str


@dataclasses.dataclass(frozen=True)
class Snapshot:
    """One collection (upstream's StatsData)."""

    collect_start: int
    collect_finish: int
    local: LocalStats
    hosts: Mapping[int, RemoteHost] = dataclasses.field(default_factory=dict)
    global_maintenance: bool = False
    time_epoch: int = 0   # wall clock minus monotonic clock, for dates only
    # The broker's lockspace view: peers whose sanlock host-id lease has
    # expired, and peers whose renewals fail (not expired yet).
    expired_leases: frozenset[int] = frozenset()
    failing_leases: frozenset[int] = frozenset()


@dataclasses.dataclass(frozen=True)
class AgentData:
    """The state machine's record (upstream's HostedEngineData).

    `history` holds the snapshots of the last 900 s, newest first. The
    decision fields (`alive_hosts` ... `best_score_host`) are computed from
    it at each refresh (refresh.py). `liveness_known` says whether a
    snapshot old enough to judge liveness exists (design.md §7 warm-up fix).
    `bad_health_time` is when this host last stopped the VM for bad health.
    """

    history: tuple[Snapshot, ...] = ()
    timeout_start: int | None = None
    retry_count: int = 0
    retry_time: int | None = None
    bad_health_time: int | None = None
    min_memory: int = 0
    liveness_known: bool = False
    alive_hosts: tuple[int, ...] = ()
    best_engine: EngineStatus = EngineStatus.unknown()
    best_engine_host: int | None = None
    best_score_host: RemoteHost | None = None

    @property
    def stats(self) -> Snapshot | None:
        return self.history[0] if self.history else None

    @property
    def now(self) -> int:
        """The time of the latest collection (the state machine's "now")."""
        stats = self.stats
        return stats.collect_finish if stats is not None else 0

    def replace(self, **changes: object) -> AgentData:
        return dataclasses.replace(self, **changes)  # type: ignore[arg-type]
