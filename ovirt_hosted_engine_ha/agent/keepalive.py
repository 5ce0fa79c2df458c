"""Keep systemd's watchdog fed while the agent waits in a long broker call.

The agent's unit has WatchdogSec=120 and the loop sends WATCHDOG=1 between
cycles, but two broker calls may legitimately take longer than that:
`start_domain_monitor` (the broker polls vdsm for up to 240 s) and
`lock_host_id` (sanlock takes about 160 s for an id last held under
another sanlock host name, plus the broker's busy retries). While such a
call runs, a thread sends WATCHDOG=1 every half watchdog period — but only
up to the call's own maximum (`LIMITS`): a call hung beyond it stops the
keep-alives, and systemd restarts the agent as it should.
"""

from __future__ import annotations

import logging
import os
import threading
import time
from collections.abc import Callable
from types import TracebackType

from ..env import constants
from ..lib import sdnotify
from ..lib.brokerlink import BrokerLink

log = logging.getLogger(__name__)

LOCK_HOST_ID_MAX = 200.0  # sanlock's 160 s takeover + the broker's 30 s of busy retries
LIMITS = {
    "lock_host_id": LOCK_HOST_ID_MAX,
    "start_domain_monitor": constants.MAX_DOMAIN_MONITOR_WAIT_SECS + 30.0,
}


class KeepAlive:
    """WATCHDOG=1 every `interval` s while the `with` block runs, for at most `limit` s."""

    def __init__(self, what: str, interval: float | None, limit: float,
                 notify: Callable[..., object] = sdnotify.notify,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.what = what
        self._interval = interval
        self._limit = limit
        self._notify = notify
        self._clock = clock
        self._done = threading.Event()
        self.expired = threading.Event()
        self._thread: threading.Thread | None = None

    def __enter__(self) -> KeepAlive:
        if self._interval:
            self._thread = threading.Thread(target=self._run, name="WatchdogKeepAlive",
                                            daemon=True)
            self._thread.start()
        return self

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None,
                 tb: TracebackType | None) -> None:
        self._done.set()
        if self._thread is not None:
            self._thread.join()

    def _run(self) -> None:
        deadline = self._clock() + self._limit
        assert self._interval
        while not self._done.wait(self._interval):
            if self._clock() >= deadline:
                log.error("%s still runs after %.0f s, its longest legitimate wait: "
                          "no more watchdog keep-alives", self.what, self._limit)
                self.expired.set()
                return
            self._notify("WATCHDOG=1")


class FedBrokerLink(BrokerLink):
    """BrokerLink whose long calls keep the systemd watchdog fed."""

    def __init__(self, watchdog: float | None, timeout: float | None = None,
                 socket_path: str | os.PathLike[str] | None = None) -> None:
        super().__init__(timeout, socket_path)
        self._watchdog = watchdog

    def _fed(self, what: str) -> KeepAlive:
        return KeepAlive(what, self._watchdog, LIMITS[what])

    def lock_host_id(self, host_id: int) -> None:
        with self._fed("lock_host_id"):
            super().lock_host_id(host_id)

    def start_domain_monitor(self, host_id: int) -> None:
        with self._fed("start_domain_monitor"):
            super().start_domain_monitor(host_id)
