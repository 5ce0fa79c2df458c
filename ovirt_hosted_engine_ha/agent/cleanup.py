"""`ovirt-ha-agent --cleanup`: empty a host's metadata slot (spec/agent.md §1.8).

What `hosted-engine --clean-metadata [--force-cleanup] [--host-id=N]` runs.
Upstream takes the host id, reads the slot, writes an empty slot when it
says the agent stopped (or when forced) and releases the id. Ours does the
same through the broker, with these rules:

- The target is `--host-id` or this host's id. A host is *alive* when its
  slot does not say `stopped` (an agent publishes there), or when the
  broker's lockspace view shows its host-id lease held (`live`/`fail`) by a
  host other than this broker. Alive means refused, unless forced.
- The id is taken with `lock_host_id` only when this broker holds none
  (our broker never holds two ids and never takes one away, spec/
  reliability.md R16); then it is released at the end. When this broker
  already holds an id (this host's agent runs) that id stays held: the
  write is allowed by it, and the running agent is not disturbed.
- `--force-cleanup`: clean even when the slot does not say stopped or the
  host looks alive, and carry on when the id cannot be taken.
- The empty slot is a zero-length `put_stats`, which the broker pads to
  4096 NUL bytes; other hosts' brokers drop the slot within one read.

Returns the process status: 0 cleaned (or already empty); 1 refused or
failed (upstream logs and exits 0: ours says so); 254 when the broker is not
running (upstream's -2, "service not up"). A host that is not configured
exits 255 before this runs (upstream's -1, daemon.py).
"""

from __future__ import annotations

import dataclasses
import logging
import time
from collections.abc import Callable

from ..lib import exceptions, metadata
from ..lib.pause import pause
from . import leases
from .env import Broker

log = logging.getLogger(__name__)

VIEW_MONITOR = leases.MONITOR
VIEW_WAIT = 2.0  # the monitor measures at once when started: its first value within this
HELD = ("live", "fail")


CLEANED, FAILED, SERVICE_NOT_UP, NOT_CONFIGURED = 0, 1, 254, 255


class CleanupRefused(exceptions.DetailError):
    """The slot was not cleaned: the host is alive, or the id cannot be taken."""


@dataclasses.dataclass(frozen=True)
class Request:
    host_id: int
    force: bool = False


class Cleaner:
    def __init__(self, broker: Broker, sd_uuid: str | None,
                 sleep: Callable[[float], None] = pause,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self._broker = broker
        self._sd_uuid = sd_uuid
        self._sleep = sleep
        self._clock = clock

    def run(self, req: Request) -> int:
        try:
            self.clean(req)
        except exceptions.BrokerConnectionError as e:
            log.error("Metadata of host %d not cleaned: the broker is not running (%s)",
                      req.host_id, e)
            return SERVICE_NOT_UP
        except (CleanupRefused, exceptions.RequestError) as e:
            log.error("Metadata of host %d not cleaned: %s", req.host_id, e)
            return FAILED
        return CLEANED

    def clean(self, req: Request) -> None:
        view = self._lockspace_view()
        took = False
        if view is None:
            took = self._take(req)
        elif view.get(req.host_id) in HELD:
            self._refuse_unless(req.force, f"its host-id lease is {view[req.host_id]} in the "
                                "lockspace (this host's agent, or another host, holds it)")
        try:
            self._clean_slot(req)
        finally:
            if took:
                self._broker.release_host_id()
                log.info("Released host id %d", req.host_id)

    def _take(self, req: Request) -> bool:
        try:
            self._broker.lock_host_id(req.host_id)
        except exceptions.RequestError as e:
            self._refuse_unless(req.force, f"cannot take host id {req.host_id}: {e}")
            return False
        log.info("Holding host id %d", req.host_id)
        return True

    def _clean_slot(self, req: Request) -> None:
        data = self._broker.get_stats_from_storage().get(req.host_id)
        if data is None:
            log.info("The metadata slot of host %d is empty already", req.host_id)
            return
        try:
            stopped = metadata.parse_host_slot(req.host_id, data).stopped
        except exceptions.MetadataError as e:
            self._refuse_unless(req.force, f"its slot cannot be read ({e})")
        else:
            if not stopped:
                self._refuse_unless(req.force, "its slot does not say the agent stopped "
                                    "(cannot clean an unclean metadata block)")
        self._broker.put_stats_on_storage(req.host_id, "")
        log.info("Cleaned the metadata slot of host %d", req.host_id)

    @staticmethod
    def _refuse_unless(force: bool, reason: str) -> None:
        if not force:
            raise CleanupRefused(f"the host is alive: {reason}; use --force-cleanup to clean "
                                 "it anyway")
        log.warning("Forced: %s", reason)

    def _lockspace_view(self) -> dict[int, str] | None:
        """The broker's lockspace view, None when the broker holds no host id."""
        running = self._monitor_text() is not None
        if not running:
            try:
                self._broker.start_monitor(VIEW_MONITOR, {"sd_uuid": self._sd_uuid})
            except exceptions.RequestError as e:
                log.warning("No lockspace view (%s): deciding from the slot only", e)
                return None
        try:
            return self._wait_view()
        finally:
            if not running:      # ours: do not leave it polling sanlock
                self._broker.stop_monitor(VIEW_MONITOR)

    def _monitor_text(self) -> str | None:
        try:
            return self._broker.get_monitor_status(VIEW_MONITOR)
        except exceptions.RequestError as e:
            if e.code == exceptions.FaultCode.UNKNOWN_MONITOR:
                return None
            raise

    def _wait_view(self) -> dict[int, str] | None:
        deadline = self._clock() + VIEW_WAIT
        while True:
            text = self._monitor_text()
            if text is not None and text != "None":
                return leases.states(text)
            if self._clock() >= deadline:
                return None
            self._sleep(0.1)
