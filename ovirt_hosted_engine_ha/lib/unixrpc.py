"""XML-RPC over HTTP on a unix socket: the client side.

The URL scheme is upstream's: ``http://`` followed by the uppercase hex of
the UTF-8 socket path, so upstream's client and ours address a broker the
same way. The socket timeout is applied before connecting (a blocked
broker cannot hang a caller that asked for a timeout). The server closes
every connection after its answer, so each call opens a new connection.

Answers that are a struct of base64 values (get_stats: up to 2001 slots,
11 MB of XML) are decoded by `decode_slot_struct` with bytes.find and the
C base64 decoder when their bytes have exactly the stdlib marshaller's
layout; anything else goes to the stdlib parser. The
headers of the last answer are kept in `UnixTransport.last_headers`.

No process-wide marshaller patch is installed (upstream replaces the int
marshaller of the whole process to send ``<i8>``); no verb carries an
integer beyond 32 bits, and the broker accepts ``<i8>`` from upstream
clients.
"""

import binascii
import gzip
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


_STRUCT_HEAD = (b"<?xml version='1.0'?>\n<methodResponse>\n<params>\n<param>\n"
                b"<value><struct>\n")
_STRUCT_TAIL = b"</struct></value>\n</param>\n</params>\n</methodResponse>\n"
_OPEN = b"<member>\n<name>"
_MIDDLE = b"</name>\n<value><base64>\n"
_CLOSE = b"</base64></value>\n</member>\n"


def decode_slot_struct(data: bytes) -> dict[str, xmlrpc.client.Binary] | None:
    """A methodResponse holding one struct of base64 values, as the stdlib would
    decode it; None when `data` is anything else (then the stdlib parser decides)."""
    if not (data.startswith(_STRUCT_HEAD) and data.endswith(_STRUCT_TAIL)):
        return None
    end = len(data) - len(_STRUCT_TAIL)
    pos = len(_STRUCT_HEAD)
    result: dict[str, xmlrpc.client.Binary] = {}
    while pos < end:
        if not data.startswith(_OPEN, pos):
            return None
        name_at = pos + len(_OPEN)
        name_end = data.find(_MIDDLE, name_at, name_at + 10 + len(_MIDDLE))
        name = data[name_at:name_end]
        if name_end < 0 or not name.isdigit():
            return None
        value_at = name_end + len(_MIDDLE)
        value_end = data.find(_CLOSE, value_at, end)
        if value_end < 0:
            return None
        value = data[value_at:value_end]
        if b"<" in value or b"&" in value:  # markup or an entity: not plain base64
            return None
        result[name.decode("ascii")] = xmlrpc.client.Binary(binascii.a2b_base64(value))
        pos = value_end + len(_CLOSE)
    return result


class UnixTransport(xmlrpc.client.Transport):
    """Also keeps the headers of the last response (`last_headers`, names lowercase)."""

    def __init__(self, timeout: float | None = None) -> None:
        super().__init__(use_builtin_types=False)
        self._timeout = timeout
        self.last_headers: dict[str, str] = {}

    def make_connection(self, host):  # type: ignore[override]
        # One connection per call: the broker answers HTTP/1.0 and closes.
        return UnixHTTPConnection(socket_path(host), self._timeout)

    def parse_response(self, response):  # type: ignore[override]
        self.last_headers = {k.lower(): v for k, v in response.getheaders()}
        data = response.read()
        if self.last_headers.get("content-encoding", "") == "gzip":
            data = gzip.decompress(data)
        fast = decode_slot_struct(data)
        if fast is not None:
            return (fast,)
        parser, unmarshaller = self.getparser()
        parser.feed(data)
        parser.close()
        return unmarshaller.close()


class UnixXmlRpcClient(xmlrpc.client.ServerProxy):
    def __init__(self, path: str | os.PathLike[str], timeout: float | None = None) -> None:
        self.transport = UnixTransport(timeout)
        super().__init__(
            socket_url(path),
            transport=self.transport,
            allow_none=True,
        )
