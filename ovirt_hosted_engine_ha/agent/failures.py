"""Failed calls: counted always, logged once per cause.

The agent never stops because one call failed; it tries again in the next
cycle. So that an outage does not flood the log, each cause ("broker" when
the broker cannot be reached, else the operation, e.g. "get_stats") is
logged when it first fails and again only when its message changes (with
the count of repeats, lib/changelog.py); its recovery is logged once, with
the number of failures in between.
"""

from __future__ import annotations

import collections
import logging
import time
from collections.abc import Callable

from ..lib import exceptions
from ..lib.changelog import ChangeLog

log = logging.getLogger(__name__)

BROKER_UNREACHABLE = "broker"


def cause_of(operation: str, error: BaseException) -> str:
    """One cause for every verb when the broker cannot be reached at all."""
    if isinstance(error, exceptions.BrokerConnectionError):
        return BROKER_UNREACHABLE
    return operation


class Failures:
    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self.counts: collections.Counter[str] = collections.Counter()
        self._changes = ChangeLog(log, clock=clock)
        self._since: dict[str, int] = {}

    def failed(self, operation: str, error: BaseException) -> None:
        cause = cause_of(operation, error)
        self.counts[cause] += 1
        self._since[cause] = self._since.get(cause, 0) + 1
        self._changes.warning(cause, f"{cause} failed: {error}")

    def succeeded(self, *causes: str) -> None:
        for cause in causes:
            failed = self._since.pop(cause, 0)
            self._changes.clear(cause, f"{cause} works again ({failed} failed calls)")

    def failing(self, cause: str) -> bool:
        return self._changes.active(cause)

    @property
    def total(self) -> int:
        return sum(self.counts.values())
