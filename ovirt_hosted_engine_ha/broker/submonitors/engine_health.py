"""`engine-health`: the engine VM's state on this host and the engine's health (§2.6).

Publishes JSON text with keys `vm` (up, down, down_unexpected, down_missing,
unknown), `health` (good, bad, unknown), `detail` (vdsm's VM status) and
`reason` (absent when good), e.g. ``{"vm": "up", "health": "good", "detail": "Up"}``.

Inputs: vdsm `VM.getStats(vmID)` every period and vdsm's VM status events
(which wake the worker at once). When vdsm says the VM is running, the
engine's health page decides good or bad (`engine_liveliness`, 20 s
deadline), read from hosted-engine.conf `fqdn`. Only the worker thread
computes results, so a slow health page delays this monitor alone.

An update older than the last one (by vdsm's clock, compared as numbers;
upstream compares the digits as text) is dropped. A vdsm failure publishes
`vm unknown, health unknown`.
"""

import json
import logging
import re
import threading
from typing import Any

from ...env import constants
from ...lib import engine_liveliness, exceptions
from . import base, vm_events
from . import options as opt
from .vdsm_access import server_error_code

log = logging.getLogger(__name__)

# vdsm VM statuses (vdsm lib/vdsm/virt/vmstatus.py) and exit reason.
DOWN = "Down"
MIGRATION_DESTINATION = "Migration Destination"
NOT_RUNNING_YET = ("Paused", "WaitForLaunch", "Restoring state", "Powering up")
MIGRATION_SUCCEEDED = 4

LOCK_FAILURE_IMAGE_RE = re.compile(r"Is another process using the image \[.*\]\?$")
LOCK_FAILURE_ENDINGS = (
    "Failed to acquire lock: error -243",
    "Failed to acquire lock: Lease is held by another host",
    "Is another process using the image?",
)


def result(vm: str, health: str, detail: str, reason: str | None = None) -> str:
    value = {"vm": vm, "health": health, "detail": detail}
    if reason is not None:
        value["reason"] = reason
    return json.dumps(value)


def is_lock_failure(message: str) -> bool:
    return (message.endswith(LOCK_FAILURE_ENDINGS)
            or LOCK_FAILURE_IMAGE_RE.search(message) is not None)


class Submonitor(base.Submonitor):
    TYPE = "engine-health"
    FAILURE_VALUE = result("unknown", "unknown", "unknown", "failed to getVmStats")

    def __init__(self, options: base.Options, ctx: base.Context) -> None:
        self.vm_uuid = opt.required(options, self.TYPE, "vm_uuid")
        self.fqdn = ctx.conf.get("fqdn") if ctx.conf is not None else None
        self.liveliness = engine_liveliness.is_engine_up
        self.vm_state = "down"
        self._vdsm_time: int | None = None
        self._local_time: float | None = None
        self._polled_at: float | None = None
        self._pending: tuple[dict[str, Any], int | None, float] | None = None
        self._lock = threading.Lock()
        self.events = vm_events.VmStatusEvents(ctx.vdsm, self.vm_uuid, self._on_event)
        super().__init__(options, ctx)

    def setup(self) -> None:
        if not self.fqdn:
            log.warning("hosted-engine.conf has no fqdn: engine health cannot be checked")
        self.events.start()

    def request_stop(self) -> None:
        self.events.stop()
        super().request_stop()

    def teardown(self) -> None:
        self.events.join(constants.MONITOR_STOP_TIMEOUT)

    def _on_event(self, stats: dict[str, Any], vdsm_time: int | None) -> None:
        with self._lock:
            self._pending = (stats, vdsm_time, self.ctx.clock())
        self.wake()

    def measure(self) -> object:
        with self._lock:
            pending, self._pending = self._pending, None
        value: object = base.KEEP
        if pending is not None:
            value = self._update(*pending)
        now = self.ctx.clock()
        interval = self.ctx.interval or self.INTERVAL
        if pending is None or self._polled_at is None or now - self._polled_at >= interval / 2:
            polled = self._poll()
            value = value if polled is base.KEEP else polled
        return value

    def _poll(self) -> object:
        local = self._polled_at = self.ctx.clock()
        try:
            stats = self.ctx.vdsm.call("VM", "getStats", vmID=self.vm_uuid)[0]
        except Exception as e:
            self._vdsm_time, self._local_time = None, local
            if server_error_code(e) != constants.VDSM_NO_SUCH_VM:
                raise
            if self.vm_state == "up":
                self.vm_state = "down_missing"
            return result(self.vm_state, "bad", "unknown", "vm not running on this host")
        return self._update(stats, _as_int(stats.get("statusTime")), local)

    def _update(self, stats: dict[str, Any], vdsm_time: int | None, local: float) -> object:
        if not self._is_newer(vdsm_time, local):
            return base.KEEP
        value = self.evaluate(stats)
        self._vdsm_time, self._local_time = vdsm_time, local
        return value

    def _is_newer(self, vdsm_time: int | None, local: float) -> bool:
        if vdsm_time is not None and self._vdsm_time is not None:
            return vdsm_time >= self._vdsm_time
        return self._local_time is None or local > self._local_time

    def evaluate(self, stats: dict[str, Any]) -> str:
        status = stats.get("status")
        if not isinstance(status, str):
            raise exceptions.VdsmError(f"VM {self.vm_uuid} stats carry no status")
        if status == DOWN and is_lock_failure(str(stats.get("exitMessage", ""))):
            self.vm_state = "down"
            return result("down", "bad", status,
                          "Storage of VM is locked. Is another host already starting the VM?")
        if status == DOWN and _as_int(stats.get("exitReason", 0)) == MIGRATION_SUCCEEDED:
            self.vm_state = "down"
            return result("down", "bad", status, "VM migrated away successfully")
        if status in (DOWN, MIGRATION_DESTINATION):
            self.vm_state = "down" if self.vm_state == "down" else "down_unexpected"
            return result(self.vm_state, "bad", status, "bad vm status")
        self.vm_state = "up"
        if status in NOT_RUNNING_YET:
            return result("up", "bad", status, "bad vm status")
        if not self.liveliness(self.fqdn):
            return result("up", "bad", status, "failed liveliness check")
        return result("up", "good", status)


def _as_int(value: object) -> int | None:
    try:
        return int(str(value))
    except ValueError:
        return None
