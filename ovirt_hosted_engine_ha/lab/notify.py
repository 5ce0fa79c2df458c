"""The systemd side of sd_notify: one datagram socket per lab host.

The broker (a ``Type=notify`` unit under systemd, design.md D5) sends
``READY=1``, ``WATCHDOG=1``, ``STOPPING=1`` and ``STATUS=...`` to
``$NOTIFY_SOCKET``. A thread drains the socket at all times (an unread
datagram socket would eventually block the sender) and keeps the latest
state for `wait_ready` and status views.
"""

import contextlib
import logging
import os
import socket
import threading
import time
from collections.abc import Callable
from pathlib import Path

log = logging.getLogger(__name__)


class NotifyListener:
    def __init__(self, path: str | os.PathLike[str]) -> None:
        self.path = os.fspath(path)
        Path(self.path).parent.mkdir(parents=True, exist_ok=True)
        with contextlib.suppress(FileNotFoundError):
            os.unlink(self.path)
        self._sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        self._sock.bind(self.path)
        self._cond = threading.Condition()
        self.ready = False
        self.stopping = False
        self.status: str | None = None
        self.watchdogs = 0
        self.last_message: float | None = None
        self._closed = False
        self._thread = threading.Thread(target=self._run, name=f"notify-{self.path}",
                                        daemon=True)
        self._thread.start()

    def reset(self) -> None:
        """Forget READY and STOPPING (before starting the next process)."""
        with self._cond:
            self.ready = self.stopping = False
            self.status = None

    def wait_ready(self, still_running: Callable[[], bool], timeout: float) -> bool:
        """True once READY=1 arrived; False if `still_running` turns false or time runs out."""
        deadline = time.monotonic() + timeout
        with self._cond:
            while not self.ready:
                remaining = deadline - time.monotonic()
                if remaining <= 0 or not still_running():
                    return self.ready
                self._cond.wait(min(remaining, 0.05))
            return True

    def close(self) -> None:
        self._closed = True
        with contextlib.suppress(OSError):
            self._sock.shutdown(socket.SHUT_RDWR)
        self._sock.close()
        with contextlib.suppress(FileNotFoundError):
            os.unlink(self.path)
        self._thread.join(timeout=2)

    def _run(self) -> None:
        while not self._closed:
            try:
                data = self._sock.recv(4096)
            except OSError:
                return
            if not data and self._closed:
                return
            self._on_message(data.decode("utf-8", "replace"))

    def _on_message(self, text: str) -> None:
        with self._cond:
            for line in text.splitlines():
                key, _, value = line.partition("=")
                if key == "READY" and value == "1":
                    self.ready = True
                elif key == "STOPPING" and value == "1":
                    self.stopping = True
                elif key == "WATCHDOG" and value == "1":
                    self.watchdogs += 1
                elif key == "STATUS":
                    self.status = value
            self.last_message = time.monotonic()
            self._cond.notify_all()
