"""vdsm's monitor of the hosted-engine storage domain (spec/broker.md §5.4).

`start(host_id)` asks vdsm to monitor the domain (`Host.startMonitoringDomain`)
only when vdsm does not monitor it yet, then polls
`Host.getStorageRepoStats` every 5 s until vdsm reports the host id
`acquired` in the domain's own lockspace, for at most 240 s
(`MAX_DOMAIN_MONITOR_WAIT_SECS`); past that it raises `VdsmError`.
`stop()` asks vdsm to stop monitoring the domain when it does; vdsm's
refusal (e.g. error 900, the domain belongs to a pool) is logged and
ignored, as upstream.

The broker is threaded, so a caller waiting here occupies one worker only.
`interrupt()` (broker shutdown) ends every wait at once with `VdsmError`.
"""

import enum
import logging
import threading

from ..env import constants
from ..lib import exceptions
from .submonitors.vdsm_access import LiveVdsm, VdsmAccess

log = logging.getLogger(__name__)


class Status(enum.Enum):
    NONE = "none"          # vdsm does not monitor the domain
    PENDING = "pending"    # monitored, host id not acquired yet
    ACQUIRED = "acquired"  # monitored and host id acquired


class DomainMonitor:
    def __init__(self, sd_uuid: str, vdsm: VdsmAccess | None = None,
                 max_wait: float = constants.MAX_DOMAIN_MONITOR_WAIT_SECS,
                 poll_interval: float = constants.DOMAIN_MONITOR_POLL_SECS,
                 stopping: threading.Event | None = None) -> None:
        self.sd_uuid = sd_uuid
        self._vdsm = vdsm or LiveVdsm()
        self._max_wait = max_wait
        self._poll_interval = poll_interval
        self._stopping = stopping or threading.Event()
        self._start_lock = threading.Lock()

    def status(self) -> Status:
        try:
            stats = self._vdsm.call("Host", "getStorageRepoStats", domains=[self.sd_uuid])
        except exceptions.VdsmError as e:
            raise exceptions.VdsmError(
                f"cannot query vdsm's monitor of storage domain {self.sd_uuid}: {e}") from e
        domain = stats.get(self.sd_uuid) if isinstance(stats, dict) else None
        if not isinstance(domain, dict):
            return Status.NONE
        return Status.ACQUIRED if domain.get("acquired") else Status.PENDING

    def start(self, host_id: int) -> None:
        """Return once vdsm monitors the domain with `host_id` acquired."""
        with self._start_lock:
            status = self.status()
            if status is Status.NONE:
                self._start_monitoring(host_id)
                status = self.status()
        waited = 0.0
        if status is not Status.ACQUIRED:
            log.info("Waiting for vdsm to acquire host id %d on storage domain %s",
                     host_id, self.sd_uuid)
        while status is not Status.ACQUIRED and waited <= self._max_wait:
            if self._stopping.wait(self._poll_interval):
                raise exceptions.VdsmError(
                    f"Failed to start monitoring domain (sd_uuid={self.sd_uuid}, "
                    f"host_id={host_id}): interrupted by broker shutdown")
            waited += self._poll_interval
            status = self.status()
        if status is not Status.ACQUIRED:
            raise exceptions.VdsmError(
                f"Failed to start monitoring domain (sd_uuid={self.sd_uuid}, "
                f"host_id={host_id}): timeout during domain acquisition")
        log.debug("vdsm monitors storage domain %s with host id %d", self.sd_uuid, host_id)

    def _start_monitoring(self, host_id: int) -> None:
        try:
            self._vdsm.call("Host", "startMonitoringDomain", sdUUID=self.sd_uuid, hostID=host_id)
        except exceptions.VdsmError as e:
            raise exceptions.VdsmError(
                f"vdsm could not start monitoring storage domain {self.sd_uuid}: {e}") from e
        log.info("Started VDSM domain monitor for %s", self.sd_uuid)

    def stop(self) -> None:
        """Ask vdsm to stop monitoring the domain if it does."""
        if self.status() is Status.NONE:
            return
        try:
            self._vdsm.call("Host", "stopMonitoringDomain", sdUUID=self.sd_uuid)
        except exceptions.VdsmError as e:
            log.info("vdsm did not stop monitoring storage domain %s: %s", self.sd_uuid, e)
            return
        log.info("Stopped VDSM domain monitor for %s", self.sd_uuid)

    def interrupt(self) -> None:
        """End every wait in `start` now (broker shutdown)."""
        self._stopping.set()
