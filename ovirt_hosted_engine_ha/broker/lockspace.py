"""The `hosted-engine` sanlock lockspace: this host's id in it.

Same name, path (vdsm's prepared lockspace volume) and offset as upstream,
so an upstream broker's lockspace can be managed across an upgrade.
Differences from upstream (spec/reliability.md R2, R16, R18):
- every call reports its real outcome (an error, never a silent "ok");
- asking for a second host id while one is held is refused, never a silent
  release of the first;
- `reset` refuses while this broker holds an id (sanlock would rewrite a
  live lockspace);
- a lost lockspace (sanlock dropped it, daemon restarted) is detected by
  `watch()` and re-added in the background.
"""

import errno
import logging
import os
import threading

import sanlock

from ..env import constants
from ..lib import exceptions

log = logging.getLogger(__name__)

NAME = constants.LOCKSPACE_NAME
# Renewal io timeout advertised when joining; 0 = the sanlock daemon's default.
IO_TIMEOUT = int(os.environ.get("OVIRT_HA_SANLOCK_IO_TIMEOUT", "0"))
BUSY_RETRIES = 60
BUSY_DELAY = 0.5

SANLOCK_ERRORS = {
    -201: "sanlock error",
    -202: "storage I/O timed out",
    -223: "no lockspace on the volume (reinitialize it)",
    -231: "host id beyond the lockspace's capacity",
    -262: "host id is held by another live host",
}


def describe(e: sanlock.SanlockException) -> str:
    code = e.errno
    if code in SANLOCK_ERRORS:
        return f"{SANLOCK_ERRORS[code]} (sanlock {code})"
    name = errno.errorcode.get(code, str(code))
    return f"{os.strerror(code) if code > 0 else 'sanlock ' + str(code)} ({name})"


def max_hosts(sector_size: int) -> int:
    """Host ids a lockspace written with 1 MiB alignment can hold."""
    return constants.MAX_HOST_ID_SCAN if sector_size == 512 else 250


class Lockspace:
    def __init__(self, path: str, sector_size: int) -> None:
        self.path = path
        self.sector_size = sector_size
        self.max_hosts = max_hosts(sector_size)
        self._lock = threading.Lock()
        self._host_id: int | None = None
        self._lost_reported = False
        self._stop = threading.Event()

    @property
    def host_id(self) -> int | None:
        return self._host_id

    def _inquire(self, host_id: int) -> bool | None:
        return sanlock.inq_lockspace(NAME, host_id, self.path)

    def lock(self, host_id: int) -> None:
        with self._lock:
            held = self._host_id
            if held is not None and held != host_id:
                raise exceptions.LockspaceError(
                    f"host id {held} is held by this broker; release it before locking {host_id}")
            if self._inquire(host_id) is True:
                self._host_id = host_id
                return
            log.info("Acquiring host id host_id=%d lockspace=%s", host_id, self.path)
            self._add(host_id)
            self._host_id = host_id
            self._lost_reported = False
            log.info("Acquired host id host_id=%d", host_id)

    def _add(self, host_id: int) -> None:
        for _ in range(BUSY_RETRIES):
            try:
                sanlock.add_lockspace(NAME, host_id, self.path, iotimeout=IO_TIMEOUT)
                return
            except sanlock.SanlockException as e:
                if e.errno == errno.EEXIST:
                    return
                if e.errno not in (errno.EINPROGRESS, errno.EAGAIN):
                    raise exceptions.LockspaceError(
                        f"cannot acquire host id {host_id}: {describe(e)}") from e
            # Another add or a removal of this lockspace is under way.
            if self._inquire(host_id) is True:
                return
            if self._stop.wait(BUSY_DELAY):
                break
        raise exceptions.LockspaceError(
            f"cannot acquire host id {host_id}: the lockspace stayed busy")

    def release(self, timeout: float = -1) -> None:
        """Leave the lockspace; `timeout` bounds the wait for a running lock call."""
        if not self._lock.acquire(timeout=timeout):
            raise exceptions.LockspaceError("a lock_host_id call is still running")
        try:
            host_id = self._host_id
            if host_id is None:
                raise exceptions.HostIdNotLockedError("no host id is held by this broker")
            try:
                sanlock.rem_lockspace(NAME, host_id, self.path)
            except sanlock.SanlockException as e:
                if e.errno != errno.ENOENT:
                    raise exceptions.LockspaceError(
                        f"cannot release host id {host_id}: {describe(e)}") from e
            self._host_id = None
            log.info("Released host id host_id=%d", host_id)
        finally:
            self._lock.release()

    def reset(self) -> None:
        with self._lock:
            if not os.path.exists(self.path):
                log.warning("Lockspace volume %s does not exist; nothing to reset", self.path)
                return
            if self._host_id is not None:
                raise exceptions.LockspaceError(
                    f"refusing to reset the lockspace while this broker holds host id "
                    f"{self._host_id}; release it first")
            try:
                # The io timeout written here rules every later join (0 = sanlock's default).
                sanlock.write_lockspace(NAME, self.path, iotimeout=IO_TIMEOUT,
                                        sector=self.sector_size)
            except sanlock.SanlockException as e:
                raise exceptions.LockspaceError(
                    f"cannot reset the lockspace: {describe(e)}") from e
            log.info("Reset lockspace %s sector=%d", self.path, self.sector_size)

    def check_held(self) -> None:
        """Raise unless this broker's host id is held right now."""
        host_id = self._host_id
        if host_id is None:
            raise exceptions.HostIdNotLockedError(
                "no host id is held by this broker; call lock_host_id first")
        if self._inquire(host_id) is not True:
            raise exceptions.HostIdNotLockedError(
                f"host id {host_id} is not held in the lockspace right now")

    def watch(self) -> None:
        """Detect a lost host id and re-add it in the background (status thread)."""
        host_id = self._host_id
        if host_id is None:
            return
        try:
            state = self._inquire(host_id)
        except sanlock.SanlockException as e:
            state = False
            log.error("Inquiring host id %d failed: %s", host_id, describe(e))
        if state is not False:
            if state and self._lost_reported:
                log.info("Host id %d is held again", host_id)
                self._lost_reported = False
            return
        if not self._lost_reported:
            log.error("Host id %d was lost from the lockspace; re-acquiring", host_id)
            self._lost_reported = True
        try:
            sanlock.add_lockspace(NAME, host_id, self.path, iotimeout=IO_TIMEOUT, wait=False)
        except sanlock.SanlockException as e:
            if e.errno not in (errno.EEXIST, errno.EINPROGRESS, errno.EAGAIN):
                log.error("Re-acquiring host id %d failed: %s", host_id, describe(e))

    def live_hosts(self) -> list[int] | None:
        """Host ids the lockspace shows with a lease, or None when unknown."""
        host_id = self._host_id
        if host_id is None:
            return None
        try:
            hosts = sanlock.get_hosts(NAME)
        except sanlock.SanlockException:
            return None
        return [h["host_id"] for h in hosts if h.get("timestamp") or h.get("generation")]

    def close(self) -> None:
        self._stop.set()
