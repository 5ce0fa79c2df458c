"""XML-RPC encoding on the broker side.

`loads` parses a request with expat, refusing any DOCTYPE or entity
declaration (no expansion, nothing fetched) and arrays or structs nested
deeper than `MAX_NESTING`, instead of relying on a process-wide patch.
`response_body` marshals an answer, reusing the bytes of small answers seen
before ("ok", a monitor's status, a liveness list). `Marshalled` is an answer
marshalled once and served many times (`get_stats`), with its gzip form made
on first use; `headers` are written with it (e.g. the metadata age).
"""

import gzip
import io
import pyexpat
import threading
import xmlrpc.client

from ..lib.exceptions import InvalidArgument
from . import put_request

ENCODING = "utf-8"
GZIP_THRESHOLD = 1400
MAX_NESTING = 64
_NESTING_TAGS = frozenset({"array", "struct"})


class UnsafeXml(InvalidArgument):
    def __init__(self, what: str) -> None:
        super().__init__("request", f"{what} is not allowed")


def _refuse_doctype(*args: object) -> None:
    raise UnsafeXml("a DOCTYPE declaration")


def _refuse_entity(*args: object) -> int:
    raise UnsafeXml("an entity declaration")


class _DepthGuard:
    """Feeds expat's events to the unmarshaller, counting array/struct depth."""

    def __init__(self, unmarshaller: xmlrpc.client.Unmarshaller) -> None:
        self._start = unmarshaller.start
        self._end = unmarshaller.end
        self.depth = 0

    def start(self, tag: str, attrs: dict) -> None:
        if tag in _NESTING_TAGS:
            self.depth += 1
            if self.depth > MAX_NESTING:
                raise InvalidArgument("request", f"values nested deeper than {MAX_NESTING} "
                                                 "levels are not allowed")
        self._start(tag, attrs)

    def end(self, tag: str) -> None:
        if tag in _NESTING_TAGS:
            self.depth -= 1
        self._end(tag)


_PARSED: dict[bytes, tuple[tuple, str | None]] = {}
_PARSED_LIMIT = 256
_PARSED_MAX_BYTES = 1024
_IMMUTABLE = (str, int, float, bool, type(None))


def loads(data: bytes) -> tuple[tuple, str | None]:
    """Parse a methodCall into (params, method name).

    Small requests whose parameters are all immutable (get_stats,
    is_host_alive, status_monitor("mem-free"), ...) arrive byte for byte the
    same many times: their parse is remembered (bounded), a parse error never.
    The stdlib client's put_stats is parsed without expat (`put_request`).
    """
    small = len(data) <= _PARSED_MAX_BYTES
    if small:  # a large body is never remembered: do not hash it
        known = _PARSED.get(data)
        if known is not None:
            return known
    fast = put_request.parse(data)
    if fast is not None:
        return fast
    parsed = _parse(data)
    if small and all(type(p) in _IMMUTABLE for p in parsed[0]):
        if len(_PARSED) >= _PARSED_LIMIT:
            _PARSED.clear()
        _PARSED[data] = parsed
    return parsed


def _parse(data: bytes) -> tuple[tuple, str | None]:
    unmarshaller = xmlrpc.client.Unmarshaller(use_builtin_types=False)
    guard = _DepthGuard(unmarshaller)
    parser = pyexpat.ParserCreate(None, None)
    parser.StartDoctypeDeclHandler = _refuse_doctype
    parser.EntityDeclHandler = _refuse_entity
    parser.ExternalEntityRefHandler = _refuse_entity
    parser.StartElementHandler = guard.start
    parser.EndElementHandler = guard.end
    parser.CharacterDataHandler = unmarshaller.data
    parser.buffer_text = True
    unmarshaller.xml(None, None)  # type: ignore[arg-type]  # expat gives decoded text
    parser.Parse(data, True)
    return unmarshaller.close(), unmarshaller.getmethodname()


def dumps_response(value: object) -> bytes:
    return xmlrpc.client.dumps((value,), methodresponse=True,  # type: ignore[arg-type]
                               allow_none=True,
                               encoding=ENCODING).encode(ENCODING)


def dumps_fault(code: int, message: str) -> bytes:
    return xmlrpc.client.dumps(xmlrpc.client.Fault(int(code), message), methodresponse=True,
                               allow_none=True, encoding=ENCODING).encode(ENCODING)


def gunzip(data: bytes, limit: int) -> bytes:
    """A gzip request body, refused (ValueError) when it expands beyond `limit`."""
    try:
        with gzip.GzipFile(fileobj=io.BytesIO(data)) as f:
            decoded = f.read(limit + 1)
    except (OSError, EOFError) as e:
        raise ValueError(f"invalid gzip body: {e}") from None
    if len(decoded) > limit:
        raise ValueError(f"gzip body expands beyond {limit} bytes")
    return decoded


_SMALL_ANSWERS: dict[object, bytes] = {}
_SMALL_ANSWERS_LIMIT = 256
_SMALL_TEXT = 256


def _small_key(value: object) -> object:
    """A hashable key for an answer worth remembering, or None."""
    if type(value) is str and len(value) <= _SMALL_TEXT:
        return value
    if type(value) is list and len(value) <= 64 and all(type(v) is int for v in value):
        return ("list", tuple(value))
    return None


def response_body(value: object) -> bytes:
    """`dumps_response(value)`, remembered for small repeated answers."""
    key = _small_key(value)
    if key is None:
        return dumps_response(value)
    body = _SMALL_ANSWERS.get(key)
    if body is None:
        body = dumps_response(value)
        if len(_SMALL_ANSWERS) >= _SMALL_ANSWERS_LIMIT:
            _SMALL_ANSWERS.clear()
        _SMALL_ANSWERS[key] = body
    return body


class _Bodies:
    """A body and its gzip form, made once and shared by every copy."""

    def __init__(self, body: bytes) -> None:
        self.plain = body
        self.gzipped: bytes | None = None
        self.lock = threading.Lock()


class Marshalled:
    """A response body marshalled once; gzip made once, on demand.

    `headers` are extra HTTP response headers the server writes with this
    answer (an upstream client ignores them); `with_headers` gives a copy
    sharing the body and its gzip form.
    """

    def __init__(self, value: object = None, *, body: bytes | None = None,
                 headers: dict[str, str] | None = None) -> None:
        self._bodies = _Bodies(dumps_response(value) if body is None else body)
        self.headers: dict[str, str] = dict(headers or {})

    @property
    def body(self) -> bytes:
        return self._bodies.plain

    def gzipped(self) -> bytes:
        bodies = self._bodies
        if bodies.gzipped is None:
            with bodies.lock:
                if bodies.gzipped is None:
                    bodies.gzipped = gzip.compress(bodies.plain, compresslevel=1, mtime=0)
        return bodies.gzipped

    def with_headers(self, headers: dict[str, str]) -> "Marshalled":
        copy = Marshalled.__new__(Marshalled)
        copy._bodies = self._bodies
        copy.headers = dict(headers)
        return copy
