"""XML-RPC encoding on the broker side.

`loads` parses a request with expat, refusing any DOCTYPE or entity
declaration (no expansion, nothing fetched) instead of relying on a
process-wide patch. `Marshalled` is an answer marshalled once and served
many times (`get_stats`), with its gzip form made on first use, and the
extra HTTP headers the server sends with it (`headers`).
"""

import copy
import gzip
import pyexpat
import xmlrpc.client

from ..lib.exceptions import InvalidArgument

ENCODING = "utf-8"
GZIP_THRESHOLD = 1400


class UnsafeXml(InvalidArgument):
    def __init__(self, what: str) -> None:
        super().__init__("request", f"{what} is not allowed")


def _refuse_doctype(*args: object) -> None:
    raise UnsafeXml("a DOCTYPE declaration")


def _refuse_entity(*args: object) -> int:
    raise UnsafeXml("an entity declaration")


def loads(data: bytes) -> tuple[tuple, str | None]:
    """Parse a methodCall into (params, method name)."""
    unmarshaller = xmlrpc.client.Unmarshaller(use_builtin_types=False)
    parser = pyexpat.ParserCreate(None, None)
    parser.StartDoctypeDeclHandler = _refuse_doctype
    parser.EntityDeclHandler = _refuse_entity
    parser.ExternalEntityRefHandler = _refuse_entity
    parser.StartElementHandler = unmarshaller.start
    parser.EndElementHandler = unmarshaller.end
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


class _GzipOnce:
    def __init__(self, body: bytes) -> None:
        self._body = body
        self._gzipped: bytes | None = None

    def __call__(self) -> bytes:
        if self._gzipped is None:
            self._gzipped = gzip.compress(self._body, compresslevel=1, mtime=0)
        return self._gzipped


class Marshalled:
    """A response body marshalled once; gzip made once, on demand.

    `headers` are extra HTTP response headers; `with_headers` gives a copy
    with other headers that shares the body and its gzip form.
    """

    def __init__(self, value: object, headers: dict[str, str] | None = None) -> None:
        self.body = dumps_response(value)
        self.headers: dict[str, str] = dict(headers or {})
        self._gzip = _GzipOnce(self.body)

    def gzipped(self) -> bytes:
        return self._gzip()

    def with_headers(self, headers: dict[str, str]) -> "Marshalled":
        clone = copy.copy(self)
        clone.headers = dict(headers)
        return clone
