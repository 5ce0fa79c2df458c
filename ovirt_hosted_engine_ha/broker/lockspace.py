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
  `watch()` and re-added in the background; `watch` runs under the same
  lock as `lock` and `release`, so it never re-adds an id that a release
  just gave up;
- a sanlock daemon that cannot be reached (stopped, restarting) makes the
  calls fail with a lockspace error (Fault code 6), logged once per change;
- the largest host id comes from the lockspace's geometry (sector size and
  alignment, spec/reliability.md §1.2), not from a fixed 250 or 2000;
- `check_held` (before every own-slot write) trusts a "held" answer for
  HELD_TRUST seconds, and only while nothing since could have dropped it
  without this broker knowing: the daemon process noted before that
  answer still runs (a killed or restarted daemon does not,
  sanlock_watch.py), no inquiry since answered otherwise (the
  status thread's watch, a lock call), and no lock or release call ran.
  So no own-slot write passes once the broker has seen the id lost. sanlock
  itself drops a lockspace only after failing to renew it for 8 io
  timeouts (80 s by default), so the trust window adds at most HELD_TRUST
  to the writes a failing lease lets through.
"""

import errno
import logging
import os
import threading
import time
from collections.abc import Callable

import sanlock

from ..env import constants
from ..lib import exceptions
from ..lib.changelog import ChangeLog
from . import lockspace_geometry
from .sanlock_watch import DaemonWatch

log = logging.getLogger(__name__)

NAME = constants.LOCKSPACE_NAME
# Renewal io timeout advertised when joining; 0 = the sanlock daemon's default.
IO_TIMEOUT = int(os.environ.get("OVIRT_HA_SANLOCK_IO_TIMEOUT", "0"))
BUSY_RETRIES = 60
BUSY_DELAY = 0.5
HELD_TRUST = 0.05  # seconds a "held" answer serves later writes (see above)

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


class Lockspace:
    def __init__(self, path: str, sector_size: int, daemon: DaemonWatch | None = None,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.path = path
        self.sector_size = sector_size
        self._lock = threading.Lock()
        self._host_id: int | None = None
        self._daemon = daemon or DaemonWatch()
        self._clock = clock
        self._trusted_until = 0.0
        self._trust_lock = threading.Lock()
        self._trust_epoch = 0  # bumped whenever trust ends or an inquiry starts
        self.inquiries = 0  # sanlock inquiries made (tests)
        self._changes = ChangeLog(log)
        self._stop = threading.Event()

    @property
    def host_id(self) -> int | None:
        return self._host_id

    @property
    def max_hosts(self) -> int:
        """The largest host id of the lockspace on the volume (read at each call)."""
        return lockspace_geometry.read(self.path, self.sector_size).max_hosts

    def _inquire(self, host_id: int) -> bool | None:
        """sanlock's view of `host_id`; LockspaceError when the daemon cannot answer.

        A True answer is trusted for HELD_TRUST seconds when the daemon noted
        before the inquiry still runs and no other inquiry started or ended the
        trust meanwhile (an older "held" must not outlive a newer "lost"); any
        other answer ends the trust at once.
        """
        epoch = self._distrust()
        seen = self._daemon.ensure()
        started = self._clock()
        self.inquiries += 1
        try:
            state = sanlock.inq_lockspace(NAME, host_id, self.path)
        except sanlock.SanlockException as e:
            self._distrust()
            self._changes.error("daemon", f"Cannot ask sanlock about host id {host_id}: "
                                          f"{describe(e)}")
            raise exceptions.LockspaceError(
                f"cannot ask sanlock about host id {host_id}: {describe(e)}") from e
        self._changes.clear("daemon", "sanlock answers again")
        with self._trust_lock:
            if state is True and seen and self._trust_epoch == epoch:
                self._trusted_until = started + HELD_TRUST
            elif state is not True:
                self._distrust_locked()
        return state

    def _distrust(self) -> int:
        with self._trust_lock:
            return self._distrust_locked()

    def _distrust_locked(self) -> int:
        self._trust_epoch += 1
        self._trusted_until = 0.0
        return self._trust_epoch

    def lock(self, host_id: int) -> None:
        with self._lock:
            self._distrust()
            held = self._host_id
            if held is not None and held != host_id:
                raise exceptions.LockspaceError(
                    f"host id {held} is held by this broker; release it before locking {host_id}")
            if self._inquire(host_id) is True:
                self._host_id = host_id
                return
            if held == host_id:   # ours until sanlock dropped it (storage outage, F16)
                self._changes.error("lost", f"Host id {host_id} was lost from the lockspace; "
                                            "re-acquiring")
            log.info("Acquiring host id host_id=%d lockspace=%s", host_id, self.path)
            self._add(host_id)
            self._host_id = host_id
            self._changes.clear("lost")
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
            self._distrust()
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
            self._distrust()
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
        if self._clock() < self._trusted_until and self._daemon.unbroken():
            return
        if self._inquire(host_id) is not True:
            raise exceptions.HostIdNotLockedError(
                f"host id {host_id} is not held in the lockspace right now")

    def watch(self) -> None:
        """Detect a lost host id and re-add it in the background (status thread).

        Skipped while a lock or release call runs: the id it sees could be
        the one being given up.
        """
        if not self._lock.acquire(blocking=False):
            return
        try:
            host_id = self._host_id
            if host_id is None:
                return
            try:
                state = self._inquire(host_id)
            except exceptions.LockspaceError:
                return  # the daemon is away: logged by _inquire; try again next cycle
            if state is not False:
                if state:
                    self._changes.clear("lost", f"Host id {host_id} is held again")
                return
            self._changes.error("lost", f"Host id {host_id} was lost from the lockspace; "
                                        "re-acquiring")
            self._readd(host_id)
        finally:
            self._lock.release()

    def _readd(self, host_id: int) -> None:
        try:
            sanlock.add_lockspace(NAME, host_id, self.path, iotimeout=IO_TIMEOUT, wait=False)
        except sanlock.SanlockException as e:
            if e.errno not in (errno.EEXIST, errno.EINPROGRESS, errno.EAGAIN):
                self._changes.error("readd", f"Re-acquiring host id {host_id} failed: "
                                             f"{describe(e)}")
                return
        self._changes.clear("readd")

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
        self._distrust()
        self._daemon.close()
