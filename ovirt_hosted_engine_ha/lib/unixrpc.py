"""XML-RPC over HTTP on a unix socket: the client side.

The URL scheme is upstream's: ``http://`` followed by the uppercase hex of
the UTF-8 socket path, so upstream's client and ours address a broker the
same way. The socket timeout is applied before connecting (a blocked
broker cannot hang a caller that asked for a timeout). The server closes
every connection after its answer, so each call opens a new connection.

No process-wide marshaller patch is installed (upstream replaces the int
marshaller of the whole process to send ``<i8>``); no verb carries an
integer beyond 32 bits, and the broker accepts ``<i8>`` from upstream
clients.
"""

import http.client
import os
import socket
import xmlrpc.client


def socket_url(path: str | os.PathLike[str]) -> str:
    return "http://" + os.fsencode(path).hex().upper()


def socket_path(host: str) -> str:
    return bytes.fromhex(host).decode("utf-8")


class UnixHTTPConnection(http.client.HTTPConnection):
    def __init__(self, path: str, timeout: float | None) -> None:
        super().__init__("localhost", timeout=timeout)
        self._path = path

    def connect(self) -> None:
        sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        try:
            sock.settimeout(self.timeout)
            sock.connect(self._path)
        except BaseException:
            sock.close()
            raise
        self.sock = sock


class UnixTransport(xmlrpc.client.Transport):
    """Also keeps the headers of the last response (`last_headers`, names lowercase)."""

    def __init__(self, timeout: float | None = None) -> None:
        super().__init__(use_builtin_types=False)
        self._timeout = timeout
        self.last_headers: dict[str, str] = {}

    def parse_response(self, response):  # type: ignore[no-untyped-def]
        self.last_headers = {name.lower(): value for name, value in response.getheaders()}
        return super().parse_response(response)

    def make_connection(self, host):  # type: ignore[override]
        # One connection per call: the broker answers HTTP/1.0 and closes.
        return UnixHTTPConnection(socket_path(host), self._timeout)


class UnixXmlRpcClient(xmlrpc.client.ServerProxy):
    def __init__(self, path: str | os.PathLike[str], timeout: float | None = None) -> None:
        self.transport = UnixTransport(timeout)
        super().__init__(
            socket_url(path),
            transport=self.transport,
            allow_none=True,
        )
