"""One host's broker in the simulated world: BrokerLink's verbs, in memory.

Slots live in the world (the shared metadata volume); reads are fresh (no
10 s cache). Monitor values come from the host's knobs, except
lockspace-hosts (the world's leases: a killed host's expires after
`Timing.lease_expiry`) and engine-health, which is the broker's real
submonitor evaluating the
simulated vdsm (so the agent sees exactly the broker's JSON and its
down / down_unexpected / down_missing memory). Faults are what our broker
answers: an unknown monitor after a broker restart, an own-slot write
without the host id. A broker that is down refuses every call as an absent
socket does.
"""

from __future__ import annotations

import errno
import json
from typing import TYPE_CHECKING, Any

from ovirt_hosted_engine_ha.broker.submonitors import base, engine_health
from ovirt_hosted_engine_ha.lib import exceptions
from ovirt_hosted_engine_ha.lib.brokerlink import BrokerConnectionError

if TYPE_CHECKING:
    from .world import SimHost


class SimBroker:
    def __init__(self, host: SimHost) -> None:
        self.host = host
        self.up = True
        self.monitors: dict[str, dict[str, Any]] = {}
        self.engine: engine_health.Submonitor | None = None
        self.holds_id: int | None = None
        self.domain_monitored = False
        self.alive_pushed: list[int] = []
        self.notifications: list[str] = []
        self.none_monitors: set[str] = set()   # monitors answering "None"
        self.upstream = False                  # an upstream broker: no lockspace-hosts

    @property
    def path(self) -> str:
        return f"/sim/host{self.host.host_id}/broker.socket"

    def restart(self) -> None:
        """A new broker process: monitors gone; the host id stays with sanlock."""
        self.monitors.clear()
        self.engine = None

    def _check(self) -> None:
        if not self.up:
            raise BrokerConnectionError(
                self.path, ConnectionRefusedError(errno.ECONNREFUSED, "Connection refused"))

    # Monitors

    def start_monitor(self, type: str, options: dict[str, object]) -> str:
        self._check()
        if self.upstream and type == "lockspace-hosts":
            raise exceptions.RequestError(f"start_monitor: unknown monitor type {type!r}",
                                          exceptions.FaultCode.UNKNOWN_MONITOR)
        self.monitors[type] = dict(options)
        if type == "engine-health":
            world = self.host.world
            ctx = base.Context(conf=None, vdsm=self.host.vdsm, clock=world.clock)
            self.engine = engine_health.Submonitor({"vm_uuid": options["vm_uuid"]}, ctx)
            self.engine.liveliness = lambda fqdn: world.engine_answers(self.host.host_id)
        return type

    def stop_monitor(self, monitor_id: str) -> None:
        self._check()
        if self.monitors.pop(monitor_id, None) is None:
            raise exceptions.RequestError(
                f"stop_monitor: unknown monitor {monitor_id!r}",
                exceptions.FaultCode.UNKNOWN_MONITOR)

    def get_monitor_status(self, monitor_id: str) -> str:
        self._check()
        if monitor_id not in self.monitors:
            raise exceptions.RequestError(
                f"status_monitor: unknown monitor {monitor_id!r}",
                exceptions.FaultCode.UNKNOWN_MONITOR)
        if monitor_id in self.none_monitors:
            return "None"
        knobs = self.host.knobs
        if monitor_id == "engine-health":
            assert self.engine is not None
            value = self.engine.measure()
            if value is not base.KEEP:
                self.engine.publish(value)
            return self.engine.text
        if monitor_id == "lockspace-hosts":
            return self.lockspace_view()
        return {
            "network": str(knobs.network),
            "mgmt-bridge": str(knobs.bridge),
            "mem-free": str(knobs.mem_free),
            "cpu-load-no-engine": f"{knobs.cpu_load:.4f}",
            "storage-domain": str(knobs.storage and self.domain_monitored),
        }[monitor_id]

    def lockspace_view(self) -> str:
        """Our broker's lockspace-hosts answer: a killed host's lease fails, then expires."""
        world = self.host.world
        if self.holds_id is None:
            return "None"
        view = {}
        for host in world.hosts.values():
            if host.lease_expires is not None:
                view[str(host.host_id)] = "dead" if world.clock() >= host.lease_expires \
                    else "fail"
            elif host.broker.holds_id is not None:
                view[str(host.host_id)] = "live"
        return json.dumps(view)

    # Metadata

    def get_stats_from_storage(self) -> dict[int, str]:
        self._check()
        return dict(self.host.world.slots)

    def put_stats_on_storage(self, host_id: int, data: str) -> None:
        self._check()
        if host_id != 0 and self.holds_id is None:
            raise exceptions.RequestError(
                f"put_stats: host id {host_id} is not held", exceptions.FaultCode.LOCKSPACE)
        self.host.world.slots[host_id] = data

    def put_hosts_state_on_storage(self, host_id: int, alive_hosts: list[int]) -> None:
        self._check()
        self.alive_pushed = [host_id, *alive_hosts]

    # Lockspace and domain monitor

    def lock_host_id(self, host_id: int) -> None:
        self._check()
        self.holds_id = host_id

    def release_host_id(self) -> None:
        self._check()
        self.holds_id = None

    def start_domain_monitor(self, host_id: int) -> None:
        self._check()
        self.domain_monitored = True

    def stop_domain_monitor(self) -> None:
        self._check()
        self.domain_monitored = False

    def notify(self, event_type: str, detail: str, **options: object) -> object:
        self._check()
        self.notifications.append(detail)
        return "sent"
