"""Host liveness as pushed by the local agent.

Liveness is the agent's decision (metadata timestamps over 60 s); the
broker keeps the last pushed list and serves it while it is fresh.
"""

import threading
import time
from collections.abc import Callable

from ..env import constants


class Liveness:
    def __init__(self, clock: Callable[[], float] = time.monotonic,
                 timeout: float = constants.HOST_ALIVE_TIMEOUT_SECS) -> None:
        self._clock = clock
        self._timeout = timeout
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
