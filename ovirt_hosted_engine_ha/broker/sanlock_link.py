"""An idle connection to the sanlock daemon: tells at once that the daemon went away.

The daemon keeps a client connection that sends nothing open and never
writes to it. When the daemon exits (killed, restarted) the kernel closes
its end, and a zero-timeout poll() of ours reports it: one system call,
against a request round trip to the daemon for an inquiry. `Lockspace`
trusts a recent "held" answer only while this link stays unbroken since
before that answer (lockspace.py).

The socket is the one libsanlock uses: $SANLOCK_RUN_DIR/sanlock.sock
(default /run/sanlock).
"""

import os
import select
import socket
import threading

DEFAULT_RUN_DIR = "/run/sanlock"
SOCKET_NAME = "sanlock.sock"
_BROKEN = select.POLLIN | select.POLLHUP | select.POLLERR | select.POLLNVAL


def socket_path() -> str:
    return os.path.join(os.environ.get("SANLOCK_RUN_DIR", DEFAULT_RUN_DIR), SOCKET_NAME)


class DaemonLink:
    def __init__(self, path: str | None = None) -> None:
        self.path = path or socket_path()
        self._lock = threading.Lock()
        self._sock: socket.socket | None = None
        self._poll = select.poll()
        self.connects = 0  # how often a connection was made (tests)

    def ensure(self) -> bool:
        """Connected and unbroken now (connecting when not): True; False when the
        daemon cannot be reached."""
        with self._lock:
            if self._sock is not None and not self._broken():
                return True
            self._drop()
            sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            try:
                sock.connect(self.path)
            except OSError:
                sock.close()
                return False
            self._sock = sock
            self._poll.register(sock.fileno(), _BROKEN)
            self.connects += 1
            return True

    def unbroken(self) -> bool:
        """The connection made earlier is still open at the daemon's end (no reconnect)."""
        with self._lock:
            if self._sock is None:
                return False
            if self._broken():
                self._drop()
                return False
            return True

    def close(self) -> None:
        with self._lock:
            self._drop()

    def _broken(self) -> bool:
        # The daemon never writes to an idle client: any event means its end is gone.
        return bool(self._poll.poll(0))

    def _drop(self) -> None:
        if self._sock is not None:
            self._poll.unregister(self._sock.fileno())
            self._sock.close()
            self._sock = None
