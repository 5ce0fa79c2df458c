"""Durable, coalescing slot writes.

`put(slot, payload)` returns once the slot is on storage, or raises: the
storage error, `HostIdNotLockedError` (a host slot is written only while
this broker holds a host id; slot 0 always), or `StorageTimeout` when the
write did not finish within the bounded wait (hung storage). Writes to one
slot are serialised; a put that arrives while an earlier put of the same
slot still waits is merged into it and the latest payload wins. Writes of
different slots never replace each other.

A put served by a server worker whose call can be answered early
(`early_answer`) writes the slot itself when nothing else is being
written or waits (the usual case: one agent, one put every 10 s), saving
the two thread wake-ups of a hand-off. The writer thread is then the
watchdog: idle, it looks every `WATCH_INTERVAL` for such a direct write
and, once it has run for the timeout, answers its caller with the
`StorageTimeout` Fault while the worker stays in the hung call. While a
direct write is in flight, every other put queues for the writer thread,
which starts only after the direct write returned (writes of one slot stay
in order), so a hung storage holds one worker at most beyond the
timeout-bound waits of queued callers.

Queued puts: one thread does the I/O, so a hung storage call never holds
a server worker beyond the timeout. The hand-off uses bare locks: the
writer sleeps on a lock that a put releases only when the writer is
asleep, and each write's callers wait on a lock of that write that the
writer releases when it is done; a caller that gets it releases it again
for the next caller merged into the write.
"""

import logging
import threading
import time
from collections.abc import Callable

from ..lib import exceptions
from ..lib.changelog import ChangeLog
from . import early_answer

WATCH_INTERVAL = 0.5

log = logging.getLogger(__name__)


class _Write:
    __slots__ = ("slot", "payload", "done", "error", "answer", "deadline")

    def __init__(self, slot: int, payload: bytes) -> None:
        self.slot = slot
        self.payload = payload
        self.done = threading.Lock()
        self.done.acquire()  # released once, by the writer, when the write is over
        self.error: Exception | None = None
        self.answer: early_answer.EarlyAnswer | None = None  # a direct write's caller
        self.deadline = 0.0

    def wait(self, timeout: float) -> bool:
        if not self.done.acquire(timeout=timeout):
            return False
        self.done.release()  # for the next caller merged into this write
        return True


class SlotWriter:
    def __init__(self, write: Callable[[int, bytes], None],
                 check_allowed: Callable[[int], None],
                 on_written: Callable[[int, bytes], None],
                 timeout: float) -> None:
        self._write = write
        self._check_allowed = check_allowed
        self._on_written = on_written
        self._timeout = timeout
        self._mutex = threading.Lock()
        self._wake = threading.Lock()
        self._wake.acquire()  # held except between a wake-up and the writer taking it
        self._asleep = False
        self._pending: dict[int, _Write] = {}
        self._direct: _Write | None = None  # a write a server worker does itself
        self._stopping = False
        self._unexpected = ChangeLog(log)
        self._thread = threading.Thread(target=self._run, name="SlotWriter", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self, timeout: float) -> None:
        with self._mutex:
            self._stopping = True
            self._wake_writer()
        self._thread.join(timeout)

    def put(self, slot: int, payload: bytes) -> None:
        answer = early_answer.current()
        with self._mutex:
            if self._stopping:
                raise exceptions.StorageError("the broker is shutting down")
            if (answer is not None and self._asleep and self._direct is None
                    and not self._pending):
                direct = self._direct = _Write(slot, payload)
                direct.answer = answer
                direct.deadline = time.monotonic() + self._timeout
            else:
                direct = None
        if direct is not None:
            self._write_directly(direct)
            return
        with self._mutex:
            request = self._pending.get(slot)
            if request is None:
                request = self._pending[slot] = _Write(slot, payload)
                self._wake_writer()
            else:
                request.payload = payload
        if not request.wait(self._timeout):
            raise exceptions.StorageTimeout(
                f"writing slot {slot} did not finish within {self._timeout:g} s")
        if request.error is not None:
            raise request.error

    def _write_directly(self, request: _Write) -> None:
        """In the caller's thread; the writer thread watches it (`_watch`)."""
        try:
            self._perform(request)
        finally:
            with self._mutex:
                self._direct = None
                if self._pending or self._stopping:
                    self._wake_writer()
        if request.error is not None:
            raise request.error

    def _wake_writer(self) -> None:
        """Under the mutex: let the writer run if it sleeps (it sleeps at most once),
        unless a direct write is in flight (it wakes the writer when it returns)."""
        if self._asleep and self._direct is None:
            self._asleep = False
            self._wake.release()

    def _take(self) -> list[_Write]:
        while True:
            with self._mutex:
                if self._direct is None and (self._pending or self._stopping):
                    batch = list(self._pending.values())
                    self._pending.clear()
                    return batch
                self._asleep = True
            # asleep until a put wakes it; between, the watchdog looks (staying asleep)
            while not self._wake.acquire(timeout=self._watch_wait()):
                direct = self._direct
                if direct is not None:
                    self._watch(direct)

    def _watch_wait(self) -> float:
        direct = self._direct
        if direct is None or direct.answer is None:
            return WATCH_INTERVAL
        return max(0.0, min(WATCH_INTERVAL, direct.deadline - time.monotonic()))

    def _watch(self, direct: _Write) -> None:
        """Answer a direct write's caller with a Fault once the write overran."""
        if direct.answer is None or time.monotonic() < direct.deadline:
            return
        answer, direct.answer = direct.answer, None
        error = exceptions.StorageTimeout(
            f"writing slot {direct.slot} did not finish within {self._timeout:g} s")
        if answer.fail(error):
            log.error("Writing slot %d did not finish within %g s; its caller got a Fault, "
                      "later writes wait for it", direct.slot, self._timeout)

    def _run(self) -> None:
        while True:
            batch = self._take()
            if not batch:
                return
            for request in batch:
                self._perform(request)

    def _perform(self, request: _Write) -> None:
        try:
            self._check_allowed(request.slot)
            self._write(request.slot, request.payload)
            self._on_written(request.slot, request.payload)
            self._unexpected.clear("write")
        except exceptions.Error as e:
            request.error = e
        except Exception as e:
            if not self._unexpected.active("write"):
                log.exception("Writing slot %d failed unexpectedly", request.slot)
            self._unexpected.error("write", f"Writing slots fails unexpectedly: {e}")
            request.error = exceptions.StorageError(f"writing slot {request.slot} failed: {e}")
        finally:
            request.done.release()
