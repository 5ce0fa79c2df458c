"""From a new snapshot to the state machine's next record (spec/agent.md §3.3, §4.5).

Liveness: another host is alive when its `host-ts` changed since the newest
snapshot taken more than HOST_ALIVE_TIMEOUT_SECS before this one (or it was
not in that snapshot), and its sanlock host-id lease has not expired (the
broker's lockspace view, `Snapshot.expired_leases`: an expired lease makes a
peer dead at once, design.md §7; a live peer whose lease renewals fail is
not aged out before its lease expires, see leases.py). Without such a
snapshot (the agent's first ~70 s) nobody is alive and `liveness_known`
is False: EngineDown then makes no start decision (design.md §7 warm-up
fix). Only changes count, so remote clocks are never compared with ours.

Best engine: the local status unless an alive host ranks strictly higher
(the first such host by id). Best score: the first alive host with the
highest score, none when that score is 0.
"""

from __future__ import annotations

from . import constants
from .model import AgentData, RemoteHost, Snapshot


def historic_snapshot(history: tuple[Snapshot, ...], collect_start: int) -> Snapshot | None:
    """The newest snapshot finished more than the liveness window before `collect_start`."""
    for snap in history:
        if snap.collect_finish + constants.HOST_ALIVE_TIMEOUT_SECS < collect_start:
            return snap
    return None


def alive_hosts(stats: Snapshot, historic: Snapshot | None,
                were_alive: tuple[int, ...] = ()) -> tuple[int, ...]:
    if historic is None:
        return ()
    alive = []
    for host_id, host in sorted(stats.hosts.items()):
        if host_id in stats.expired_leases:
            continue
        before = historic.hosts.get(host_id)
        if before is None or before.host_ts != host.host_ts \
                or (host_id in stats.failing_leases and host_id in were_alive):
            alive.append(host_id)
    return tuple(alive)


def best_engine(stats: Snapshot, alive: tuple[int, ...],
                my_id: int) -> tuple[int, RemoteHost | None]:
    """(host id, remote host or None for the local one) with the best-ranked engine status."""
    local_rank = stats.local.engine.rank()
    best: RemoteHost | None = None
    for host_id in alive:
        host = stats.hosts[host_id]
        if host.engine.rank() > (best.engine.rank() if best else local_rank):
            best = host
    return (best.host_id, best) if best else (my_id, None)


def best_score_host(stats: Snapshot, alive: tuple[int, ...]) -> RemoteHost | None:
    best: RemoteHost | None = None
    for host_id in alive:
        host = stats.hosts[host_id]
        if best is None or host.score > best.score:
            best = host
    return best if best is not None and best.score > 0 else None


def _expired(since: int | None, seconds: int, now: int) -> bool:
    return since is not None and now - since > seconds


def refresh(old: AgentData, stats: Snapshot, my_id: int, min_memory: int) -> AgentData:
    """The record for the next decision: `old` with `stats` added and everything recomputed."""
    historic = historic_snapshot(old.history, stats.collect_start)
    alive = alive_hosts(stats, historic, old.alive_hosts)
    best_id, best_remote = best_engine(stats, alive, my_id)
    now = stats.collect_finish
    data = old.replace(
        history=(stats,) + tuple(
            s for s in old.history
            if s.collect_start > stats.collect_start - constants.STATS_HISTORY_SECS),
        liveness_known=old.liveness_known or historic is not None,
        alive_hosts=alive,
        best_engine=best_remote.engine if best_remote else stats.local.engine,
        best_engine_host=best_id,
        best_score_host=best_score_host(stats, alive),
        min_memory=min_memory,
    )
    if _expired(data.retry_time, constants.ENGINE_RETRY_EXPIRATION_SECS, now):
        data = data.replace(retry_time=None, retry_count=0)
    if _expired(data.bad_health_time, constants.ENGINE_BAD_HEALTH_EXPIRATION_SECS, now):
        data = data.replace(bad_health_time=None)
    return data
