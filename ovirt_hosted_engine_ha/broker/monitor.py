"""The broker's monitors: start, stop and read submonitors by type name.

At most one monitor runs per type and its id is the type name, as upstream
(callers query `status_monitor("storage-domain")` without keeping ids).
Starting a type that already runs with the same options keeps it; other
options replace it (the old thread is stopped and joined first). `status`
reads the latest value from memory and never waits: changes serialise on a
lock that `status` does not take.
"""

import logging
import threading
import time
from collections.abc import Mapping

from ..env import config, constants
from ..lib import exceptions
from .submonitors import (
    base,
    cpu_load,
    cpu_load_no_engine,
    engine_health,
    mem_free,
    mgmt_bridge,
    network,
    storage_domain,
    vm_config,
)
from .submonitors.vdsm_access import LiveVdsm, VdsmAccess

log = logging.getLogger(__name__)

SUBMONITORS: dict[str, type[base.Submonitor]] = {
    "network": network.Submonitor,
    "mgmt-bridge": mgmt_bridge.Submonitor,
    "mem-free": mem_free.Submonitor,
    "cpu-load": cpu_load.Submonitor,
    "cpu-load-no-engine": cpu_load_no_engine.Submonitor,
    "engine-health": engine_health.Submonitor,
    "storage-domain": storage_domain.Submonitor,
    "vm-config": vm_config.Submonitor,
}


def check_options(options: object) -> dict[str, str | None]:
    """Monitor options as sent over RPC: a struct of strings or nil."""
    if not isinstance(options, Mapping):
        raise exceptions.InvalidArgument(
            "options", f"expected a struct of strings, got {type(options).__name__}")
    for key, value in options.items():
        if not isinstance(key, str):
            raise exceptions.InvalidArgument("options", f"key {key!r} is not a string")
        if value is not None and not isinstance(value, str):
            raise exceptions.InvalidArgument(
                "options", f"value of {key!r} must be a string or nil, "
                f"got {type(value).__name__}")
    return dict(options)


class Monitor:
    def __init__(self, conf: config.HostedEngineConf | None, vdsm: VdsmAccess | None = None,
                 interval: float | None = None,
                 stop_timeout: float = constants.MONITOR_STOP_TIMEOUT,
                 refresher: object = None) -> None:
        """`vdsm` and `interval` replace the real vdsm and upstream's periods in tests."""
        self._ctx = base.Context(conf=conf, vdsm=vdsm or LiveVdsm(), interval=interval,
                                 refresher=refresher)
        self._stop_timeout = stop_timeout
        self._active: dict[str, base.Submonitor] = {}
        self._lock = threading.Lock()

    def start(self, type: str, options: Mapping[str, str | None]) -> str:
        """Start a monitor of `type`; return its id (the type name)."""
        cls = SUBMONITORS.get(type) if isinstance(type, str) else None
        if cls is None:
            raise exceptions.UnknownMonitor(
                f"unknown monitor type {type!r}: expected one of {', '.join(SUBMONITORS)}")
        checked = check_options(options)
        new = cls(checked, self._ctx)
        with self._lock:
            old = self._active.get(type)
            if old is not None and old.options == checked and old.is_alive():
                log.debug("Monitor %s already running with these options", type)
                old.requested()
                return type
            if old is not None:
                log.info("Replacing monitor %s", type)
                self._stop(old, self._stop_timeout)
            self._active[type] = new
            new.start()
            new.requested()
        log.info("Started monitor %s", type)
        return type

    def stop(self, monitor_id: str) -> None:
        with self._lock:
            sub = self._active.pop(monitor_id, None)
        if sub is None:
            raise exceptions.UnknownMonitor(f"monitor {monitor_id!r} is not running")
        self._stop(sub, self._stop_timeout)
        log.info("Stopped monitor %s", monitor_id)

    def status(self, monitor_id: str) -> str:
        """The latest value as text ("None" before the first measurement)."""
        sub = self._active.get(monitor_id)
        if sub is None:
            raise exceptions.UnknownMonitor(f"monitor {monitor_id!r} is not running")
        return sub.text

    def running(self) -> list[str]:
        return sorted(self._active)

    def stop_all(self, timeout: float) -> None:
        """Stop every monitor and wait up to `timeout` seconds in all for their threads."""
        with self._lock:
            subs = list(self._active.values())
            self._active.clear()
        for sub in subs:
            sub.request_stop()
        deadline = time.monotonic() + timeout
        for sub in subs:
            if not sub.join(max(0.0, deadline - time.monotonic())):
                log.warning("Monitor %s did not stop within %.1f s", sub.TYPE, timeout)

    @staticmethod
    def _stop(sub: base.Submonitor, timeout: float) -> None:
        sub.request_stop()
        if not sub.join(timeout):
            log.warning("Monitor %s still busy after %.1f s; left to finish on its own",
                        sub.TYPE, timeout)
