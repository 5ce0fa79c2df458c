"""The broker's lockspace view: which peers' sanlock host-id leases have expired.

design.md §7: a peer whose host-id lease has expired is dead now, whatever
its last metadata timestamp says; the timestamp rule (refresh.py) stays as
the fallback, so a peer alive in the lockspace but not writing still ages
out. A peer whose renewals are failing (sanlock's FAIL: not expired yet)
is dying: it is not aged out by the timestamp rule before its lease
expires, because the engine VM's lease it holds cannot be taken before
then and a start attempt would only fail and cost a retry. Either way the
peer is dead at most one cycle after the sanlock floor. The view comes
from our broker's `lockspace-hosts` monitor, read once per cycle with
`status_monitor`. When it is not available (an upstream
broker, the broker not in the lockspace yet, a broker restart) no lease
counts as expired and only the timestamp rule decides; the switch between
the two is logged once per change.
"""

from __future__ import annotations

import dataclasses
import json
import logging

from ..lib import exceptions
from .env import Broker
from .failures import Failures

log = logging.getLogger(__name__)

MONITOR = "lockspace-hosts"
DEAD = "dead"
FAIL = "fail"


@dataclasses.dataclass(frozen=True)
class Leases:
    """Peers by the state of their host-id lease (only the two that matter)."""

    expired: frozenset[int] = frozenset()   # dead now
    failing: frozenset[int] = frozenset()   # renewals failing, not expired yet


NOTHING = Leases()


def states(text: str) -> dict[int, str] | None:
    """Host id -> lease state from the monitor's JSON; None when it has no view."""
    if text == "None":
        return None
    try:
        return {int(h): state for h, state in json.loads(text).items()}
    except (ValueError, AttributeError, TypeError):
        return None


def parse(text: str) -> Leases | None:
    """The peers' lease states from the monitor's JSON; None when it has no view."""
    view = states(text)
    if view is None:
        return None
    return Leases(frozenset(h for h, s in view.items() if s == DEAD),
                  frozenset(h for h, s in view.items() if s == FAIL))


class LeaseView:
    def __init__(self, broker: Broker, failures: Failures, sd_uuid: str | None) -> None:
        self._broker = broker
        self._failures = failures
        self._options: dict[str, object] = {"sd_uuid": sd_uuid}
        self._started = False
        self._available: bool | None = None

    def read(self) -> Leases:
        """The peers' lease states now (nothing known when the view is not available)."""
        leases = self._read()
        available = leases is not None
        if available != self._available and (available or self._available is not None):
            log.info("Liveness: %s", "sanlock host-id leases first, metadata timestamps "
                     "second" if available else "metadata timestamps only (no lockspace view)")
        self._available = available
        return leases if leases is not None else NOTHING

    def _read(self) -> Leases | None:
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
