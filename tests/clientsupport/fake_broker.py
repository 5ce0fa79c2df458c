"""A test double of the broker's metadata verbs, on a real unix socket.

Only what the client uses: get_stats, put_stats, is_host_alive,
push_hosts_state, reset_lockspace. Slots live in a dict; a test can plant
any bytes (corrupt slots included), set the liveness list and make a verb
answer with a Fault, and set `metadata_age` to send the X-HA-Metadata-Age
header as our broker does (None: no header, as an upstream broker).
Stdlib XML-RPC server, threaded, bound before the constructor returns.
"""

import os
import socketserver
import threading
import xmlrpc.client
from xmlrpc.server import SimpleXMLRPCDispatcher, SimpleXMLRPCRequestHandler

from ovirt_hosted_engine_ha.lib import metadata, staleness


class _Handler(SimpleXMLRPCRequestHandler):
    disable_nagle_algorithm = False  # a TCP option; this is a unix socket
    server: "_Server"

    def address_string(self) -> str:
        return "unix"

    def end_headers(self) -> None:
        age = self.server.metadata_age
        if age is not None:
            self.send_header(staleness.AGE_HEADER, staleness.format_age(age))
        super().end_headers()

    def log_message(self, format: str, *args: object) -> None:
        pass


class _Server(socketserver.ThreadingMixIn, socketserver.UnixStreamServer,
              SimpleXMLRPCDispatcher):
    daemon_threads = True
    logRequests = False

    def __init__(self, path: str) -> None:
        self.metadata_age: float | None = None
        socketserver.UnixStreamServer.__init__(self, path, _Handler)
        SimpleXMLRPCDispatcher.__init__(self, allow_none=True, encoding=None)


class FakeBroker:
    def __init__(self, socket_path: str) -> None:
        os.makedirs(os.path.dirname(socket_path), exist_ok=True)
        self.socket_path = socket_path
        self.slots: dict[int, bytes] = {}
        self.alive: list[int] = []
        self.faults: dict[str, tuple[int, str]] = {}
        self.calls: list[tuple[str, tuple]] = []
        self.resets = 0
        self._lock = threading.Lock()
        self._server = _Server(socket_path)
        for name in ("get_stats", "put_stats", "is_host_alive", "push_hosts_state",
                     "reset_lockspace"):
            self._server.register_function(self._wrap(name), name)
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.05},
            name="fake-broker", daemon=True)
        self._thread.start()

    def close(self) -> None:
        self._server.shutdown()
        self._thread.join(10)
        self._server.server_close()
        try:
            os.unlink(self.socket_path)
        except FileNotFoundError:
            pass

    # Test helpers

    def put_host(self, slot: metadata.HostSlot) -> None:
        self.slots[slot.host_id] = metadata.build_host_slot(slot)

    def set_global(self, maintenance: bool | None) -> None:
        self.slots[0] = metadata.build_global_slot(metadata.GlobalSlot(maintenance))

    @property
    def metadata_age(self) -> float | None:
        return self._server.metadata_age

    @metadata_age.setter
    def metadata_age(self, age: float | None) -> None:
        self._server.metadata_age = age

    def count(self, verb: str) -> int:
        return sum(1 for name, _ in self.calls if name == verb)

    # Verbs

    def _wrap(self, name: str):
        method = getattr(self, "_" + name)

        def verb(*params):
            with self._lock:
                self.calls.append((name, params))
                if name in self.faults:
                    raise xmlrpc.client.Fault(*self.faults[name])
                return method(*params)
        return verb

    def _get_stats(self) -> dict:
        return {str(k): xmlrpc.client.Binary(v) for k, v in self.slots.items()
                if not metadata.slot_is_empty(v)}

    def _put_stats(self, host_id: int, data: xmlrpc.client.Binary) -> str:
        self.slots[host_id] = data.data.ljust(metadata.SLOT_BYTES, b"\0")
        return "ok"

    def _is_host_alive(self) -> list[int]:
        return list(self.alive)

    def _push_hosts_state(self, hosts: list[int]) -> str:
        self.alive = list(hosts)
        return "ok"

    def _reset_lockspace(self) -> str:
        self.resets += 1
        return "ok"
