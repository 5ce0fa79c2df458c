"""XML-RPC encoding on the broker side.

`loads` parses a request with expat, refusing any DOCTYPE or entity
declaration (no expansion, nothing fetched) instead of relying on a
process-wide patch. `Marshalled` is an answer marshalled once and served
many times (`get_stats`), with its gzip form made on first use.
"""

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


class Marshalled:
    """A response body marshalled once; gzip made once, on demand."""

    def __init__(self, value: object) -> None:
        self.body = dumps_response(value)
        self._gzipped: bytes | None = None

    def gzipped(self) -> bytes:
        if self._gzipped is None:
            self._gzipped = gzip.compress(self.body, compresslevel=1, mtime=0)
        return self._gzipped
