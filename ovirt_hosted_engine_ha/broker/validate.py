"""Argument checks for the verbs (design.md D3, spec/reliability.md R8-R10).

Each check returns the value in its proper type or raises `InvalidArgument`
naming the argument and what was wrong; nothing is written or cached
before every argument of a call has passed.
"""

import xmlrpc.client

from ..env import constants
from ..lib.exceptions import InvalidArgument

MAX_SLOT_BYTES = constants.HOST_SEGMENT_BYTES
MAX_TEXT = 1024
MAX_OPTIONS = 64


def _describe(value: object) -> str:
    text = repr(value)
    return text if len(text) <= 40 else text[:37] + "..."


def host_id(value: object, *, allow_global: bool = False,
            maximum: int = constants.MAX_HOST_ID_SCAN, name: str = "host_id") -> int:
    low = 0 if allow_global else 1
    if type(value) is not int or not low <= value <= maximum:
        raise InvalidArgument(name, f"must be an integer in {low}..{maximum}, "
                                    f"got {_describe(value)}")
    return value


def slot_payload(value: object, name: str = "data") -> bytes:
    if not isinstance(value, xmlrpc.client.Binary):
        raise InvalidArgument(name, f"must be base64 data, got {type(value).__name__}")
    data = value.data
    if len(data) > MAX_SLOT_BYTES:
        raise InvalidArgument(name, f"must be at most {MAX_SLOT_BYTES} bytes, got {len(data)}")
    try:
        data.decode("utf-8")
    except UnicodeDecodeError as e:
        raise InvalidArgument(name, f"must be UTF-8 text, bad byte at offset {e.start}") from None
    if not data.isascii():
        # Upstream readers cut the decoded volume every 4096 characters: one
        # multi-byte character would shift every later slot for them.
        offset = next(i for i, b in enumerate(data) if b >= 0x80)
        raise InvalidArgument(name, f"must be ASCII text, non-ASCII character at offset {offset}")
    return data


def host_list(value: object, name: str = "alive_hosts") -> list[int]:
    if not isinstance(value, list):
        raise InvalidArgument(name, f"must be an array of host ids, got {type(value).__name__}")
    if len(value) > constants.MAX_HOST_ID_SCAN + 1:
        raise InvalidArgument(name, f"has {len(value)} entries, "
                                    f"at most {constants.MAX_HOST_ID_SCAN + 1} allowed")
    return [host_id(v, name=f"{name}[{i}]") for i, v in enumerate(value)]


def text(value: object, name: str, max_length: int = MAX_TEXT) -> str:
    if not isinstance(value, str):
        raise InvalidArgument(name, f"must be a string, got {type(value).__name__}")
    if len(value) > max_length:
        raise InvalidArgument(name, f"must be at most {max_length} characters, got {len(value)}")
    return value


def options(value: object, name: str = "options") -> dict[str, str | None]:
    """A struct of string (or nil) values; numbers are taken as their text."""
    if not isinstance(value, dict):
        raise InvalidArgument(name, f"must be a struct, got {type(value).__name__}")
    if len(value) > MAX_OPTIONS:
        raise InvalidArgument(name, f"has {len(value)} entries, at most {MAX_OPTIONS} allowed")
    result: dict[str, str | None] = {}
    for key, item in value.items():
        text(key, f"{name} key")
        if item is None or isinstance(item, str):
            result[key] = item
        elif type(item) in (int, float):
            result[key] = str(item)
        else:
            raise InvalidArgument(f"{name}[{key!r}]",
                                  f"must be a string or nil, got {type(item).__name__}")
        if isinstance(result[key], str):
            text(result[key], f"{name}[{key!r}]")
    return result
