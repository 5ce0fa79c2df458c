"""The slow lane: one thread that finishes connections too slow for a worker.

A worker that does not get a whole request within a few milliseconds, or
cannot hand its whole answer to the kernel at once, passes the connection
here and goes back to accept(). This thread reads the rest of the request
(or writes the rest of the answer) without blocking, under the request's
one total deadline; a peer that sends one byte every few seconds holds a
few hundred bytes of memory here, never a worker. A completed request goes
to `on_request`; a connection past its deadline is answered 408 (when
still reading) and closed.
"""

import collections
import logging
import selectors
import socket
import threading
import time
from collections.abc import Callable, Sequence

from . import http10

log = logging.getLogger(__name__)

MAX_CONNECTIONS = 512
RECV_BYTES = 65536
Buffer = bytes | memoryview


class _Conn:
    def __init__(self, sock: socket.socket, deadline: float, uid: int,
                 reader: http10.RequestReader | None, chunks: list[Buffer]) -> None:
        self.sock = sock
        self.deadline = deadline
        self.uid = uid
        self.reader = reader  # None: writing `chunks`
        self.chunks = chunks
        self.offset = 0


OnRequest = Callable[[socket.socket, http10.Request, int, float], None]


class SlowLane:
    def __init__(self, on_request: OnRequest, limit: int = MAX_CONNECTIONS) -> None:
        self._on_request = on_request
        self._limit = limit
        self._selector = selectors.DefaultSelector()
        self._wake_r, self._wake_w = socket.socketpair()
        self._wake_r.setblocking(False)
        self._wake_w.setblocking(False)
        self._selector.register(self._wake_r, selectors.EVENT_READ, None)
        self._incoming: collections.deque[_Conn] = collections.deque()
        self._conns: dict[socket.socket, _Conn] = {}
        self._stopping = False
        self._ended = False
        self._full_reported = False
        self._thread = threading.Thread(target=self._run, name="SlowLane", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self, timeout: float) -> None:
        self._stopping = True
        self._wake()
        if self._thread.is_alive():
            self._thread.join(timeout)

    def __len__(self) -> int:
        return len(self._conns)

    def read(self, sock: socket.socket, reader: http10.RequestReader, deadline: float,
             uid: int) -> None:
        """Take over a connection whose request is not complete yet."""
        self._submit(_Conn(sock, deadline, uid, reader, []))

    def write(self, sock: socket.socket, chunks: Sequence[Buffer], deadline: float) -> None:
        """Take over a connection to write the rest of its answer, then close it."""
        self._submit(_Conn(sock, deadline, -1, None, list(chunks)))

    def _submit(self, conn: _Conn) -> None:
        if self._ended:
            conn.sock.close()
            return
        self._incoming.append(conn)
        self._wake()

    def _wake(self) -> None:
        try:
            self._wake_w.send(b"x")
        except (BlockingIOError, OSError):
            pass  # a wake-up is already pending, or the lane is closed

    # The lane's thread

    def _run(self) -> None:
        try:
            while not self._stopping:
                events = self._selector.select(self._timeout())
                for key, _ in events:
                    if key.data is None:
                        self._adopt()
                    else:
                        self._step(key.data)
                self._expire()
        except Exception:
            log.exception("The slow lane failed; slow connections are closed from now on")
        finally:
            self._ended = True
            for conn in list(self._conns.values()):
                self._close(conn)
            self._adopt_and_close()
            self._selector.close()
            self._wake_r.close()
            self._wake_w.close()

    def _timeout(self) -> float | None:
        if not self._conns:
            return None
        return max(0.0, min(c.deadline for c in self._conns.values()) - time.monotonic())

    def _adopt(self) -> None:
        try:
            while self._wake_r.recv(4096):
                pass
        except BlockingIOError:
            pass
        while self._incoming:
            conn = self._incoming.popleft()
            if len(self._conns) >= self._limit:
                if not self._full_reported:
                    log.warning("%d slow connections pending; closing new ones until "
                                "some finish", len(self._conns))
                    self._full_reported = True
                conn.sock.close()
                continue
            self._full_reported = False
            conn.sock.setblocking(False)
            mask = selectors.EVENT_READ if conn.reader is not None else selectors.EVENT_WRITE
            self._selector.register(conn.sock, mask, conn)
            self._conns[conn.sock] = conn

    def _adopt_and_close(self) -> None:
        while self._incoming:
            self._incoming.popleft().sock.close()

    def _step(self, conn: _Conn) -> None:
        try:
            if conn.reader is not None:
                self._receive(conn)
            else:
                self._send(conn)
        except OSError:
            self._close(conn)

    def _receive(self, conn: _Conn) -> None:
        assert conn.reader is not None
        try:
            data = conn.sock.recv(RECV_BYTES)
        except BlockingIOError:
            return
        if not data:
            self._close(conn)
            return
        try:
            request = conn.reader.feed(data)
        except http10.HttpError as e:
            self._switch_to_write(conn, [e.answer()])
            return
        if request is not None:
            self._selector.unregister(conn.sock)
            del self._conns[conn.sock]
            try:
                self._on_request(conn.sock, request, conn.uid, conn.deadline)
            except Exception:
                log.exception("Dispatching a slow request failed")
                conn.sock.close()

    def _switch_to_write(self, conn: _Conn, chunks: list[Buffer]) -> None:
        conn.reader = None
        conn.chunks = chunks
        conn.offset = 0
        self._selector.modify(conn.sock, selectors.EVENT_WRITE, conn)

    def _send(self, conn: _Conn) -> None:
        while conn.chunks:
            view = memoryview(conn.chunks[0])[conn.offset:]
            try:
                sent = conn.sock.send(view)
            except BlockingIOError:
                return
            conn.offset += sent
            if conn.offset < len(conn.chunks[0]):
                return
            conn.chunks.pop(0)
            conn.offset = 0
        self._close(conn)

    def _expire(self) -> None:
        now = time.monotonic()
        for conn in [c for c in self._conns.values() if c.deadline <= now]:
            if conn.reader is not None:
                log.debug("A request did not arrive in time; answering 408")
                try:
                    conn.sock.send(http10.error(408, "the request did not arrive in time"))
                except OSError:
                    pass
            self._close(conn)

    def _close(self, conn: _Conn) -> None:
        if self._conns.pop(conn.sock, None) is not None:
            self._selector.unregister(conn.sock)
        conn.sock.close()
