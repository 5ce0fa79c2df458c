"""The broker's XML-RPC server on a unix socket.

Differences from upstream's stdlib server (design.md D1-D3, D6):
- a fixed pool of worker threads, each blocking in accept() itself (no
  hand-off queue); a worker reads the request, dispatches it and writes the
  answer. A peer too slow to send its request at once (or to read its
  answer) is passed to the slow lane (`slowlane`), so slow or silent peers
  never hold a worker, and every request has one total deadline covering
  request line, headers and body;
- a failing verb answers a Fault whose message names the verb and the
  cause (never nil); nothing about the call is formatted unless it is logged;
- requests are bounded (head, Content-Length, gzip, nesting), DOCTYPE and
  entities are refused, arguments are validated by the handlers;
- answers that repeat are sent from bytes built once (`wire`);
- a worker's call carries an `early_answer`: a watchdog may answer it with
  a Fault while the worker is held (a slot write it does itself that hangs);
- the socket is created with mode 0600 (no window between bind and chmod)
  and each peer's uid (SO_PEERCRED) must be root, the broker's own user or
  vdsm.
"""

import errno
import inspect
import logging
import os
import pwd
import reprlib
import socket
import struct
import threading
import time
import xmlrpc.client
from collections.abc import Callable, Iterable

from ..env import constants
from ..lib import exceptions
from ..lib.changelog import ChangeLog
from ..lib.exceptions import FaultCode
from . import early_answer, http10, wire
from .handlers import MUTATING
from .listen_socket import AnotherBrokerRunning, listen, refuse_live_socket  # noqa: F401 (re-exported)
from .slowlane import SlowLane

log = logging.getLogger(__name__)

MAX_REQUEST_BYTES = 1024 * 1024
REQUEST_TIMEOUT = 10.0
FAST_WAIT = 0.05  # how long a worker waits for a request or a send before the slow lane
WORKERS = 16
SLOW_DISPATCHERS = 8
BACKLOG = 128
PEERCRED = struct.Struct("3i")
# Kernel-side timeouts (SO_RCVTIMEO/SO_SNDTIMEO) on a blocking socket: a large answer
# goes out in one sendmsg() that waits for the peer inside the kernel, holding no GIL.
_FAST_TIMEVAL = struct.pack("ll", 0, int(FAST_WAIT * 1_000_000))
_REPR = reprlib.Repr()
_REPR.maxstring = _REPR.maxother = 80


def allowed_uids() -> frozenset[int]:
    uids = {0, os.getuid()}
    try:
        uids.add(pwd.getpwnam(constants.VDSM_USER).pw_uid)
    except KeyError:
        pass
    return frozenset(uids)


def peer_credentials(sock: socket.socket) -> tuple[int, int, int]:
    """(pid, uid, gid) of the process at the other end of a unix socket."""
    raw = sock.getsockopt(socket.SOL_SOCKET, socket.SO_PEERCRED, PEERCRED.size)
    pid, uid, gid = PEERCRED.unpack(raw)
    return pid, uid, gid


def _short(value: object) -> str:
    if isinstance(value, xmlrpc.client.Binary):
        return f"<{len(value.data)} bytes>"
    return _REPR.repr(value)


def describe_call(verb: str, params: Iterable[object]) -> str:
    try:
        return f"{verb}({', '.join(_short(p) for p in params)})"
    except Exception:
        return f"{verb}(...)"


class BrokerServer:
    def __init__(self, socket_path: str, handlers: dict[str, Callable[..., object]],
                 context: object, workers: int = WORKERS,
                 on_serving_loop: Callable[[], None] | None = None,
                 request_timeout: float = REQUEST_TIMEOUT) -> None:
        self.socket_path = socket_path
        self.handlers = handlers
        self._failures = ChangeLog(log)
        self._works_again = {verb: f"{verb} works again" for verb in handlers}
        self._arity = {verb: len(inspect.signature(h).parameters) - 1
                       for verb, h in handlers.items()}
        self.context = context
        self.allowed_uids = allowed_uids()
        self.request_timeout = request_timeout
        self._on_serving_loop = on_serving_loop
        self._closing = False
        self._shutdown_request = threading.Event()
        self._serving = threading.Event()
        self._stopped = threading.Event()
        self._slow_dispatchers = threading.BoundedSemaphore(SLOW_DISPATCHERS)
        refuse_live_socket(socket_path)
        self.socket = listen(socket_path, BACKLOG)
        self.lane = SlowLane(self._finish_slow_request)
        self.lane.start()
        self._workers = [threading.Thread(target=self._work, name=f"Worker-{i}", daemon=True)
                         for i in range(workers)]
        for worker in self._workers:
            worker.start()

    # Life cycle (socketserver's names, which the daemon and tests use)

    def serve_forever(self, poll_interval: float = 0.5) -> None:
        """Run the serving loop's periodic actions until `shutdown`."""
        self._serving.set()
        try:
            while not self._shutdown_request.wait(poll_interval):
                self.service_actions()
        finally:
            self._stopped.set()

    def service_actions(self) -> None:
        if self._on_serving_loop is not None:
            self._on_serving_loop()

    def shutdown(self) -> None:
        """Stop accepting connections and end `serve_forever` (waits for it)."""
        self._stop_accepting()
        self._shutdown_request.set()
        if self._serving.is_set():
            self._stopped.wait()

    def server_close(self) -> None:
        self._stop_accepting()
        # In-flight calls get one request timeout in all; workers are daemons.
        deadline = time.monotonic() + self.request_timeout
        for worker in self._workers:
            worker.join(max(0.0, deadline - time.monotonic()))
        self.lane.stop(max(0.0, deadline - time.monotonic()))
        self.socket.close()
        try:
            os.unlink(self.socket_path)
        except FileNotFoundError:
            pass

    def _stop_accepting(self) -> None:
        if self._closing:
            return
        self._closing = True
        try:
            self.socket.shutdown(socket.SHUT_RDWR)  # wakes every worker in accept()
        except OSError:
            pass

    # Connections

    def _work(self) -> None:
        while not self._closing:
            try:
                sock, _ = self.socket.accept()
            except OSError as e:
                if self._closing:
                    return
                log.error("accept() failed: %s", os.strerror(e.errno or 0))
                if e.errno in (errno.EMFILE, errno.ENFILE, errno.ENOBUFS, errno.ENOMEM):
                    self._shutdown_request.wait(0.1)
                continue
            try:
                self._serve(sock)
            except Exception:
                log.debug("Connection failed", exc_info=True)
                sock.close()

    def _serve(self, sock: socket.socket) -> None:
        pid, uid, _ = peer_credentials(sock)
        if uid not in self.allowed_uids:
            log.warning("Refused a connection from uid=%d pid=%d", uid, pid)
            sock.close()
            return
        deadline = time.monotonic() + self.request_timeout
        reader = http10.RequestReader(MAX_REQUEST_BYTES)
        _set_fast_timeouts(sock)
        try:
            request = _read_at_once(sock, reader)
        except http10.HttpError as e:
            self._answer(sock, [e.answer()])
            return
        except OSError:
            sock.close()
            return
        if request is None:
            self.lane.read(sock, reader, deadline, uid)
            return
        early = early_answer.EarlyAnswer(lambda answer, e: self._answer_early(sock, answer, e))
        early_answer.serving(early)
        try:
            chunks = self.respond(request, uid)
        finally:
            early_answer.serving(None)
        if early.claim():  # else a watchdog answered already (early_answer.py)
            self._answer(sock, chunks)

    def _answer_early(self, sock: socket.socket, answer: early_answer.EarlyAnswer,
                      error: exceptions.Error) -> None:
        verb = answer.verb
        self._failures.error(verb, f"{verb} failed: {error}", same=str(error))
        self._answer(sock, _send_form(wire.dumps_fault(error.fault_code, f"{verb}: {error}"),
                                      False))

    def _finish_slow_request(self, sock: socket.socket, request: http10.Request, uid: int,
                             deadline: float) -> None:
        """A request the slow lane completed: dispatch it on a thread of its own."""
        if not self._slow_dispatchers.acquire(blocking=False):
            self.lane.write(sock, [http10.error(503, "the broker is busy")],
                            time.monotonic() + self.request_timeout)
            return

        def run() -> None:
            try:
                sock.setblocking(True)
                _set_fast_timeouts(sock)
                self._answer(sock, self.respond(request, uid))
            except Exception:
                log.debug("Connection failed", exc_info=True)
                sock.close()
            finally:
                self._slow_dispatchers.release()

        threading.Thread(target=run, name="SlowDispatch", daemon=True).start()

    def _answer(self, sock: socket.socket, chunks: list[bytes]) -> None:
        """Write `chunks`; what the peer does not take at once goes to the slow lane."""
        try:
            rest = _send_some(sock, chunks)
        except OSError:
            sock.close()
            return
        if rest:
            self.lane.write(sock, rest, time.monotonic() + self.request_timeout)
        else:
            sock.close()

    # Dispatch

    def respond(self, request: http10.Request, uid: int = -1) -> list[bytes]:
        """The answer to a complete request, as chunks of bytes to send."""
        data = request.body
        encoding = request.content_encoding
        if encoding == "gzip":
            try:
                data = wire.gunzip(data, MAX_REQUEST_BYTES)
            except ValueError as e:
                return [http10.error(400, str(e))]
        elif encoding != "identity":
            return [http10.error(501, "unsupported Content-Encoding")]
        answer = self.dispatch_request(data, uid)
        try:
            return _send_form(answer, request.accepts_gzip)
        except Exception:
            log.exception("Sending an answer failed")
            return _send_form(wire.dumps_fault(FaultCode.INTERNAL,
                                               "internal error, see the broker log"), False)

    def dispatch_request(self, data: bytes, uid: int = -1) -> "bytes | wire.Marshalled":
        try:
            params, verb = wire.loads(data)
        except exceptions.Error as e:
            return wire.dumps_fault(e.fault_code, f"malformed request: {e}")
        except Exception as e:
            return wire.dumps_fault(FaultCode.INVALID_ARGUMENT, f"malformed request: {e}")
        name = verb or ""
        early = early_answer.current()
        if early is not None:
            early.verb = name
        handler = self.handlers.get(name)
        if handler is None:
            return wire.dumps_fault(
                FaultCode.UNSUPPORTED_METHOD,
                f"<class 'Exception'>:method \"{verb}\" is not supported")
        try:
            _check_arity(name, self._arity[name], params)
            if name in MUTATING and log.isEnabledFor(logging.DEBUG):
                log.debug("%s from uid=%d", describe_call(name, params), uid)
            result = handler(self.context, *params)
            self._failures.clear(name, self._works_again[name])
            if isinstance(result, wire.Marshalled):
                return result
            return wire.response_body(result)
        except exceptions.Error as e:
            # once per change of cause, then counted (a down sanlock fails every put)
            self._failures.error(name, f"{describe_call(name, params)} failed: {e}", same=str(e))
            return wire.dumps_fault(e.fault_code, f"{name}: {e}")
        except Exception:
            log.exception("%s failed unexpectedly", describe_call(name, params))
            return wire.dumps_fault(FaultCode.INTERNAL,
                                    f"{name}: internal error, see the broker log")


def _send_form(answer: "bytes | wire.Marshalled", accepts_gzip: bool) -> list[bytes]:
    """Head and body of an answer; bodies over GZIP_THRESHOLD gzipped if accepted."""
    if isinstance(answer, wire.Marshalled):
        body = answer.body
        gzipped = accepts_gzip and len(body) > wire.GZIP_THRESHOLD
        if gzipped:
            body = answer.gzipped()
        return [http10.head(len(body), gzipped, _checked(answer.headers)), body]
    if accepts_gzip and len(answer) > wire.GZIP_THRESHOLD:
        body = wire.Marshalled(body=answer).gzipped()
        return [http10.head(len(body), True), body]
    return [http10.head(len(answer)) + answer]


def _checked(headers: dict[str, str]) -> Iterable[tuple[str, str]]:
    for name, value in headers.items():
        if "\r" in name + value or "\n" in name + value or ":" in name:
            raise ValueError(f"bad response header {name!r}")
    return headers.items()


def _set_fast_timeouts(sock: socket.socket) -> None:
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVTIMEO, _FAST_TIMEVAL)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_SNDTIMEO, _FAST_TIMEVAL)


def _read_at_once(sock: socket.socket, reader: http10.RequestReader) -> http10.Request | None:
    """The request if it arrives within about FAST_WAIT, else None (the peer is slow)."""
    until = time.monotonic() + FAST_WAIT
    while True:
        if time.monotonic() > until:
            return None
        try:
            data = sock.recv(65536)
        except BlockingIOError:  # SO_RCVTIMEO expired
            return None
        if not data:
            raise ConnectionResetError("the peer closed before sending a request")
        request = reader.feed(data)
        if request is not None:
            return request


def _send_some(sock: socket.socket, chunks: list[bytes]) -> list[memoryview]:
    """Send until done (returns []) or until a send makes no progress within
    SO_SNDTIMEO (returns what is left)."""
    views = [memoryview(c) for c in chunks]
    while views:
        try:
            sent = sock.sendmsg(views)
        except BlockingIOError:
            break
        while sent and views:
            if sent >= len(views[0]):
                sent -= len(views[0])
                views.pop(0)
            else:
                views[0] = views[0][sent:]
                sent = 0
    return views


def _check_arity(verb: str, expected: int, params: tuple) -> None:
    if len(params) != expected:
        raise exceptions.InvalidArgument(
            "arguments", f"{verb} takes {expected} argument{'s' if expected != 1 else ''}, "
                         f"got {len(params)}")
