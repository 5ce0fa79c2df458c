"""Failed calls: counted always, logged once per cause.

The agent never stops because one call failed; it tries again in the next
cycle. So that an outage does not flood the log, each cause ("broker" when
the broker cannot be reached, else the operation, e.g. "get_stats") is
logged when it first fails and again only when its message changes; its
recovery is logged once, with the number of failures in between.
"""

from __future__ import annotations

import collections
import logging

from ..lib import exceptions

log = logging.getLogger(__name__)

BROKER_UNREACHABLE = "broker"


def cause_of(operation: str, error: BaseException) -> str:
    """One cause for every verb when the broker cannot be reached at all."""
    if isinstance(error, exceptions.BrokerConnectionError):
        return BROKER_UNREACHABLE
    return operation


class Failures:
    def __init__(self) -> None:
        self.counts: collections.Counter[str] = collections.Counter()
        self._active: dict[str, str] = {}
        self._since: dict[str, int] = {}

    def failed(self, operation: str, error: BaseException) -> None:
        cause = cause_of(operation, error)
        self.counts[cause] += 1
        self._since[cause] = self._since.get(cause, 0) + 1
        message = str(error)
        if self._active.get(cause) != message:
            self._active[cause] = message
            log.warning("%s failed: %s", cause, message)

    def succeeded(self, *causes: str) -> None:
        for cause in causes:
            if self._active.pop(cause, None) is not None:
                log.info("%s works again (%d failed calls)", cause, self._since.pop(cause, 0))

    def failing(self, cause: str) -> bool:
        return cause in self._active

    @property
    def total(self) -> int:
        return sum(self.counts.values())
