"""Submonitor base: one worker thread per running monitor, the latest value in memory.

A submonitor measures one thing about the host every `INTERVAL` seconds
(upstream: 10 s; the period stretches when a measurement takes longer) and
publishes the text the broker answers to `status_monitor`: upstream's
`str(value)` forms, ``"None"`` until the first value.

`status_monitor` reads `text` only: it never waits for a measurement. A
measurement that raises publishes the monitor's failure value
(`failure_value`, upstream's value for a failed check); its cause is logged
once, again only when the cause changes, and a recovery is logged once.

Threads are daemon threads: a measurement stuck in a vdsm call cannot keep
the broker from exiting. `request_stop` ends the loop at the next wake-up;
`sleep` inside a measurement returns early when stopping.
"""

import dataclasses
import logging
import threading
import time
from collections.abc import Callable, Mapping
from typing import Any, ClassVar

from ...env import config, constants
from ...lib import exceptions
from .vdsm_access import VdsmAccess

log = logging.getLogger(__name__)

Options = Mapping[str, str | None]


class _Keep:
    def __repr__(self) -> str:
        return "KEEP"


# Returned by `measure` or `failure_value`: leave the published value as it is.
KEEP = _Keep()


@dataclasses.dataclass(frozen=True)
class Context:
    """Everything a submonitor uses from outside itself."""

    conf: config.HostedEngineConf | None
    vdsm: VdsmAccess
    # Clock for the submonitors' own time rules (not for the thread's waits).
    clock: Callable[[], float] = time.monotonic
    # Period for every submonitor instead of upstream's (tests only).
    interval: float | None = None
    # The broker's configuration refresher (config_refresher.py), for "vm-config".
    refresher: Any = None


class Submonitor:
    TYPE: ClassVar[str] = "submonitor"
    INTERVAL: ClassVar[float] = constants.SUBMONITOR_INTERVAL
    FAILURE_VALUE: ClassVar[object] = None
    # Values that change on every measurement are logged at DEBUG only.
    LOG_CHANGES: ClassVar[bool] = True

    def __init__(self, options: Options, ctx: Context) -> None:
        """Validate `options` (raising `InvalidArgument`); no I/O, no thread."""
        self.options = dict(options)
        self.ctx = ctx
        self._stopping = threading.Event()
        self._wake = threading.Event()
        self._thread: threading.Thread | None = None
        self._last_error: str | None = None
        self._text = str(self.initial_value())

    # Hooks for subclasses.

    def initial_value(self) -> object:
        return None

    def setup(self) -> None:
        """Runs once in the worker thread before the first measurement."""

    def measure(self) -> object:
        """Measure once; return the value to publish, or KEEP."""
        raise NotImplementedError

    def failure_value(self, error: Exception) -> object:
        return self.FAILURE_VALUE

    def teardown(self) -> None:
        """Runs once in the worker thread after the last measurement."""

    def requested(self) -> None:
        """Runs at every `start_monitor` of this type, running already or not."""

    # Public interface.

    @property
    def text(self) -> str:
        """The latest value as upstream sends it (never waits)."""
        return self._text

    def start(self) -> None:
        self._thread = threading.Thread(
            target=self._run, name=f"monitor-{self.TYPE}", daemon=True)
        self._thread.start()

    def request_stop(self) -> None:
        self._stopping.set()
        self._wake.set()

    def join(self, timeout: float | None) -> bool:
        """Wait for the worker thread; True if it has ended."""
        if self._thread is not None:
            self._thread.join(timeout)
        return not self.is_alive()

    def is_alive(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    # Helpers for subclasses.

    @property
    def stopping(self) -> bool:
        return self._stopping.is_set()

    def sleep(self, seconds: float) -> bool:
        """Sleep unless stopping; True if the monitor is stopping."""
        return self._stopping.wait(seconds)

    def wake(self) -> None:
        """Run the next measurement now instead of at the end of the period."""
        self._wake.set()

    def publish(self, value: object) -> None:
        text = str(value)
        if text != self._text:
            level = logging.INFO if self.LOG_CHANGES else logging.DEBUG
            log.log(level, "Monitor %s value %s => %s", self.TYPE, self._text, text)
        self._text = text

    # Worker.

    def _run(self) -> None:
        interval = self.ctx.interval or self.INTERVAL
        try:
            self.setup()
        except Exception:
            log.exception("Monitor %s setup failed", self.TYPE)
        while not self._stopping.is_set():
            deadline = time.monotonic() + interval
            self._wake.clear()
            self._measure_once()
            self._wake.wait(max(0.0, deadline - time.monotonic()))
        try:
            self.teardown()
        except Exception:
            log.exception("Monitor %s teardown failed", self.TYPE)
        log.debug("Monitor %s stopped", self.TYPE)

    def _measure_once(self) -> None:
        try:
            value = self.measure()
        except Exception as e:
            self._log_failure(e)
            value = self.failure_value(e)
        else:
            if self._last_error is not None:
                log.info("Monitor %s recovered", self.TYPE)
                self._last_error = None
        if value is not KEEP and not self._stopping.is_set():
            self.publish(value)

    def _log_failure(self, error: Exception) -> None:
        cause = f"{type(error).__name__}: {error}"
        if cause == self._last_error:
            return
        self._last_error = cause
        expected = isinstance(error, exceptions.Error | OSError | ValueError | KeyError)
        log.error("Monitor %s failed: %s", self.TYPE, cause, exc_info=not expected)
