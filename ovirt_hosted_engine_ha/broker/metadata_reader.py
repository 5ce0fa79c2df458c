"""The status thread: keeps the metadata cache fresh from storage.

Every `period` seconds it reads slot 0, the slots that held data and the
slots of hosts the sanlock lockspace shows (design.md D7), and watches this
broker's host id. A full scan of all 2001 slots runs at start, then every
`full_scan_interval` (a new host appears within it) — or only every
`joined_full_scan_interval` while the lockspace tells which hosts exist.
A failing or hung read never blocks callers: they are served from the
cache. `age()` is the time since the last complete good read (sent to
clients with every `get_stats`, lib/staleness.py); the metadata is stale
once it exceeds three periods (or OVIRT_HA_METADATA_STALE_SECS). Going
stale and fresh again is logged once per change, whoever notices first:
`get_stats`, the watchdog check or the status thread.
"""

import logging
import threading
import time
from collections.abc import Callable

from ..lib import exceptions, staleness
from ..lib.changelog import ChangeLog
from .lockspace import Lockspace
from .metadata_cache import MetadataCache
from .storage_broker import StorageBroker

log = logging.getLogger(__name__)

STALE_PERIODS = staleness.STALE_PERIODS
FULL_SCAN_INTERVAL = 60.0  # while the lockspace cannot name the hosts
JOINED_FULL_SCAN_INTERVAL = 600.0  # while it can


class MetadataReader:
    def __init__(self, storage: StorageBroker, cache: MetadataCache, lockspace: Lockspace,
                 period: float | None = None,
                 full_scan_interval: float = FULL_SCAN_INTERVAL,
                 joined_full_scan_interval: float = JOINED_FULL_SCAN_INTERVAL,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self._storage = storage
        self._cache = cache
        self._lockspace = lockspace
        self.period = staleness.read_period() if period is None else period
        self._full_scan_interval = full_scan_interval
        self._joined_full_scan_interval = joined_full_scan_interval
        self._clock = clock
        self._last_full: float | None = None
        self._last_good: float | None = None
        self._stale_after = staleness.stale_after(self.period)
        self._errors = ChangeLog(log, clock=clock)
        self._stop = threading.Event()
        self._wake = threading.Event()
        self._thread = threading.Thread(target=self._run, name="StatusStorageThread",
                                        daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self, timeout: float) -> None:
        self._stop.set()
        self._wake.set()
        self._thread.join(timeout)

    def age(self) -> float | None:
        """Seconds since the last complete good read (None before the first one)."""
        last = self._last_good
        age = None if last is None else max(0.0, self._clock() - last)
        if age is not None and age > self._stale_after:
            self._errors.error("stale", f"Metadata is stale: last good read {age:.0f} s ago",
                               same="stale")
        elif age is not None:
            self._errors.clear("stale", f"Metadata fresh again (last good read {age:.0f} s ago)")
        return age

    def stale(self) -> bool:
        age = self.age()
        return age is None or age > self._stale_after

    def _full_scan_due(self, lockspace_hosts: list[int] | None) -> bool:
        if self._last_full is None:
            return True
        interval = (self._full_scan_interval if lockspace_hosts is None
                    else self._joined_full_scan_interval)
        return self._clock() - self._last_full >= interval

    def read_once(self) -> None:
        """One refresh of the cache from storage; raises StorageError on failure."""
        hosts = self._lockspace.live_hosts()
        generations = self._cache.generations()
        started = self._clock()
        if self._full_scan_due(hosts):
            images = self._storage.read_all()
            self._last_full = started
        else:
            slots = {0} | self._cache.known_slots() | set(hosts or ())
            images = self._storage.read_slots(slots)
        self._cache.merge_read(images, generations)
        self._last_good = self._clock()
        self.age()

    def _run(self) -> None:
        while not self._stop.is_set():
            self._refresh()
            self._watch_lockspace()
            self._wake.wait(self.period)
            self._wake.clear()

    def _refresh(self) -> None:
        try:
            self.read_once()
        except exceptions.Error as e:
            self._errors.error("read", f"Reading metadata failed: {e}")
            return
        except Exception as e:
            if not self._errors.active("read"):
                log.exception("Reading metadata failed unexpectedly")
            self._errors.error("read", f"Reading metadata failed: {e}")
            return
        self._errors.clear("read", "Reading metadata works again")

    def _watch_lockspace(self) -> None:
        try:
            self._lockspace.watch()
        except Exception as e:
            if not self._errors.active("watch"):
                log.exception("Watching the lockspace failed")
            self._errors.error("watch", f"Watching the lockspace failed: {e}")
            return
        self._errors.clear("watch")
