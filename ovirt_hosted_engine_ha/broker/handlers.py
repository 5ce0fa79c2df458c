"""The verbs: one small function each, and the table that maps names to them.

Every handler validates all of its arguments first, then acts, and raises
on failure; the server turns the exception into a Fault with the message.
Names, argument order and results are upstream's (spec/broker.md §4.2).
"""

import dataclasses
import logging
import xmlrpc.client
from collections.abc import Callable
from typing import Any, Protocol

from ..lib import staleness
from . import validate
from .status_broker import StatusBroker
from .wire import Marshalled

log = logging.getLogger(__name__)

OK = "ok"


class MonitorService(Protocol):
    def start(self, type: str, options: dict[str, str | None]) -> str: ...
    def stop(self, monitor_id: str) -> None: ...
    def status(self, monitor_id: str) -> str: ...
    def stop_all(self, timeout: float) -> None: ...


class NotifierService(Protocol):
    def notify(self, event_type: str, detail: str, options: dict[str, str | None]) -> str: ...


class RefresherService(Protocol):
    def stop(self, timeout: float) -> None: ...


class DomainMonitorService(Protocol):
    def start(self, host_id: int) -> None: ...
    def stop(self) -> None: ...
    def interrupt(self) -> None: ...


@dataclasses.dataclass
class Context:
    status: StatusBroker
    monitor: MonitorService
    notifier: NotifierService
    domain_monitor: DomainMonitorService
    refresher: RefresherService | None = None


# Metadata


def _marshal_stats(slots: dict[int, bytes]) -> Marshalled:
    return Marshalled({str(slot): xmlrpc.client.Binary(data) for slot, data in slots.items()})


def get_stats(ctx: Context) -> Marshalled:
    """Every non-empty slot; the header tells how old the data is (lib/staleness.py)."""
    answer: Marshalled = ctx.status.cache.answer(_marshal_stats)  # type: ignore[assignment]
    age = ctx.status.reader.age()
    if age is None:
        return answer
    return answer.with_headers({staleness.AGE_HEADER: staleness.format_age(age)})


def put_stats(ctx: Context, host_id: object, data: object) -> str:
    slot = validate.host_id(host_id, allow_global=True)
    payload = validate.slot_payload(data)
    ctx.status.put_stats(slot, payload)
    return OK


# Liveness


def push_hosts_state(ctx: Context, alive_hosts: object) -> str:
    ctx.status.liveness.push(validate.host_list(alive_hosts))
    return OK


def is_host_alive(ctx: Context) -> list[int]:
    return ctx.status.liveness.alive()


# Lockspace


def lock_host_id(ctx: Context, host_id: object) -> str:
    lockspace = ctx.status.lockspace
    lockspace.lock(validate.host_id(host_id, maximum=lockspace.max_hosts))
    return OK


def release_host_id(ctx: Context) -> str:
    ctx.status.lockspace.release()
    return OK


def reset_lockspace(ctx: Context) -> str:
    ctx.status.lockspace.reset()
    return OK


# Monitors


def start_monitor(ctx: Context, type: object, options: object) -> str:
    return ctx.monitor.start(validate.text(type, "type"), validate.options(options))


def stop_monitor(ctx: Context, monitor_id: object) -> str:
    ctx.monitor.stop(validate.text(monitor_id, "id"))
    return OK


def status_monitor(ctx: Context, monitor_id: object) -> str:
    return ctx.monitor.status(validate.text(monitor_id, "id"))


# Notifications


def notify(ctx: Context, event_type: object, detail: object, options: object) -> str:
    return ctx.notifier.notify(validate.text(event_type, "event_type"),
                               validate.text(detail, "detail"),
                               validate.options(options))


# vdsm domain monitor


def start_domain_monitor(ctx: Context, host_id: object) -> str:
    ctx.domain_monitor.start(validate.host_id(host_id))
    return OK


def stop_domain_monitor(ctx: Context) -> str:
    ctx.domain_monitor.stop()
    return OK


Handler = Callable[..., Any]

HANDLERS: dict[str, Handler] = {
    "get_stats": get_stats,
    "put_stats": put_stats,
    "push_hosts_state": push_hosts_state,
    "is_host_alive": is_host_alive,
    "lock_host_id": lock_host_id,
    "release_host_id": release_host_id,
    "reset_lockspace": reset_lockspace,
    "start_monitor": start_monitor,
    "stop_monitor": stop_monitor,
    "status_monitor": status_monitor,
    "notify": notify,
    "start_domain_monitor": start_domain_monitor,
    "stop_domain_monitor": stop_domain_monitor,
}

# Verbs that change state: the peer's uid is logged for them (R20).
MUTATING = frozenset({
    "put_stats", "push_hosts_state", "lock_host_id", "release_host_id", "reset_lockspace",
    "start_monitor", "stop_monitor", "start_domain_monitor", "stop_domain_monitor",
})
