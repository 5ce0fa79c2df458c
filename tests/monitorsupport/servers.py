"""Real local servers for the tests: TCP, HTTP health page, DNS over TCP, SMTP, black holes.

Every server binds 127.0.0.1 on a free port in its constructor (ready when
it returns) and is a context manager that stops it.
"""

import email
import email.message
import http.server
import socket
import socketserver
import struct
import threading
from typing import Any

from aiosmtpd.controller import Controller


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class _Threaded:
    server: socketserver.BaseServer

    def _serve(self) -> None:
        self._thread = threading.Thread(target=self.server.serve_forever, args=(0.05,),
                                        daemon=True)
        self._thread.start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()
        self._thread.join(10)

    def __enter__(self) -> Any:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


class _TCPServer(socketserver.ThreadingTCPServer):
    daemon_threads = True
    allow_reuse_address = True


class TcpListener:
    """Accepts connections and closes them (what `nc -z` needs)."""

    def __init__(self, port: int = 0) -> None:
        self.sock = socket.socket()
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.sock.bind(("127.0.0.1", port))
        self.sock.listen(64)
        self.port = self.sock.getsockname()[1]
        self._thread = threading.Thread(target=self._accept, daemon=True)
        self._thread.start()

    def _accept(self) -> None:
        while True:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            conn.close()

    def close(self) -> None:
        self.sock.shutdown(socket.SHUT_RDWR)
        self.sock.close()
        self._thread.join(10)

    def __enter__(self) -> "TcpListener":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


class BlackHole(_Threaded):
    """Accepts connections and never answers (an SMTP or HTTP server that hangs)."""

    def __init__(self) -> None:
        self.release = threading.Event()
        self.accepted = threading.Event()
        hole = self

        class Handler(socketserver.BaseRequestHandler):
            def handle(self) -> None:
                hole.accepted.set()
                hole.release.wait()

        self.server = _TCPServer(("127.0.0.1", 0), Handler)
        self.port = self.server.server_address[1]
        self._serve()

    def close(self) -> None:
        self.release.set()
        super().close()


class HealthPage(_Threaded):
    """The engine's health page: `body` with `status`; `hang()` makes answers wait."""

    def __init__(self, body: str = "DB Up!Welcome to Health Status!", status: int = 200) -> None:
        self.body, self.status = body, status
        self.requests = 0
        self.release = threading.Event()
        self.release.set()
        self.waiting = threading.Event()
        page = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                page.requests += 1
                if self.path != "/ovirt-engine/services/health":
                    self.send_error(404)
                    return
                if not page.release.is_set():
                    page.waiting.set()
                    page.release.wait()
                data = page.body.encode()
                self.send_response(page.status)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args: object) -> None:
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.port = self.server.server_address[1]
        self.fqdn = f"127.0.0.1:{self.port}"
        self._serve()

    def hang(self) -> None:
        self.release.clear()

    def close(self) -> None:
        self.release.set()
        super().close()


class DnsResponder(_Threaded):
    """Answers every DNS query over TCP with an empty NOERROR response."""

    def __init__(self) -> None:
        self.queries = 0
        dns = self

        class Handler(socketserver.BaseRequestHandler):
            def handle(self) -> None:
                data = self._read(2)
                if len(data) < 2:
                    return
                query = self._read(struct.unpack("!H", data)[0])
                dns.queries += 1
                # Same id, question and EDNS record; QR=1, RD copied, RA=1, NOERROR.
                flags = 0x8080 | (struct.unpack("!H", query[2:4])[0] & 0x0100)
                qd, _, _, ar = struct.unpack("!HHHH", query[4:12])
                answer = query[:2] + struct.pack("!HHHHH", flags, qd, 0, 0, ar) + query[12:]
                self.request.sendall(struct.pack("!H", len(answer)) + answer)

            def _read(self, n: int) -> bytes:
                data = b""
                while len(data) < n:
                    chunk = self.request.recv(n - len(data))
                    if not chunk:
                        break
                    data += chunk
                return data

        self.server = _TCPServer(("127.0.0.1", 0), Handler)
        self.port = self.server.server_address[1]
        self._serve()


class _Collector:
    def __init__(self) -> None:
        self.envelopes: list[tuple[str, list[str], email.message.Message]] = []
        self.received = threading.Event()

    async def handle_DATA(self, server: object, session: object, envelope: Any) -> str:
        message = email.message_from_bytes(envelope.content)
        self.envelopes.append((envelope.mail_from, list(envelope.rcpt_tos), message))
        self.received.set()
        return "250 Message accepted for delivery"


class SmtpServer:
    """A real SMTP server (aiosmtpd) keeping every message it receives."""

    def __init__(self) -> None:
        self.collector = _Collector()
        self.port = free_port()
        self.controller = Controller(self.collector, hostname="127.0.0.1", port=self.port)
        self.controller.start()

    @property
    def messages(self) -> list[tuple[str, list[str], email.message.Message]]:
        return self.collector.envelopes

    def close(self) -> None:
        self.controller.stop()

    def __enter__(self) -> "SmtpServer":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
