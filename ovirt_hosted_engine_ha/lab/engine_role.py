"""ovirt-engine's part in the lab: move the engine VM off a host in local maintenance.

An administrator puts a host into local maintenance through the engine
(which then calls vdsm's ``Host.setHaMaintenanceMode``) or with
``hosted-engine --set-maintenance --mode=local``; both end up in the host's
``ha.conf`` (``local_maintenance`` / ``local_maintenance_manual``,
spec/agent.md §7). The HA agent on that host does not move the VM itself:
it stays EngineUp until the engine migrated the VM away (spec/agent.md §10).
The engine runs inside the VM, so the stand-in plays it: every second, on
the host where it runs, it reads that host's ha.conf; when local
maintenance is on, it asks its own vdsm (``VM.migrate``) to move the VM to
the best other host: the highest score in the shared metadata (read through
the host's broker), among hosts with a live agent (its slot's timestamp
changed within the last `FRESH_SECS` of watching), not stopped, not in
maintenance, score above 0 (ties: the lowest host id). A failed migration
is retried after `RETRY_SECS`.
"""

import logging
import threading
import time
from collections.abc import Callable

from ..env import constants, paths
from ..env.config import parse_key_values
from ..lib import metadata
from ..lib.brokerlink import BrokerLink

log = logging.getLogger(__name__)

POLL_SECS = 1.0
SLOTS_SECS = 5.0     # how often the shared metadata is read
FRESH_SECS = 30.0    # an agent publishes every ~10 s; the broker's cache may lag 10 s
RETRY_SECS = 10.0
MAINTENANCE_KEYS = ("local_maintenance", "local_maintenance_manual")


def local_maintenance() -> bool:
    """Whether this host's ha.conf asks for local maintenance (a missing file: no)."""
    try:
        text = paths.resolve(constants.HA_AGENT_CONF_FILE).read_text(encoding="utf-8")
    except OSError:
        return False
    values = parse_key_values(text)
    return any(values.get(k, "").strip().lower() in ("true", "1", "yes")
               for k in MAINTENANCE_KEYS)


def parse_slots(slots: dict[int, str]) -> dict[int, metadata.HostSlot]:
    """The host slots of a `get_stats` answer that parse (slot 0 and bad slots left out)."""
    parsed = {}
    for host_id, text in slots.items():
        if host_id == 0:
            continue
        try:
            parsed[host_id] = metadata.parse_host_slot(host_id, text)
        except Exception as e:
            log.debug("Skipping host %d: %s", host_id, e)
    return parsed


def best_host(slots: dict[int, metadata.HostSlot], exclude: int | None,
              live: Callable[[int], bool] = lambda host_id: True) -> int | None:
    """The host id to migrate to; None if no host qualifies."""
    candidates = [(-slot.score, host_id) for host_id, slot in slots.items()
                  if host_id != exclude and live(host_id) and not slot.stopped
                  and not slot.maintenance and slot.score > 0]
    return min(candidates)[1] if candidates else None


class Freshness:
    """Which hosts' timestamps changed recently, as seen by this watcher."""

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self._clock = clock
        self._seen: dict[int, tuple[int, float, bool]] = {}  # id -> (ts, since, changed)

    def observe(self, slots: dict[int, metadata.HostSlot]) -> None:
        now = self._clock()
        for host_id, slot in slots.items():
            old = self._seen.get(host_id)
            if old is None:
                self._seen[host_id] = (slot.host_ts, now, False)
            elif old[0] != slot.host_ts:
                self._seen[host_id] = (slot.host_ts, now, True)

    def live(self, host_id: int) -> bool:
        seen = self._seen.get(host_id)
        return seen is not None and seen[2] and self._clock() - seen[1] <= FRESH_SECS


class EngineRole:
    """The maintenance watcher; `migrate(host_id)` must start a migration or raise."""

    def __init__(self, own_host: Callable[[], int | None], migrate: Callable[[int], None],
                 can_migrate: Callable[[], bool], broker: BrokerLink | None = None) -> None:
        self._own_host = own_host
        self._migrate = migrate
        self._can_migrate = can_migrate
        self._broker = broker or BrokerLink(timeout=10)
        self._stop = threading.Event()
        self._next_try = 0.0
        self._next_read = 0.0
        self._slots: dict[int, metadata.HostSlot] = {}
        self._freshness = Freshness()
        self._said_no_target = False
        self._thread = threading.Thread(target=self._run, name="engine-role", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()

    def _run(self) -> None:
        last_error = ""
        while not self._stop.wait(POLL_SECS):
            try:
                self.check()
                last_error = ""
            except Exception as e:
                if str(e) != last_error:
                    log.warning("Engine role check failed: %s", e)
                last_error = str(e)

    def check(self) -> None:
        """One look at ha.conf (and at the metadata when due); migrate when due."""
        now = time.monotonic()
        if now >= self._next_read:
            self._next_read = now + SLOTS_SECS
            self._slots = parse_slots(self._broker.get_stats_from_storage())
            self._freshness.observe(self._slots)
        if not local_maintenance():
            self._said_no_target = False
            return
        if not self._can_migrate() or now < self._next_try:
            return
        own = self._own_host()
        target = best_host(self._slots, own, self._freshness.live)
        if target is None:
            if not self._said_no_target:
                log.warning("Host %s is in local maintenance but no other live host can "
                            "run the engine VM (yet)", own)
                self._said_no_target = True
            return
        log.info("Host %s is in local maintenance: migrating the engine VM to host %d",
                 own, target)
        self._next_try = time.monotonic() + RETRY_SECS
        try:
            self._migrate(target)
        except Exception as e:
            log.warning("Migration to host %d could not start: %s", target, e)
