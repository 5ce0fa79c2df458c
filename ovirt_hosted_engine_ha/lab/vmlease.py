"""The engine VM's sanlock resource lease, held by the stand-in process itself.

The process registers with its host's sanlock daemon (SANLOCK_RUN_DIR) and
acquires resource `vm_id` in lockspace `sd_uuid`, at the offset the xleases
index gives for the VM id (xleases.py, as vdsm): the daemon grants it only
if the host joined that lockspace (vdsm's domain monitor) and no other host
holds it; a holder that dies releases it (its daemon sees the registration
close); a holder whose host dies keeps it until sanlock declares that host
id dead (8 x io timeout + 60 s: 71 s with the lab's io timeout of 1).

Every acquisition and release is journalled (leaselog.py).
"""

import logging
import os
import select
import threading
from collections.abc import Callable

from . import leaselog, xleases
from .engineconf import LEASE_ALIGN, EngineConfig

log = logging.getLogger(__name__)

# sanlock's answers that mean "somebody else has it", reported with the wording
# upstream's engine-health monitor recognises (spec/monitors.md §2.6):
# -243 SANLK_ACQUIRE_IDLIVE (owner alive), -244 OWNED (taken in another ballot),
# -245 OTHER, -246 SHRETRY, -247 OWNED_RETRY; 17 EEXIST: another process of
# this host holds it.
HELD_ELSEWHERE = (-243, -244, -245, -246, -247, 17)
HELD_MESSAGE = "Lease is held by another host"


class LeaseError(Exception):
    """sanlock refused the lease; str() is what vdsm reports as the VM's exitMessage."""

    def __init__(self, errno: int, reason: str) -> None:
        super().__init__(errno, reason)
        self.errno, self.reason = errno, reason

    def __str__(self) -> str:
        return f"Failed to acquire lock: {self.reason}"


class VmLease:
    def __init__(self, conf: EngineConfig) -> None:
        import sanlock  # binds this process to the daemon of SANLOCK_RUN_DIR

        self._sanlock = sanlock
        self.conf = conf
        self._fd: int | None = None
        self.version: int | None = None
        self.host: int | None = None
        self._offset: int | None = None

    @property
    def held(self) -> bool:
        return self.version is not None

    def _disks(self) -> list[tuple[str, int]]:
        """Where the lease is: looked up in the xleases index by the VM id, as vdsm does."""
        if self._offset is None:
            c = self.conf
            try:
                self._offset = xleases.lookup(c.lease_path, c.vm_id, LEASE_ALIGN, c.sector)
            except (OSError, xleases.XleasesError) as e:
                raise LeaseError(-2, f"no lease for VM {c.vm_id}: {e}") from None
        return [(self.conf.lease_path, self._offset)]

    def register(self) -> None:
        if self._fd is None:
            self._fd = self._sanlock.register()

    def acquire(self) -> int:
        """Take the lease; return its version; raise LeaseError if sanlock refuses."""
        self.register()
        sl, c = self._sanlock, self.conf
        disks = self._disks()
        try:
            sl.acquire(c.sd_uuid.encode(), c.vm_id.encode(), disks, slkfd=self._fd)
        except sl.SanlockException as e:
            reason = HELD_MESSAGE if e.errno in HELD_ELSEWHERE else _reason(e)
            leaselog.append(c.lease_log, "failed", pid=os.getpid(), errno=e.errno,
                            message=reason, sanlock=_reason(e))
            raise LeaseError(e.errno, reason) from None
        info = sl.read_resource(c.lease_path, disks[0][1], align=LEASE_ALIGN, sector=c.sector)
        owners = [o["host_id"] for o in sl.read_resource_owners(
            c.sd_uuid.encode(), c.vm_id.encode(), disks, align=LEASE_ALIGN, sector=c.sector)]
        self.version, self.host = int(info["version"]), owners[0] if len(owners) == 1 else None
        leaselog.append(c.lease_log, "acquired", pid=os.getpid(), host=self.host,
                        version=self.version, owners=owners)
        log.info("Acquired the VM lease version=%d owners=%s", self.version, owners)
        return self.version

    def release(self, why: str) -> None:
        """Give the lease back (journalled first); no-op when not held."""
        if not self.held:
            return
        leaselog.append(self.conf.lease_log, "releasing", pid=os.getpid(), host=self.host,
                        version=self.version, why=why)
        sl, c = self._sanlock, self.conf
        try:
            sl.release(c.sd_uuid.encode(), c.vm_id.encode(), self._disks(), slkfd=self._fd)
        finally:
            self.version = None
        log.info("Released the VM lease (%s)", why)

    def watch(self, on_lost: Callable[[], None]) -> None:
        """Call `on_lost` (in a thread) when the daemon closes our registration."""
        self.register()
        fd = self._fd
        assert fd is not None

        def run() -> None:
            poller = select.poll()
            poller.register(fd, select.POLLHUP | select.POLLERR)
            while True:
                for _, events in poller.poll():
                    if events & (select.POLLHUP | select.POLLERR):
                        if self.held:
                            leaselog.append(self.conf.lease_log, "lost", pid=os.getpid(),
                                            host=self.host, version=self.version)
                        on_lost()
                        return

        threading.Thread(target=run, name="sanlock-watch", daemon=True).start()


def _reason(e: Exception) -> str:
    """sanlock's text for the error (its third argument), else the whole exception."""
    args: tuple = tuple(getattr(e, "args", ()))
    return str(args[2]) if len(args) > 2 else str(e)
