"""vdsm's storage domain monitors: started and stopped per domain.

With `lockspaces` (the lab), starting a monitor joins the domain's own
sanlock lockspace with the given host id (lockspaces.py) and ``acquired``
is true once sanlock holds it, and not before `acquire_delay` seconds
after the start; stopping leaves it. Without (in-process tests), only the
`acquire_delay` knob decides.
"""

import threading
import time

from . import errors
from .domains import Storage
from .knobs import Knobs
from .lockspaces import DomainLockspaces


class Monitors:
    def __init__(self, knobs: Knobs, storage: Storage,
                 lockspaces: DomainLockspaces | None = None) -> None:
        self._knobs = knobs
        self._storage = storage
        self.lockspaces = lockspaces
        self._lock = threading.Lock()
        self._started: dict[str, tuple[float, int]] = {}  # sd -> (monotonic, host id)

    def start(self, sd_uuid: str, host_id: int) -> None:
        self._storage.metadata(sd_uuid)
        with self._lock:
            if sd_uuid in self._started:
                return  # vdsm: "already running", a no-op
            self._started[sd_uuid] = (time.monotonic(), host_id)
        if self.lockspaces is not None:
            self.lockspaces.join(sd_uuid, host_id)

    def stop(self, sd_uuid: str) -> None:
        with self._lock:
            self._started.pop(sd_uuid, None)
        if self.lockspaces is not None:
            self.lockspaces.leave(sd_uuid)

    def monitored(self) -> dict[str, int]:
        with self._lock:
            return {sd: host_id for sd, (_, host_id) in self._started.items()}

    def vitals(self, domains: list[str] | None = None) -> dict[str, dict[str, object]]:
        """getStorageRepoStats: monitored domains only (all when `domains` is None)."""
        with self._lock:
            started = dict(self._started)
        now = time.monotonic()
        k = self._knobs
        result: dict[str, dict[str, object]] = {}
        for sd, (since, _) in started.items():
            if domains is not None and sd not in domains:
                continue
            valid, code = k.domain_valid, k.domain_code
            try:
                version = int(self._storage.metadata(sd).get("VERSION", "5"))
            except errors.StorageDomainDoesNotExist as e:
                version, valid, code = -1, False, e.code  # domain vanished
            result[sd] = {
                "code": code,
                "lastCheck": f"{(now - since) % 10:.1f}",
                "delay": f"{k.domain_delay:.6f}",
                "valid": valid,
                "version": version,
                "acquired": now - since >= k.acquire_delay and (
                    self.lockspaces is None or self.lockspaces.acquired(sd)),
                "actual": True,
            }
        return result
