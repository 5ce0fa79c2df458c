"""The floors the broker is measured against (issue 15), run as child processes.

    python benchmarks/floor.py stdlib   SOCKET SLOTS   # floor (a)
    python benchmarks/floor.py prebuilt SOCKET SLOTS   # floor (a')

(a) is upstream's transport with nothing behind it: a plain single-threaded
stdlib `SimpleXMLRPCServer` on a unix socket whose functions return fixed
values of the real answers' shape and size (get_stats: SLOTS slots of 4096
bytes, base64; no storage, no locks, no validation). (a') answers the same
socket with reply bytes built at start (head and body), the transport's own
ceiling. Both print "ready" once listening.
"""

import os
import socket
import socketserver
import sys
import xmlrpc.client
from pathlib import Path
from xmlrpc.server import SimpleXMLRPCDispatcher, SimpleXMLRPCRequestHandler

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from ovirt_hosted_engine_ha.lib import metadata  # noqa: E402


def slot_image(slot: int) -> bytes:
    if slot == 0:
        return metadata.build_global_slot(metadata.GlobalSlot(False)).ljust(4096, b"\0")
    record = metadata.HostSlot(
        host_id=slot, host_ts=1000, score=3400,
        engine_status='{"vm": "down", "health": "bad", "detail": "unknown", "reason": ""}',
        hostname=f"host{slot}.lab", extra=f"state=EngineDown\ntimestamp=1000\nhost-id={slot}\n")
    return metadata.build_host_slot(record, pad=True)


def answers(slots: int) -> dict[str, object]:
    """Fixed answers shaped as the broker's."""
    stats = {str(i): xmlrpc.client.Binary(slot_image(i)) for i in range(slots)}
    return {"get_stats": stats, "is_host_alive": [1, 2, 3], "status_monitor": "6013",
            "put_stats": "ok", "push_hosts_state": "ok"}


class _Handler(SimpleXMLRPCRequestHandler):
    rpc_paths = ("/", "/RPC2")
    disable_nagle_algorithm = False  # a unix socket has no Nagle

    def address_string(self) -> str:
        return "local"


class StdlibServer(socketserver.UnixStreamServer, SimpleXMLRPCDispatcher):
    """Upstream's kind of server: one thread, the stdlib's marshalling every call."""

    logRequests = False
    request_queue_size = 128  # the stdlib's 5 refuses connections with 8 clients

    def __init__(self, path: str, slots: int) -> None:
        SimpleXMLRPCDispatcher.__init__(self, allow_none=True, encoding=None)
        socketserver.UnixStreamServer.__init__(self, path, _Handler)
        fixed = answers(slots)
        self.register_function(lambda: fixed["get_stats"], "get_stats")
        self.register_function(lambda: fixed["is_host_alive"], "is_host_alive")
        self.register_function(lambda monitor: fixed["status_monitor"], "status_monitor")
        self.register_function(lambda host_id, data: fixed["put_stats"], "put_stats")
        self.register_function(lambda hosts: fixed["push_hosts_state"], "push_hosts_state")


def prebuilt_replies(slots: int) -> dict[bytes, bytes]:
    replies = {}
    for verb, value in answers(slots).items():
        body = xmlrpc.client.dumps((value,), methodresponse=True, allow_none=True).encode()
        head = (b"HTTP/1.0 200 OK\r\nContent-Type: text/xml\r\nContent-Length: %d\r\n\r\n"
                % len(body))
        replies[verb.encode()] = head + body
    return replies


def serve_prebuilt(path: str, slots: int) -> None:
    replies = prebuilt_replies(slots)
    listener = socket.socket(socket.AF_UNIX)
    listener.bind(path)
    listener.listen(128)
    print("ready", flush=True)
    while True:
        conn, _ = listener.accept()
        with conn:
            data = b""
            while b"\r\n\r\n" not in data:
                chunk = conn.recv(65536)
                if not chunk:
                    break
                data += chunk
            head, _, body = data.partition(b"\r\n\r\n")
            length = int(head.lower().split(b"content-length:")[1].split(b"\r\n")[0])
            while len(body) < length:
                chunk = conn.recv(65536)
                if not chunk:
                    break
                body += chunk
            verb = body.split(b"<methodName>")[1].split(b"</methodName>")[0]
            conn.sendall(replies[verb])


def main(argv: list[str]) -> int:
    kind, path, slots = argv[0], argv[1], int(argv[2])
    try:
        os.unlink(path)
    except FileNotFoundError:
        pass
    if kind == "prebuilt":
        serve_prebuilt(path, slots)
        return 0
    server = StdlibServer(path, slots)
    print("ready", flush=True)
    server.serve_forever()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
