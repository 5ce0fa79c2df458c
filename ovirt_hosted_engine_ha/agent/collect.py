"""One collection: every host's slot, this host's monitors, ha.conf (spec/agent.md §5.4).

Calls, in upstream's order: broker `get_stats` once, `status_monitor` once
per monitor, then ha.conf; then ours: the lockspace view (leases.py).
A slot that cannot be parsed leaves that host out (logged once per host
and message); a global slot that cannot be parsed means no global
maintenance. A monitor whose status call fails is unknown
for this cycle; when the broker does not know it (it restarted) it is
started again, so the next cycle reads it. A monitor answering "None" (its
measurement broke) is an outage too: unknown, counted, logged once per
change (design.md §7); only in its first MONITOR_FIRST_VALUE_SECS after we
started it is "None" its normal "no value yet". If `get_stats` fails there is
no snapshot: deciding without seeing the other hosts could start a second VM.
"""

from __future__ import annotations

import logging

from ..lib import exceptions, metadata
from . import constants, leases, monitors
from .env import Env
from .failures import Failures
from .model import EngineStatus, LocalStats, RemoteHost, Snapshot
from .monitors import MonitorSpec

log = logging.getLogger(__name__)

LOCAL_FIELDS = {
    monitors.NETWORK: "network",
    monitors.BRIDGE: "bridge",
    monitors.MEM_FREE: "mem_free",
    monitors.CPU_LOAD: "cpu_load",
    monitors.ENGINE_HEALTH: "engine",
    monitors.STORAGE_DOMAIN: "storage",
}


MONITORS_LOST = "monitors"


class MonitorNoValue(exceptions.Error):
    msg = "the broker's {self.type} monitor has no value (it answers None)"

    def __init__(self, type: str) -> None:
        self.type = type


class CollectFailed(exceptions.DetailError):
    """The other hosts' slots could not be read."""


class MonitorsLost(exceptions.Error):
    msg = "the broker does not run the agent's monitors (did it restart?); starting them again"


class Collector:
    def __init__(self, env: Env, host_id: int, specs: tuple[MonitorSpec, ...],
                 failures: Failures) -> None:
        self._env = env
        self._host_id = host_id
        self._specs = specs
        self._failures = failures
        self._pending = {spec.field for spec in specs}
        self._started_at: dict[str, float] = {}
        self._slot_errors: dict[int, str] = {}
        sd_uuid = next((spec.options.get("sd_uuid") for spec in specs
                        if spec.field == monitors.STORAGE_DOMAIN), None)
        self._leases = leases.LeaseView(env.broker, failures, sd_uuid)

    def start_monitors(self) -> None:
        """Start the monitors not started yet (all of them at first)."""
        for spec in self._specs:
            if spec.field not in self._pending:
                continue
            try:
                self._env.broker.start_monitor(spec.type, dict(spec.options))
            except exceptions.RequestError as e:
                self._failures.failed(f"start_monitor {spec.type}", e)
                continue
            self._failures.succeeded(f"start_monitor {spec.type}", "broker")
            self._pending.discard(spec.field)
            self._started_at[spec.field] = self._env.now()
            log.debug("Monitor %s started", spec.type)
        if not self._pending:
            self._failures.succeeded(MONITORS_LOST)

    def collect(self) -> Snapshot:
        env = self._env
        start = env.now()
        try:
            slots = env.broker.get_stats_from_storage()
        except exceptions.RequestError as e:
            self._failures.failed("get_stats", e)
            raise CollectFailed(f"cannot read the hosts' slots: {e}") from e
        self._failures.succeeded("get_stats", "broker")
        local = self._local()
        leases = self._leases.read()
        finish = env.now()
        return Snapshot(
            collect_start=int(start),
            collect_finish=int(finish),
            local=local,
            hosts=self._hosts(slots),
            global_maintenance=self._global_maintenance(slots.get(0)),
            time_epoch=int(env.wall_time() - finish),
            expired_leases=leases.expired,
            failing_leases=leases.failing,
        )

    def status(self, spec: MonitorSpec) -> object:
        """The converted value of one monitor; None when unknown."""
        operation = f"status_monitor {spec.type}"
        try:
            text = self._env.broker.get_monitor_status(spec.type)
        except exceptions.RequestError as e:
            if e.code == exceptions.FaultCode.UNKNOWN_MONITOR:
                self._failures.failed(MONITORS_LOST, MonitorsLost())
                self._pending.add(spec.field)
            else:
                self._failures.failed(operation, e)
            return None
        self._failures.succeeded("broker")
        if text is None or text == "None":
            started = self._started_at.get(spec.field)
            if started is not None \
                    and self._env.now() - started < constants.MONITOR_FIRST_VALUE_SECS:
                log.debug("Monitor %s has no first value yet", spec.type)
                return None
            # An outage of that monitor (design.md §7): unknown this cycle,
            # counted, logged once until it answers a value again.
            self._failures.failed(operation, MonitorNoValue(spec.type))
            return None
        self._failures.succeeded(operation)
        return monitors.convert(spec.field, text)

    def _local(self) -> LocalStats:
        values: dict[str, object] = {}
        for spec in self._specs:
            value = self.status(spec)
            if value is not None:
                values[LOCAL_FIELDS[spec.field]] = value
        if self._pending:
            self.start_monitors()
        if "engine" not in values:
            values["engine"] = EngineStatus.unknown("no engine-health value")
        return LocalStats(maintenance=self._env.local_maintenance(), **values)  # type: ignore[arg-type]

    def _hosts(self, slots: dict[int, str]) -> dict[int, RemoteHost]:
        hosts = {}
        for host_id, data in sorted(slots.items()):
            if host_id in (0, self._host_id):
                continue
            try:
                slot = metadata.parse_host_slot(host_id, data)
            except exceptions.MetadataError as e:
                if self._slot_errors.get(host_id) != str(e):
                    self._slot_errors[host_id] = str(e)
                    log.error("Ignoring host %d: %s", host_id, e)
                continue
            self._slot_errors.pop(host_id, None)
            hosts[host_id] = RemoteHost(host_id, slot.host_ts, slot.score,
                                        EngineStatus.from_json(slot.engine_status),
                                        slot.hostname)
        return hosts

    def _global_maintenance(self, data: str | None) -> bool:
        if data is None:
            return False
        try:
            flags = metadata.parse_global_slot(data)
        except exceptions.MetadataError as e:
            if self._slot_errors.get(0) != str(e):
                self._slot_errors[0] = str(e)
                log.error("Ignoring the global slot: %s", e)
            return False
        self._slot_errors.pop(0, None)
        return bool(flags.maintenance)
