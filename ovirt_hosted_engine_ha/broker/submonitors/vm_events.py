"""vdsm VM status events for one VM (spec/vdsm.md §1.6), on a thread of their own.

Subscribes to vdsm's event queue through the shared client and hands every
``|virt|VM_status|<vm>`` event of our VM to `on_status(stats, vdsm_time)`.
A closed subscription (None from the queue), a client replaced by a
reconnection, or a failed subscribe leads to a new subscription; failures
are logged once per cause. Events are an optimisation: the engine-health
monitor also polls, so a vdsm without events only delays changes.
"""

import logging
import queue
import threading
from collections.abc import Callable
from typing import Any

from ...env import constants
from .vdsm_access import VdsmAccess

log = logging.getLogger(__name__)

RETRY_SECS = 20
CHECK_SECS = 20

OnStatus = Callable[[dict[str, Any], int | None], None]


class VmStatusEvents:
    def __init__(self, vdsm: VdsmAccess, vm_uuid: str, on_status: OnStatus) -> None:
        self._vdsm = vdsm
        self._vm_uuid = vm_uuid
        self._on_status = on_status
        self._stopping = threading.Event()
        self._queue: queue.Queue[Any] = queue.Queue()
        self._thread: threading.Thread | None = None
        self._last_error: str | None = None

    def start(self) -> None:
        self._thread = threading.Thread(target=self._run, name="monitor-vm-events", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stopping.set()
        self._queue.put(None)

    def join(self, timeout: float | None) -> None:
        if self._thread is not None:
            self._thread.join(timeout)

    def _run(self) -> None:
        while not self._stopping.is_set():
            # A fresh queue per subscription: unsubscribing puts None in the old one.
            self._queue = queue.Queue()
            if self._stopping.is_set():
                break
            try:
                cli = self._vdsm.connect()
                sub_id = cli.subscribe(constants.VDSM_EVENT_QUEUE, self._queue)
            except Exception as e:
                self._failed(e)
                self._stopping.wait(RETRY_SECS)
                continue
            if self._last_error is not None:
                log.info("Subscribed to vdsm events again")
                self._last_error = None
            try:
                self._pump(cli)
            finally:
                self._unsubscribe(cli, sub_id)

    def _pump(self, cli: Any) -> None:
        while not self._stopping.is_set():
            try:
                event = self._queue.get(timeout=CHECK_SECS)
            except queue.Empty:
                if self._client_replaced(cli):
                    return
                continue
            if event is None:
                return
            self._handle(event)

    def _handle(self, event: Any) -> None:
        try:
            name, params = event
        except (TypeError, ValueError):
            return
        if f"virt|VM_status|{self._vm_uuid}" not in str(name):
            return
        if not isinstance(params, dict) or not isinstance(params.get(self._vm_uuid), dict):
            return
        notify_time = params.get("notify_time")
        vdsm_time = notify_time if isinstance(notify_time, int) else None
        self._on_status(params[self._vm_uuid], vdsm_time)

    def _client_replaced(self, cli: Any) -> bool:
        try:
            return self._vdsm.connect() is not cli
        except Exception as e:
            self._failed(e)
            return True

    def _unsubscribe(self, cli: Any, sub_id: Any) -> None:
        try:
            cli.unsubscribe(sub_id)
        except Exception as e:
            log.debug("Unsubscribing from vdsm events failed: %s", e)

    def _failed(self, error: Exception) -> None:
        cause = f"{type(error).__name__}: {error}"
        if cause != self._last_error:
            log.warning("vdsm events unavailable, polling only: %s", cause)
            self._last_error = cause
