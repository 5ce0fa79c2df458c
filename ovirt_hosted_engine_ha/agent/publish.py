"""The slot this host publishes (spec/agent.md §5.2), encoded by lib/metadata.

Header tokens are upstream's: timestamp = the collection's start (whole
monotonic seconds; peers only look for changes), score, the local engine
status as JSON, host name, local maintenance, stopped, configuration on
shared storage, vm.conf refresh time. The extra text repeats them for
humans, in upstream's order, with dates from the wall clock. One
difference: a state's `timeout=` line shows the real date of its deadline
(upstream renders a monotonic number as a 1970 date).
"""

from __future__ import annotations

import dataclasses
import time

from ..lib import metadata
from .model import EngineStatus, Snapshot
from .state_machine import State


@dataclasses.dataclass(frozen=True)
class Identity:
    """What the slot says about this host besides the state."""

    host_id: int
    hostname: str
    conf_on_shared_storage: bool


@dataclasses.dataclass(frozen=True)
class VmConfStamp:
    """When vm.conf was last refreshed: monotonic seconds (0 = never) and the wall offset."""

    refreshed: int = 0
    epoch: int = 0


def _date(monotonic: int, epoch: int) -> str:
    return time.ctime(monotonic + epoch)


def extra_text(ident: Identity, state: State, score: int, host_ts: int, epoch: int,
               vm_conf: VmConfStamp) -> str:
    items = {
        "maintenance": state.maintenance,
        "state": state.name,
        "stopped": state.stopped,
    }
    deadline = state.deadline() if state.shows_timeout else None
    if deadline is not None:
        items["timeout"] = _date(deadline, epoch)
    lines = [
        f"metadata_parse_version={metadata.PARSE_VERSION}",
        f"metadata_feature_version={metadata.FEATURE_VERSION}",
        f"timestamp={host_ts} ({_date(host_ts, epoch)})",
        f"host-id={ident.host_id}",
        f"score={score}",
        f"vm_conf_refresh_time={vm_conf.refreshed} "
        f"({_date(vm_conf.refreshed, vm_conf.epoch)})",
        f"conf_on_shared_storage={ident.conf_on_shared_storage}",
    ]
    lines += [f"{key}={value}" for key, value in sorted(items.items())]
    return "".join(line + "\n" for line in lines)


def build_slot(ident: Identity, state: State, score: int, stats: Snapshot | None,
               vm_conf: VmConfStamp, now: int = 0, epoch: int = 0) -> str:
    """The text to `put_stats` for `state` (what upstream's agent sends: 512-byte blocks).

    Without a collection yet (an agent stopping before its first one), the
    timestamp is `now` and the engine status unknown.
    """
    engine = stats.local.engine if stats is not None else EngineStatus.unknown()
    host_ts = stats.collect_start if stats is not None else now
    epoch = stats.time_epoch if stats is not None else epoch
    slot = metadata.HostSlot(
        host_id=ident.host_id,
        host_ts=host_ts,
        score=score,
        engine_status=engine.to_json(),
        hostname=ident.hostname,
        maintenance=state.maintenance,
        stopped=state.stopped,
        conf_on_shared_storage=ident.conf_on_shared_storage,
        local_conf_timestamp=vm_conf.refreshed,
        extra=extra_text(ident, state, score, host_ts, epoch, vm_conf),
    )
    return metadata.build_host_slot(slot, pad=False).decode("ascii")
