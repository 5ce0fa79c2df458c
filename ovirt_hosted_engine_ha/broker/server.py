"""The broker's XML-RPC server on a unix socket.

A stdlib `SimpleXMLRPCDispatcher` + `UnixStreamServer`, answering the verbs
of a handler table. Differences from upstream (design.md D1-D3, D6):
- connections are served by a bounded pool of pre-started worker threads,
  each connection with a read timeout: a slow verb or a silent client never
  blocks other callers;
- a failing verb answers a Fault whose message names the verb and the
  cause (never nil);
- requests are bounded (Content-Length, gzip), DOCTYPE and entities are
  refused, arguments are validated by the handlers;
- the socket is created with mode 0600 (no window between bind and chmod)
  and each peer's uid (SO_PEERCRED) must be root, the broker's own user or
  vdsm.
"""

import gzip
import inspect
import io
import logging
import os
import pwd
import queue
import socket
import socketserver
import struct
import threading
import time
import xmlrpc.client
from collections.abc import Callable, Iterable
from xmlrpc.server import SimpleXMLRPCDispatcher, SimpleXMLRPCRequestHandler

from ..env import constants
from ..lib import exceptions
from ..lib.exceptions import FaultCode
from . import wire
from .handlers import MUTATING

log = logging.getLogger(__name__)

MAX_REQUEST_BYTES = 1024 * 1024
REQUEST_TIMEOUT = 10.0
WORKERS = 16
BACKLOG = 128
QUEUE_LIMIT = 512
PEERCRED = struct.Struct("3i")


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
    text = repr(value)
    return text if len(text) <= 80 else text[:77] + "..."


def describe_call(verb: str, params: Iterable[object]) -> str:
    return f"{verb}({', '.join(_short(p) for p in params)})"


class AnotherBrokerRunning(exceptions.DetailError):
    pass


class RequestHandler(SimpleXMLRPCRequestHandler):
    rpc_paths = ("/", "/RPC2")
    protocol_version = "HTTP/1.0"
    timeout = REQUEST_TIMEOUT
    disable_nagle_algorithm = False
    server: "BrokerServer"

    def address_string(self) -> str:
        return "unix-peer"

    def log_message(self, format: str, *args: object) -> None:
        log.debug("http: " + format, *args)

    def do_POST(self) -> None:
        if not self.is_rpc_path_valid():
            self.report_404()
            return
        try:
            length = int(self.headers.get("content-length", ""))
        except ValueError:
            self.send_error(411, "Content-Length required")
            return
        if length < 0 or length > MAX_REQUEST_BYTES:
            self.send_error(413, f"request body must be 0..{MAX_REQUEST_BYTES} bytes")
            return
        data = self.rfile.read(length)
        if len(data) != length:
            return  # the client went away
        encoding = self.headers.get("content-encoding", "identity").lower()
        if encoding == "gzip":
            try:
                data = _gunzip(data, MAX_REQUEST_BYTES)
            except ValueError as e:
                self.send_error(400, str(e))
                return
        elif encoding != "identity":
            self.send_error(501, "unsupported Content-Encoding")
            return
        answer = self.server.dispatch_request(data, self.connection)
        self._send(answer)

    def _send(self, answer: "bytes | wire.Marshalled") -> None:
        body = answer.body if isinstance(answer, wire.Marshalled) else answer
        gzipped = False
        if len(body) > wire.GZIP_THRESHOLD and "gzip" in self.headers.get("accept-encoding", ""):
            body = answer.gzipped() if isinstance(answer, wire.Marshalled) else \
                gzip.compress(body, compresslevel=1, mtime=0)
            gzipped = True
        self.send_response(200)
        self.send_header("Content-type", "text/xml")
        if gzipped:
            self.send_header("Content-Encoding", "gzip")
        if isinstance(answer, wire.Marshalled):
            for name, value in answer.headers.items():
                self.send_header(name, value)
        self.send_header("Content-length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


def _gunzip(data: bytes, limit: int) -> bytes:
    try:
        with gzip.GzipFile(fileobj=io.BytesIO(data)) as f:
            decoded = f.read(limit + 1)
    except (OSError, EOFError) as e:
        raise ValueError(f"invalid gzip body: {e}") from None
    if len(decoded) > limit:
        raise ValueError(f"gzip body expands beyond {limit} bytes")
    return decoded


class BrokerServer(socketserver.UnixStreamServer, SimpleXMLRPCDispatcher):
    request_queue_size = BACKLOG
    allow_reuse_address = False
    logRequests = False

    def __init__(self, socket_path: str, handlers: dict[str, Callable[..., object]],
                 context: object, workers: int = WORKERS,
                 on_serving_loop: Callable[[], None] | None = None) -> None:
        SimpleXMLRPCDispatcher.__init__(self, allow_none=True, encoding=wire.ENCODING,
                                        use_builtin_types=False)
        self.socket_path = socket_path
        self.handlers = handlers
        self._arity = {verb: len(inspect.signature(h).parameters) - 1
                       for verb, h in handlers.items()}
        self.context = context
        self.allowed_uids = allowed_uids()
        self._on_serving_loop = on_serving_loop
        self._queue: queue.Queue = queue.Queue(QUEUE_LIMIT)
        self._workers = [threading.Thread(target=self._work, name=f"Worker-{i}", daemon=True)
                         for i in range(workers)]
        refuse_live_socket(socket_path)
        socketserver.UnixStreamServer.__init__(self, socket_path, RequestHandler)
        for worker in self._workers:
            worker.start()

    # Socket

    def server_bind(self) -> None:
        try:
            os.unlink(self.socket_path)
        except FileNotFoundError:
            pass
        old = os.umask(0o177)
        try:
            self.socket.bind(self.socket_path)
        finally:
            os.umask(old)
        os.chmod(self.socket_path, 0o600)
        self.server_address = self.socket.getsockname()

    def server_close(self) -> None:
        super().server_close()
        for _ in self._workers:
            self._queue.put(None)
        # In-flight calls get one request timeout in all; workers are daemons.
        deadline = time.monotonic() + REQUEST_TIMEOUT
        for worker in self._workers:
            worker.join(max(0.0, deadline - time.monotonic()))
        try:
            os.unlink(self.socket_path)
        except FileNotFoundError:
            pass

    def service_actions(self) -> None:
        if self._on_serving_loop is not None:
            self._on_serving_loop()

    # Connections

    def verify_request(self, request, client_address) -> bool:  # type: ignore[override]
        pid, uid, _ = peer_credentials(request)
        if uid not in self.allowed_uids:
            log.warning("Refused a connection from uid=%d pid=%d", uid, pid)
            return False
        return True

    def process_request(self, request, client_address) -> None:  # type: ignore[override]
        try:
            self._queue.put_nowait((request, client_address))
        except queue.Full:
            log.error("Too many pending connections; dropping one")
            self.shutdown_request(request)

    def _work(self) -> None:
        while True:
            item = self._queue.get()
            if item is None:
                return
            request, client_address = item
            try:
                self.finish_request(request, client_address)
            except Exception:
                log.debug("Connection failed", exc_info=True)
            finally:
                self.shutdown_request(request)

    def handle_error(self, request, client_address) -> None:  # type: ignore[override]
        log.debug("Request failed", exc_info=True)

    # Dispatch

    def dispatch_request(self, data: bytes, connection: socket.socket) -> "bytes | wire.Marshalled":
        try:
            params, verb = wire.loads(data)
        except exceptions.Error as e:
            return wire.dumps_fault(e.fault_code, f"malformed request: {e}")
        except Exception as e:
            return wire.dumps_fault(FaultCode.INVALID_ARGUMENT, f"malformed request: {e}")
        handler = self.handlers.get(verb or "")
        if handler is None:
            return wire.dumps_fault(
                FaultCode.UNSUPPORTED_METHOD,
                f"<class 'Exception'>:method \"{verb}\" is not supported")
        call = describe_call(verb or "", params)
        try:
            _check_arity(verb or "", self._arity[verb or ""], params)
            if verb in MUTATING:
                log.debug("%s from uid=%d", call, peer_credentials(connection)[1])
            result = handler(self.context, *params)
            if isinstance(result, wire.Marshalled):
                return result
            return wire.dumps_response(result)
        except exceptions.Error as e:
            log.error("%s failed: %s", call, e)
            return wire.dumps_fault(e.fault_code, f"{verb}: {e}")
        except Exception:
            log.exception("%s failed unexpectedly", call)
            return wire.dumps_fault(FaultCode.INTERNAL,
                                    f"{verb}: internal error, see the broker log")


def _check_arity(verb: str, expected: int, params: tuple) -> None:
    if len(params) != expected:
        raise exceptions.InvalidArgument(
            "arguments", f"{verb} takes {expected} argument{'s' if expected != 1 else ''}, "
                         f"got {len(params)}")


def refuse_live_socket(path: str) -> None:
    """Raise if a process already accepts connections on `path`."""
    if not os.path.exists(path):
        return
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as s:
        s.settimeout(1.0)
        try:
            s.connect(path)
        except OSError:
            return  # a stale socket left by a killed broker
    raise AnotherBrokerRunning(f"another broker is serving on {path}")
