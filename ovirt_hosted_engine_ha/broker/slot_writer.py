"""Durable, coalescing slot writes.

`put(slot, payload)` returns once the slot is on storage, or raises: the
storage error, `HostIdNotLockedError` (a host slot is written only while
this broker holds a host id; slot 0 always), or `StorageTimeout` when the
write did not finish within the bounded wait (hung storage). Writes to one
slot are serialised; a put that arrives while an earlier put of the same
slot still waits is merged into it and the latest payload wins. Writes of
different slots never replace each other.

One thread does the I/O, so a hung storage call never holds a server
worker beyond the timeout.
"""

import logging
import threading
from collections.abc import Callable

from ..lib import exceptions
from ..lib.changelog import ChangeLog

log = logging.getLogger(__name__)


class _Write:
    def __init__(self, slot: int, payload: bytes) -> None:
        self.slot = slot
        self.payload = payload
        self.done = threading.Event()
        self.error: Exception | None = None


class SlotWriter:
    def __init__(self, write: Callable[[int, bytes], None],
                 check_allowed: Callable[[int], None],
                 on_written: Callable[[int, bytes], None],
                 timeout: float) -> None:
        self._write = write
        self._check_allowed = check_allowed
        self._on_written = on_written
        self._timeout = timeout
        self._cond = threading.Condition()
        self._pending: dict[int, _Write] = {}
        self._stopping = False
        self._unexpected = ChangeLog(log)
        self._thread = threading.Thread(target=self._run, name="SlotWriter", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self, timeout: float) -> None:
        with self._cond:
            self._stopping = True
            self._cond.notify_all()
        self._thread.join(timeout)

    def put(self, slot: int, payload: bytes) -> None:
        with self._cond:
            if self._stopping:
                raise exceptions.StorageError("the broker is shutting down")
            request = self._pending.get(slot)
            if request is None:
                request = self._pending[slot] = _Write(slot, payload)
                self._cond.notify()
            else:
                request.payload = payload
        if not request.done.wait(self._timeout):
            raise exceptions.StorageTimeout(
                f"writing slot {slot} did not finish within {self._timeout:g} s")
        if request.error is not None:
            raise request.error

    def _take(self) -> list[_Write]:
        with self._cond:
            while not self._pending and not self._stopping:
                self._cond.wait()
            batch = list(self._pending.values())
            self._pending.clear()
            return batch

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
            request.done.set()
