"""The broker's lockspace view: which peers' sanlock host-id leases have expired.

design.md §7: a peer whose host-id lease has expired is dead now, whatever
its last metadata timestamp says; the timestamp rule (refresh.py) stays as
the fallback, so a peer alive in the lockspace but not writing still ages
out. The view comes from our broker's `lockspace-hosts` monitor, read once
per cycle with `status_monitor`. When it is not available (an upstream
broker, the broker not in the lockspace yet, a broker restart) no lease
counts as expired and only the timestamp rule decides; the switch between
the two is logged once per change.
"""

from __future__ import annotations

import json
import logging

from ..lib import exceptions
from .env import Broker
from .failures import Failures

log = logging.getLogger(__name__)

MONITOR = "lockspace-hosts"
DEAD = "dead"
NOTHING: frozenset[int] = frozenset()


def parse(text: str) -> frozenset[int] | None:
    """Host ids reported `dead` in the monitor's JSON; None when it has no view."""
    if text == "None":
        return None
    try:
        view = json.loads(text)
        return frozenset(int(h) for h, state in view.items() if state == DEAD)
    except (ValueError, AttributeError, TypeError):
        return None


class LeaseView:
    def __init__(self, broker: Broker, failures: Failures, sd_uuid: str | None) -> None:
        self._broker = broker
        self._failures = failures
        self._options: dict[str, object] = {"sd_uuid": sd_uuid}
        self._started = False
        self._available: bool | None = None

    def expired(self) -> frozenset[int]:
        """Peers whose lease has expired now (empty when the view is not available)."""
        dead = self._read()
        available = dead is not None
        if available != self._available and (available or self._available is not None):
            log.info("Liveness: %s", "sanlock host-id leases first, metadata timestamps "
                     "second" if available else "metadata timestamps only (no lockspace view)")
        self._available = available
        return dead if dead is not None else NOTHING

    def _read(self) -> frozenset[int] | None:
        operation = f"status_monitor {MONITOR}"
        if not self._started:
            try:
                self._broker.start_monitor(MONITOR, self._options)
            except exceptions.RequestError as e:
                self._failures.failed(f"start_monitor {MONITOR}", e)
                return None
            self._failures.succeeded(f"start_monitor {MONITOR}")
            self._started = True
        try:
            text = self._broker.get_monitor_status(MONITOR)
        except exceptions.RequestError as e:
            if e.code == exceptions.FaultCode.UNKNOWN_MONITOR:
                self._started = False      # the broker restarted: start it next cycle
            else:
                self._failures.failed(operation, e)
            return None
        self._failures.succeeded(operation)
        return parse(text)
