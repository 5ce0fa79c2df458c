"""Stand-in for `vdsm.client`: upstream's call shape over a local socket.

`connect()` ignores host, port and TLS settings (design.md §5) and opens a
unix socket to this host's vdsm simulator at
``$OVIRT_HA_ROOT/var/run/vdsm/lab-sim.sock``. Calls look exactly like
upstream's: ``cli.Host.getStats()``, keyword arguments only, ``_timeout``
overrides the per-call timeout, errors are `ServerError` with `code` and
`resp_msg` (spec/vdsm.md §1.2, §1.3, §1.6).

Wire protocol (one connection per client object, newline-delimited JSON,
UTF-8, one object per line):

    request       {"id": "<uuid>", "method": "Host.getStats", "params": {...}}
    answer        {"id": "<uuid>", "result": <any>}
                  {"id": "<uuid>", "error": {"code": <int>, "message": "<text>"}}
    notification  {"method": "|virt|VM_status|<vmId>", "params": {...},
                   "destination": "jms.queue.events"}                    (no id)

The server answers requests concurrently and in any order; a reader thread
matches answers to callers by id, so one client may be shared by threads.
Notifications are sent only after a ``$subscribe`` request naming the
destination (``{"destination": "jms.queue.events"}``).

This module imports nothing outside the standard library.
"""

from __future__ import annotations

import contextlib
import json
import os
import socket
import threading
import uuid
from typing import Any

SOCKET_PATH = "var/run/vdsm/lab-sim.sock"  # relative to OVIRT_HA_ROOT

# Namespaces of vdsm's schema; any verb name is accepted inside them, as
# upstream does. "Lab" is the simulator's own namespace (test knobs).
NAMESPACES = (
    "ConnectionRefs", "Host", "Image", "Job", "Lab", "Lease", "ManagedVolume",
    "NBD", "SDM", "StorageDomain", "StoragePool", "Task", "VM", "Volume",
)


class Error(Exception):
    msg = "vdsm client error"

    def __str__(self) -> str:
        return self.msg.format(self=self)


class ConnectionError(Error):
    msg = ("Connection to {self.host}:{self.port} with use_tls={self.use_tls}, "
           "timeout={self.timeout} failed: {self.reason}")

    def __init__(self, host: str, port: int, use_tls: bool, timeout: float | None,
                 reason: object) -> None:
        super().__init__(host, port, use_tls, timeout, reason)
        self.host, self.port, self.use_tls = host, port, use_tls
        self.timeout, self.reason = timeout, reason


class MissingSchemaError(Error):
    msg = "Error parsing schema: {self.reason}"

    def __init__(self, reason: object) -> None:
        super().__init__(reason)
        self.reason = reason


class ClientError(Error):
    msg = "Request {self.cmd} with args {self.params} failed: {self.reason}"

    def __init__(self, cmd: str, params: dict, reason: object) -> None:
        super().__init__(cmd, params, reason)
        self.cmd, self.params, self.reason = cmd, params, reason


class TimeoutError(Error):
    msg = "Request {self.cmd} with args {self.params} timed out after {self.timeout} seconds"

    def __init__(self, cmd: str, params: dict, timeout: float | None) -> None:
        super().__init__(cmd, params, timeout)
        self.cmd, self.params, self.timeout = cmd, params, timeout


class ServerError(Error):
    msg = ("Command {self.cmd} with args {self.params} failed:\n"
           "(code={self.code}, message={self.resp_msg})")

    def __init__(self, cmd: str, params: dict, code: int, resp_msg: str) -> None:
        super().__init__(cmd, params, code, resp_msg)
        self.cmd, self.params, self.code, self.resp_msg = cmd, params, code, resp_msg


def socket_path() -> str:
    """The simulator socket of the host this process belongs to."""
    return os.path.join(os.environ.get("OVIRT_HA_ROOT") or "/", SOCKET_PATH)


def connect(host: str, port: int = 54321, use_tls: bool = True, timeout: float | None = 60,
            gluster_enabled: bool = False, incoming_heartbeat: int = 30000,
            outgoing_heartbeat: int = 0, nr_retries: int = 1) -> _Client:
    """Connect to this host's simulator; arguments other than timeout are ignored."""
    path = socket_path()
    try:
        sock = _open(path)
    except OSError as e:
        raise ConnectionError(host, port, use_tls, timeout,
                              f"{path}: {e.strerror or e}") from None
    return _Client(sock, timeout, name=f"Client {host}:{port}")


def connect_path(path: str, timeout: float | None = 60) -> _Client:
    """Lab extension: connect to the simulator listening at `path`."""
    try:
        sock = _open(path)
    except OSError as e:
        raise ConnectionError("localhost", 54321, False, timeout,
                              f"{path}: {e.strerror or e}") from None
    return _Client(sock, timeout, name=f"Client {path}")


def _open(path: str) -> socket.socket:
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    try:
        sock.settimeout(10)
        sock.connect(path)
        sock.settimeout(None)
    except BaseException:
        sock.close()
        raise
    return sock


class _Waiter:
    def __init__(self) -> None:
        self.done = threading.Event()
        self.answer: dict | None = None


class _Namespace:
    def __init__(self, client: _Client, name: str) -> None:
        self._client = client
        self._name = name

    def __getattr__(self, verb: str) -> Any:
        if verb.startswith("__"):
            raise AttributeError(verb)

        def call(**kwargs: Any) -> Any:
            return self._client._call(self._name, verb, kwargs)

        call.__name__ = verb
        return call


class _Client:
    def __init__(self, sock: socket.socket, timeout: float | None, name: str) -> None:
        self._sock = sock
        self._timeout = timeout
        self._send_lock = threading.Lock()
        self._lock = threading.Lock()
        self._pending: dict[str, _Waiter] = {}
        self._subscriptions: dict[str, tuple[str, Any]] = {}
        self._closed = False
        self._reader = threading.Thread(target=self._read_loop, name=name, daemon=True)
        self._reader.start()
        for ns in NAMESPACES:
            setattr(self, ns, _Namespace(self, ns))

    # Upstream's public methods

    def close(self) -> None:
        with self._lock:
            if self._closed:
                return
            self._closed = True
        with contextlib.suppress(OSError):
            self._sock.shutdown(socket.SHUT_RDWR)
        self._sock.close()
        self._end_subscriptions()
        self._fail_pending()

    def subscribe(self, queue_name: str, event_queue: Any) -> str:
        """Deliver notifications of `queue_name` to `event_queue` as (method, params)."""
        sub_id = str(uuid.uuid4())
        with self._lock:
            self._subscriptions[sub_id] = (queue_name, event_queue)
        self._request("$subscribe", {"destination": queue_name}, self._timeout)
        return sub_id

    def unsubscribe(self, sub_id: str) -> None:
        with self._lock:
            queue_name, event_queue = self._subscriptions.pop(sub_id)
            still_used = any(q == queue_name for q, _ in self._subscriptions.values())
        if not still_used and not self._closed:
            with contextlib.suppress(Error):
                self._request("$unsubscribe", {"destination": queue_name}, self._timeout)
        event_queue.put(None)

    @contextlib.contextmanager
    def flow(self, flow_id: str) -> Any:
        yield

    def __enter__(self) -> _Client:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # Calls

    def _call(self, namespace: str, verb: str, kwargs: dict[str, Any]) -> Any:
        timeout = kwargs.pop("_timeout", self._timeout)
        return self._request(f"{namespace}.{verb}", kwargs, timeout)

    def _request(self, cmd: str, params: dict[str, Any], timeout: float | None) -> Any:
        req_id = str(uuid.uuid4())
        waiter = _Waiter()
        try:
            line = json.dumps({"id": req_id, "method": cmd, "params": params}) + "\n"
        except (TypeError, ValueError) as e:
            raise ClientError(cmd, params, f"cannot encode request: {e}") from None
        with self._lock:
            if self._closed:
                raise ClientError(cmd, params, "client is closed")
            self._pending[req_id] = waiter
        try:
            with self._send_lock:
                self._sock.sendall(line.encode("utf-8"))
        except OSError as e:
            self._forget(req_id)
            raise ClientError(cmd, params, e.strerror or e) from None
        if not waiter.done.wait(timeout):
            self._forget(req_id)
            raise TimeoutError(cmd, params, timeout)
        answer = waiter.answer
        if answer is None:
            raise ClientError(cmd, params, "connection to the vdsm simulator closed")
        if "error" in answer:
            error = answer["error"]
            raise ServerError(cmd, params, int(error.get("code", -32603)),
                              str(error.get("message", "")))
        result = answer.get("result")
        return True if result is None else result

    def _forget(self, req_id: str) -> None:
        with self._lock:
            self._pending.pop(req_id, None)

    # Reader thread

    def _read_loop(self) -> None:
        try:
            with self._sock.makefile("rb") as stream:
                for raw in stream:
                    self._dispatch(json.loads(raw))
        except (OSError, ValueError, AttributeError, TypeError):
            pass  # connection closed or garbage: treated as closed
        with self._lock:
            self._closed = True
        self._end_subscriptions()
        self._fail_pending()

    def _dispatch(self, message: dict) -> None:
        if "id" not in message:
            self._deliver(message.get("method", ""), message.get("params"),
                          message.get("destination"))
            return
        with self._lock:
            waiter = self._pending.pop(message["id"], None)
        if waiter is not None:
            waiter.answer = message
            waiter.done.set()

    def _deliver(self, method: str, params: Any, destination: str | None) -> None:
        with self._lock:
            queues = [q for name, q in self._subscriptions.values()
                      if destination is None or name == destination]
        for q in queues:
            q.put((method, params))

    def _end_subscriptions(self) -> None:
        with self._lock:
            subs, self._subscriptions = self._subscriptions, {}
        for _, event_queue in subs.values():
            event_queue.put(None)

    def _fail_pending(self) -> None:
        with self._lock:
            pending, self._pending = self._pending, {}
        for waiter in pending.values():
            waiter.done.set()
