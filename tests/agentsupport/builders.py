"""Small builders for the agent's records, and a recording state-machine Context."""

from __future__ import annotations

import dataclasses
from typing import Any

from ovirt_hosted_engine_ha.agent import refresh, scoring
from ovirt_hosted_engine_ha.agent.model import (
    AgentData,
    EngineStatus,
    LocalStats,
    RemoteHost,
    Snapshot,
)

GOOD = EngineStatus.of("up", "good", "Up")
BAD = EngineStatus.of("up", "bad", "Up", "failed liveliness check")
PAUSED = EngineStatus.of("up", "bad", "Paused", "bad vm status")
DOWN = EngineStatus.of("down", "bad", "unknown", "vm not running on this host")
DOWN_MISSING = EngineStatus.of("down_missing", "bad", "unknown", "vm not running on this host")
DOWN_UNEXPECTED = EngineStatus.of("down_unexpected", "bad", "Down", "bad vm status")
UNKNOWN = EngineStatus.unknown("failed to getVmStats")
MY_ID = 1


def remote(host_id: int, ts: int, score: int = 3400, engine: EngineStatus = DOWN) -> RemoteHost:
    return RemoteHost(host_id, ts, score, engine, f"host{host_id}")


def snapshot(t: int, engine: EngineStatus = DOWN, hosts: dict[int, RemoteHost] | None = None,
             global_maintenance: bool = False, **local: Any) -> Snapshot:
    return Snapshot(t, t, LocalStats(engine=engine, **local), hosts or {},
                    global_maintenance)


def history(until: int, engine: EngineStatus = DOWN, peers: dict[int, int] | None = None,
            step: int = 10, min_memory: int = 4096, **local: Any) -> AgentData:
    """A record refreshed every `step` s from 0 to `until`; `peers` ({host id: score})
    publish at every step with their engine down."""
    data = AgentData()
    for t in range(0, until + 1, step):
        hosts = {h: remote(h, t, score) for h, score in (peers or {}).items()}
        data = refresh.refresh(data, snapshot(t, engine, hosts, **local), MY_ID, min_memory)
    return data


def advance(data: AgentData, t: int, engine: EngineStatus | None = None,
            hosts: dict[int, RemoteHost] | None = None, global_maintenance: bool = False,
            **local: Any) -> AgentData:
    """`data` refreshed with one more snapshot at `t` (peers default: same as before, ts=t)."""
    last = data.stats
    assert last is not None
    if hosts is None:
        hosts = {h: dataclasses.replace(r, host_ts=t) for h, r in last.hosts.items()}
    values = {f.name: getattr(last.local, f.name) for f in dataclasses.fields(last.local)
              if f.name != "engine"}
    values.update(local)
    return refresh.refresh(
        data, snapshot(t, engine or last.local.engine, hosts, global_maintenance, **values),
        MY_ID, data.min_memory)


@dataclasses.dataclass
class FakeContext:
    host_id: int = MY_ID
    start_ok: bool = True
    stop_ok: bool = True
    cfg: scoring.ScoreConfig = dataclasses.field(default_factory=scoring.ScoreConfig)
    calls: list[str] = dataclasses.field(default_factory=list)

    def score(self, kind: scoring.Scoring, data: AgentData) -> scoring.Score:
        return scoring.compute(kind, data, self.cfg, True)

    def start_vm(self) -> bool:
        self.calls.append("start")
        return self.start_ok

    def stop_vm(self, force: bool) -> bool:
        self.calls.append("poweroff" if force else "shutdown")
        return self.stop_ok
