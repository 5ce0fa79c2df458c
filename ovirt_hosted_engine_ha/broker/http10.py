"""The broker's HTTP/1.0: one bounded request per connection, answers as bytes.

`RequestReader` collects one request from received chunks (the head, then
exactly Content-Length bytes of body) and refuses at the earliest byte that
shows a request is bad: a head over `MAX_HEAD`, a method other than POST,
a path other than upstream's, a missing or oversized Content-Length (refused
before any body byte is read), a Transfer-Encoding. Answers are built here
too: `head()` for 200 answers, `error()` for the 4xx/5xx ones. The server
closes every connection after its answer, as upstream's HTTP/1.0 server does.
"""

import dataclasses
from collections.abc import Iterable

RPC_PATHS = (b"/", b"/RPC2")
MAX_HEAD = 16 * 1024
MAX_HEADER_LINES = 64
SERVER = b"Server: ovirt-ha-broker\r\n"

REASONS = {
    200: "OK", 400: "Bad Request", 404: "Not Found", 408: "Request Timeout",
    411: "Length Required", 413: "Payload Too Large",
    431: "Request Header Fields Too Large", 501: "Not Implemented",
    503: "Service Unavailable",
}


class HttpError(Exception):
    """A request refused with an HTTP status; `message` goes in the body."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message

    def answer(self) -> bytes:
        return error(self.status, self.message)


@dataclasses.dataclass
class Request:
    headers: dict[str, str]  # lower-case names
    body: bytes

    @property
    def content_encoding(self) -> str:
        return self.headers.get("content-encoding", "identity").strip().lower()

    @property
    def accepts_gzip(self) -> bool:
        return "gzip" in self.headers.get("accept-encoding", "").lower()


class RequestReader:
    """Feed received bytes; `feed` returns the Request once it is complete."""

    def __init__(self, max_body: int) -> None:
        self._max_body = max_body
        self._buf = bytearray()
        self._headers: dict[str, str] | None = None
        self._body_at = 0
        self._length = 0

    def feed(self, data: bytes) -> Request | None:
        self._buf += data
        if self._headers is None:
            if not self._parse_head():
                return None
        if len(self._buf) - self._body_at < self._length:
            return None
        body = bytes(self._buf[self._body_at:self._body_at + self._length])
        return Request(self._headers, body)  # type: ignore[arg-type]

    def _parse_head(self) -> bool:
        end = self._buf.find(b"\r\n\r\n")
        sep = 4
        if end < 0:
            end, sep = self._buf.find(b"\n\n"), 2
        if end < 0:
            if len(self._buf) > MAX_HEAD:
                raise HttpError(431, f"request head exceeds {MAX_HEAD} bytes")
            return False
        if end > MAX_HEAD:
            raise HttpError(431, f"request head exceeds {MAX_HEAD} bytes")
        lines = bytes(self._buf[:end]).replace(b"\r\n", b"\n").split(b"\n")
        _check_request_line(lines[0])
        self._headers = _parse_headers(lines[1:])
        self._length = _content_length(self._headers, self._max_body)
        self._body_at = end + sep
        return True


def _check_request_line(line: bytes) -> None:
    parts = line.split()
    if len(parts) != 3 or not parts[2].startswith(b"HTTP/1."):
        raise HttpError(400, f"bad request line {line[:80]!r}")
    method, path, _ = parts
    if method != b"POST":
        raise HttpError(501, f"unsupported method {method[:20].decode('latin-1')!r}")
    if path not in RPC_PATHS:
        raise HttpError(404, f"no such path {path[:80].decode('latin-1')!r}")


def _parse_headers(lines: list[bytes]) -> dict[str, str]:
    if len(lines) > MAX_HEADER_LINES:
        raise HttpError(431, f"more than {MAX_HEADER_LINES} header lines")
    headers: dict[str, str] = {}
    for line in lines:
        name, colon, value = line.partition(b":")
        if not colon or not name or name != name.strip() or line[:1] in b" \t":
            raise HttpError(400, f"bad header line {line[:80]!r}")
        key = name.decode("latin-1").lower()
        if key in headers and key == "content-length":
            raise HttpError(400, "more than one Content-Length")
        headers[key] = value.strip().decode("latin-1")
    if "transfer-encoding" in headers:
        raise HttpError(501, "Transfer-Encoding is not supported; send Content-Length")
    return headers


def _content_length(headers: dict[str, str], limit: int) -> int:
    text = headers.get("content-length", "")
    if not text.isascii() or not text.isdigit():
        raise HttpError(411, "Content-Length required")
    length = int(text)
    if length > limit:
        raise HttpError(413, f"request body must be 0..{limit} bytes")
    return length


def head(length: int, gzipped: bool = False,
         extra: Iterable[tuple[str, str]] = ()) -> bytes:
    """Status line and headers of a 200 text/xml answer of `length` body bytes."""
    lines = [b"HTTP/1.0 200 OK\r\n", SERVER, b"Content-Type: text/xml\r\n"]
    if gzipped:
        lines.append(b"Content-Encoding: gzip\r\n")
    for name, value in extra:
        lines.append(f"{name}: {value}\r\n".encode("latin-1"))
    lines.append(b"Content-Length: %d\r\n\r\n" % length)
    return b"".join(lines)


def error(status: int, message: str) -> bytes:
    body = (message + "\n").encode("utf-8", "replace")
    return (b"HTTP/1.0 %d %s\r\n" % (status, REASONS.get(status, "Error").encode())
            + SERVER + b"Content-Type: text/plain; charset=utf-8\r\n"
            + b"Content-Length: %d\r\n\r\n" % len(body) + body)
