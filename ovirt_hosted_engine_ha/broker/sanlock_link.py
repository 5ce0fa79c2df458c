"""A registered connection to the sanlock daemon: tells at once that the daemon went away.

The broker registers with the daemon once (`sanlock.register()`, the call
vdsm makes before it acquires leases) and keeps that connection. A
registered client that holds no leases sends nothing more and the daemon
never writes to it; when the daemon exits (killed, restarted) the kernel
closes its end and a zero-timeout poll() of ours reports it: one system
call, against a request round trip to the daemon for an inquiry.
`Lockspace` trusts a recent "held" answer only while this link stays
unbroken since before that answer (lockspace.py).

Why register rather than connect and stay silent: the daemon's main loop
may read a header from a connection as soon as it has accepted it (seen
with sanlock 3.8.5: its only thread serving clients blocked in a 32-byte
MSG_WAITALL recv on a silent connection, and every other client of that
daemon, vdsm's included, waited behind it). A registration sends its
header with the connect, so that read always finds one. The cost: the
broker shows in `sanlock client status` as a client process ("p <pid>")
holding no leases; the daemon forgets it when the connection closes.

The daemon is the one libsanlock finds: $SANLOCK_RUN_DIR/sanlock.sock
(default /run/sanlock).
"""

import select
import socket
import threading

import sanlock

_BROKEN = select.POLLIN | select.POLLHUP | select.POLLERR | select.POLLNVAL


class DaemonLink:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._sock: socket.socket | None = None
        self._poll = select.poll()
        self.connects = 0  # how often a registration was made (tests)

    def ensure(self) -> bool:
        """Registered and unbroken now (registering when not): True; False when the
        daemon cannot be reached."""
        with self._lock:
            if self._sock is not None and not self._broken():
                return True
            self._drop()
            try:
                fd = sanlock.register()
            except sanlock.SanlockException:
                return False
            self._sock = socket.socket(fileno=fd)
            self._poll.register(fd, _BROKEN)
            self.connects += 1
            return True

    def unbroken(self) -> bool:
        """The registration made earlier still stands at the daemon's end (no reconnect)."""
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
        # The daemon never writes to a registered client without leases: any event
        # means its end is gone.
        return bool(self._poll.poll(0))

    def _drop(self) -> None:
        if self._sock is not None:
            self._poll.unregister(self._sock.fileno())
            self._sock.close()
            self._sock = None
