"""Host liveness as pushed by the local agent.

Liveness is the agent's decision (metadata timestamps over 60 s); the
broker keeps the last pushed list and serves it while it is fresh.
"""

import os
import threading
import time
from collections.abc import Callable

from ..env import constants

# How long a pushed list stays valid; the lab and tests may shorten it.
TIMEOUT_ENV = "OVIRT_HA_HOST_ALIVE_TIMEOUT"


def configured_timeout() -> float:
    return float(os.environ.get(TIMEOUT_ENV) or constants.HOST_ALIVE_TIMEOUT_SECS)


class Liveness:
    def __init__(self, clock: Callable[[], float] = time.monotonic,
                 timeout: float | None = None) -> None:
        self._clock = clock
        self._timeout = configured_timeout() if timeout is None else timeout
        self._lock = threading.Lock()
        self._pushed_at: float | None = None
        self._hosts: list[int] = []

    def push(self, hosts: list[int]) -> None:
        with self._lock:
            self._pushed_at = self._clock()
            self._hosts = list(hosts)

    def alive(self) -> list[int]:
        with self._lock:
            if self._pushed_at is None or self._clock() - self._pushed_at > self._timeout:
                return []
            return list(self._hosts)
