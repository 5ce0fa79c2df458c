"""Everything the agent uses from outside itself (style.md §7).

The agent's loop (loop.py) and state machine see the host only through an
`Env`. On a host it is `HostEnv` (host_env.py: the broker through
BrokerLink, vdsm through vdsm.client, files under OVIRT_HA_ROOT); the
scenario tests plug in a simulated world with a virtual clock.

Failures are exceptions, never special values:
- broker verbs raise `RequestError` (a Fault; `.code` is the broker's fault
  code), or `BrokerConnectionError` (a subclass) when the broker cannot be
  reached;
- `check_vdsm` raises `ServiceNotUp`;
- `load_vm_conf` raises `VmConfError`.
`start_vm` and `stop_vm` report failure as False (and log why).
"""

from __future__ import annotations

from typing import Protocol

from ..lib import exceptions
from .vm_conf import VmConf


class ServiceNotUp(exceptions.DetailError):
    """A service the agent needs (vdsm) does not answer."""


class Broker(Protocol):
    """The broker verbs the agent uses, as BrokerLink offers them."""

    def start_monitor(self, type: str, options: dict[str, object]) -> str: ...

    def get_monitor_status(self, monitor_id: str) -> str: ...

    def stop_monitor(self, monitor_id: str) -> None: ...

    def get_stats_from_storage(self) -> dict[int, str]: ...

    def put_stats_on_storage(self, host_id: int, data: str) -> None: ...

    def put_hosts_state_on_storage(self, host_id: int, alive_hosts: list[int]) -> None: ...

    def lock_host_id(self, host_id: int) -> None: ...

    def release_host_id(self) -> None: ...

    def start_domain_monitor(self, host_id: int) -> None: ...

    def stop_domain_monitor(self) -> None: ...

    def notify(self, event_type: str, detail: str, **options: object) -> object: ...


class Env(Protocol):
    broker: Broker

    def now(self) -> float:
        """Monotonic seconds (the only clock decisions use)."""

    def wall_time(self) -> float:
        """Seconds since the epoch, only to print dates in the published slot."""

    def check_vdsm(self) -> None:
        """Raise ServiceNotUp unless vdsm answers."""

    def local_maintenance(self) -> bool:
        """Local maintenance as ha.conf says now (read at every call)."""

    def conf_up_to_date(self) -> bool:
        """hosted-engine.conf is "up to date" right now (asked for every score)."""

    def load_vm_conf(self, now: int, epoch: int) -> VmConf:
        """Refresh vm.conf; the result is stamped with `now` and `epoch`."""

    def start_vm(self, vm: VmConf) -> bool: ...

    def stop_vm(self, force: bool) -> bool: ...

