"""Host slots of the metadata volume: `HostSlot` and its byte codec.

Layout, rules and the ASCII-only policy are described in lib/metadata.py,
which re-exports every public name here (import them from there).
"""

from __future__ import annotations

import binascii
import dataclasses
import re
from typing import Any

from ..env import constants
from .exceptions import InvalidMetadataRecord, MalformedMetadata, MetadataTooNew

SLOT_BYTES = constants.HOST_SEGMENT_BYTES
HEADER_BYTES = constants.METADATA_BLOCK_BYTES
EXTRA_BYTES = SLOT_BYTES - HEADER_BYTES
PARSE_VERSION = constants.METADATA_PARSE_VERSION
FEATURE_VERSION = constants.METADATA_FEATURE_VERSION

SEPARATOR = "|"
CRC_INDEX = 9
CRC_PLACEHOLDER = "00000000"
# Header lengths written by some version: 1.0, 1.1/1.2, 1.3 (stopped + crc),
# 2.1 and later (shared configuration fields); a newer writer may add tokens.
KNOWN_TOKEN_COUNTS = (7, 8, 10, 12)

_DIGITS = re.compile(r"[0-9]+", re.ASCII)
_INTEGER = re.compile(r"-?[0-9]+", re.ASCII)


@dataclasses.dataclass(frozen=True)
class HostSlot:
    """The record a host's agent publishes in its slot.

    `host_id` is the slot index (the parser ignores header token 3 and uses
    the slot, as upstream does). The optional groups are `None` for a header
    written by an older version: `maintenance` (tokens >= 8), `stopped` (and
    with it the checksum, tokens >= 10), `conf_on_shared_storage` together
    with `local_conf_timestamp` (tokens >= 12). `more_tokens` keeps tokens a
    newer writer appended after token 11.
    """

    host_id: int
    host_ts: int
    score: int
    engine_status: str
    hostname: str
    maintenance: bool | None = False
    stopped: bool | None = False
    conf_on_shared_storage: bool | None = True
    local_conf_timestamp: int | None = 0
    extra: str = ""
    parse_version: int = PARSE_VERSION
    feature_version: int = FEATURE_VERSION
    more_tokens: tuple[str, ...] = ()

    @property
    def crc32(self) -> str | None:
        """The header checksum (`None` for headers older than the checksum)."""
        tokens = _header_tokens(self)
        return _crc(tokens) if len(tokens) > CRC_INDEX else None

    def to_stats(self) -> dict[str, Any]:
        """Upstream's dict for this host (spec/client.md §4.1), without `live-data`."""
        stats: dict[str, Any] = {
            "host-id": self.host_id,
            "host-ts": self.host_ts,
            "score": self.score,
            "engine-status": self.engine_status,
            "hostname": self.hostname,
        }
        if self.maintenance is not None:
            stats["maintenance"] = self.maintenance
        if self.stopped is not None:
            stats["stopped"] = self.stopped
            stats["crc32"] = self.crc32
        if self.conf_on_shared_storage is not None:
            stats["conf_on_shared_storage"] = self.conf_on_shared_storage
            stats["local_conf_timestamp"] = self.local_conf_timestamp
        if self.extra:
            stats["extra"] = self.extra
        return stats


# Host slots


def build_host_slot(slot: HostSlot, *, pad: bool = True) -> bytes:
    """Encode `slot`; raise `InvalidMetadataRecord` if it cannot be encoded.

    With `pad` the result is the whole 4096-byte slot; without it, what
    upstream's agent sends: the 512-byte header block followed by the extra
    text NUL-padded to a multiple of 512 bytes.
    """
    _check_record(slot)
    header = _encode(slot.host_id, _header_text(_header_tokens(slot)), "header")
    if len(header) > HEADER_BYTES:
        raise InvalidMetadataRecord(
            slot.host_id, f"header is {len(header)} bytes, more than {HEADER_BYTES}")
    extra = _encode(slot.host_id, slot.extra, "extra text")
    if len(extra) > EXTRA_BYTES:
        raise InvalidMetadataRecord(
            slot.host_id, f"extra text is {len(extra)} bytes, more than {EXTRA_BYTES}")
    extra_size = EXTRA_BYTES if pad else -(-len(extra) // HEADER_BYTES) * HEADER_BYTES
    return header.ljust(HEADER_BYTES, b"\0") + extra.ljust(extra_size, b"\0")


def parse_host_slot(host_id: int, data: bytes | str) -> HostSlot:
    """Decode the slot of host `host_id`.

    `data` is the slot as read (4096 bytes; trailing NULs may be missing, as
    in the payload of a local `put_stats`). Raise `MalformedMetadata` or
    `MetadataTooNew`, both naming the slot.
    """
    if not _is_int(host_id) or not 1 <= host_id <= constants.MAX_HOST_ID_SCAN:
        raise MalformedMetadata(
            host_id, f"host id must be an integer in 1..{constants.MAX_HOST_ID_SCAN}")
    raw = data.encode("utf-8", "surrogateescape") if isinstance(data, str) else bytes(data)
    if len(raw) < HEADER_BYTES:
        raise MalformedMetadata(host_id, f"received {len(raw)} of {HEADER_BYTES} expected bytes")
    header = decode_text(host_id, raw[:HEADER_BYTES].rstrip(b"\0"), "header")
    if "\0" in header:
        raise MalformedMetadata(host_id, "the header contains a NUL byte")
    extra = decode_text(host_id, raw[HEADER_BYTES:SLOT_BYTES].rstrip(b"\0"), "extra text")
    tokens = _split_header(host_id, header)
    n = len(tokens)
    if n > CRC_INDEX and tokens[CRC_INDEX] != _crc(tokens):
        raise MalformedMetadata(
            host_id, f"checksum {tokens[CRC_INDEX]!r} does not match the header "
                     f"(expected {_crc(tokens)!r})")
    feature_version = _integer(host_id, tokens, 1, "feature version")
    if feature_version < PARSE_VERSION:
        raise MalformedMetadata(
            host_id, f"feature version {feature_version} is older than {PARSE_VERSION}")
    return HostSlot(
        host_id=host_id,
        host_ts=_integer(host_id, tokens, 2, "timestamp"),
        score=_integer(host_id, tokens, 4, "score"),
        engine_status=tokens[5],
        hostname=tokens[6],
        maintenance=_flag(host_id, tokens, 7, "maintenance") if n > 7 else None,
        stopped=_flag(host_id, tokens, 8, "stopped") if n > 8 else None,
        conf_on_shared_storage=(
            _flag(host_id, tokens, 10, "conf_on_shared_storage") if n > 11 else None),
        local_conf_timestamp=(
            _integer(host_id, tokens, 11, "local_conf_timestamp") if n > 11 else None),
        extra=extra,
        parse_version=int(tokens[0]),
        feature_version=feature_version,
        more_tokens=tuple(tokens[12:]),
    )


def slot_checksum_ok(slot: int, data: bytes) -> bool:
    """Whether `data`, as read from slot `slot`, is not torn or corrupt.

    For the broker, which keeps the last good value of a slot failing this
    test. True for an empty slot (first byte NUL), for slot 0 (the global
    slot has no checksum), for a host header older than the checksum, and
    for a header in a newer format (not ours to judge). False when the
    header is not ASCII, has no version, too few tokens or a checksum that
    does not match. Field values are not checked here: `parse_host_slot`
    reports those.
    """
    if slot == 0 or not data or data[0] == 0:
        return True
    try:
        header = bytes(data[:HEADER_BYTES]).rstrip(b"\0").decode("ascii")
    except UnicodeDecodeError:
        return False
    version = _DIGITS.match(header)
    if version is None:
        return False
    if int(version.group()) > FEATURE_VERSION:
        return True
    tokens = header.split(SEPARATOR)
    if len(tokens) <= CRC_INDEX:
        return len(tokens) in KNOWN_TOKEN_COUNTS
    return tokens[CRC_INDEX] == _crc(tokens)


def slot_is_empty(data: bytes | str) -> bool:
    """A slot is present on the volume iff its first byte is not NUL."""
    return not data or data[0] in (0, "\0")


def to_bool(value: object) -> bool | None:
    """Upstream's boolean rule: first character t/y/1 or f/n/0; else `None`."""
    first = str(value)[:1].lower()
    if first in ("t", "y", "1"):
        return True
    if first in ("f", "n", "0"):
        return False
    return None


# Helpers


def _header_tokens(slot: HostSlot) -> list[str]:
    tokens = [str(slot.parse_version), str(slot.feature_version), str(slot.host_ts),
              str(slot.host_id), str(slot.score), slot.engine_status, slot.hostname]
    if slot.maintenance is None:
        return tokens
    tokens.append(_bit(slot.maintenance))
    if slot.stopped is None:
        return tokens
    tokens += [_bit(slot.stopped), CRC_PLACEHOLDER]
    if slot.conf_on_shared_storage is None:
        return tokens
    tokens += [_bit(slot.conf_on_shared_storage), str(slot.local_conf_timestamp)]
    return tokens + list(slot.more_tokens)


def _header_text(tokens: list[str]) -> str:
    if len(tokens) > CRC_INDEX:
        tokens = tokens[:CRC_INDEX] + [_crc(tokens)] + tokens[CRC_INDEX + 1:]
    return SEPARATOR.join(tokens)


def _crc(tokens: list[str]) -> str:
    zeroed = tokens[:CRC_INDEX] + [CRC_PLACEHOLDER] + tokens[CRC_INDEX + 1:]
    return "%08x" % (binascii.crc32(SEPARATOR.join(zeroed).encode("utf-8")) & 0xFFFFFFFF)


def _bit(value: bool) -> str:
    return "1" if value else "0"


def _check_record(slot: HostSlot) -> None:
    def bad(reason: str) -> InvalidMetadataRecord:
        return InvalidMetadataRecord(slot.host_id, reason)

    if not _is_int(slot.host_id) or not 1 <= slot.host_id <= constants.MAX_HOST_ID_SCAN:
        raise bad(f"host id must be an integer in 1..{constants.MAX_HOST_ID_SCAN}")
    for name in ("host_ts", "score"):
        if not _is_int(getattr(slot, name)):
            raise bad(f"{name} must be an integer")
    if not _is_int(slot.parse_version) or not 0 <= slot.parse_version <= FEATURE_VERSION:
        raise bad(f"parse version must be an integer in 0..{FEATURE_VERSION}")
    if not _is_int(slot.feature_version) or slot.feature_version < PARSE_VERSION:
        raise bad(f"feature version must be an integer >= {PARSE_VERSION}")
    texts = {"engine_status": slot.engine_status, "hostname": slot.hostname}
    texts.update((f"more_tokens[{i}]", t) for i, t in enumerate(slot.more_tokens))
    for name, value in texts.items():
        if not isinstance(value, str) or SEPARATOR in value or "\0" in value:
            raise bad(f"{name} must be text without '|' or NUL")
    _check_optional_groups(slot, bad)
    if not isinstance(slot.extra, str) or slot.extra.endswith("\0"):
        raise bad("extra must be text not ending with NUL")


def _check_optional_groups(slot: HostSlot, bad: Any) -> None:
    groups = [
        ("maintenance", slot.maintenance is not None),
        ("stopped", slot.stopped is not None),
        ("conf_on_shared_storage", slot.conf_on_shared_storage is not None),
    ]
    if (slot.conf_on_shared_storage is None) != (slot.local_conf_timestamp is None):
        raise bad("conf_on_shared_storage and local_conf_timestamp go together")
    for (_, present), (name, later) in zip(groups, groups[1:], strict=False):
        if later and not present:
            raise bad(f"{name} needs every earlier optional field")
    for name in ("maintenance", "stopped", "conf_on_shared_storage"):
        value = getattr(slot, name)
        if value is not None and not isinstance(value, bool):
            raise bad(f"{name} must be a bool or None")
    if slot.local_conf_timestamp is not None and not _is_int(slot.local_conf_timestamp):
        raise bad("local_conf_timestamp must be an integer")
    if slot.more_tokens and slot.conf_on_shared_storage is None:
        raise bad("more_tokens need every optional field")


def _encode(slot: int, text: str, what: str) -> bytes:
    try:
        return text.encode("ascii")
    except UnicodeEncodeError as e:
        raise InvalidMetadataRecord(
            slot, f"{what} is not ASCII ({text[e.start]!r} at {e.start})") from None


def _is_int(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def decode_text(slot: int, raw: bytes, what: str) -> str:
    try:
        return raw.decode("ascii")
    except UnicodeDecodeError as e:
        raise MalformedMetadata(
            slot, f"{what} is not ASCII text (byte 0x{raw[e.start]:02x} at {e.start})") from None


def _split_header(host_id: int, header: str) -> list[str]:
    version = _DIGITS.match(header)
    if version is None:
        raise MalformedMetadata(host_id, "the header does not start with a version number")
    if int(version.group()) > FEATURE_VERSION:
        raise MetadataTooNew(host_id, int(version.group()), FEATURE_VERSION)
    tokens = header.split(SEPARATOR)
    if len(tokens) not in KNOWN_TOKEN_COUNTS and len(tokens) < KNOWN_TOKEN_COUNTS[-1]:
        raise MalformedMetadata(
            host_id, f"the header has {len(tokens)} fields, expected one of "
                     + ", ".join(map(str, KNOWN_TOKEN_COUNTS)) + " or more")
    if not _DIGITS.fullmatch(tokens[0]):
        raise MalformedMetadata(host_id, f"parse version {tokens[0]!r} is not an integer")
    return tokens


def _integer(host_id: int, tokens: list[str], index: int, name: str) -> int:
    if not _INTEGER.fullmatch(tokens[index]):
        raise MalformedMetadata(
            host_id, f"{name} (field {index}) is not an integer: {tokens[index]!r}")
    return int(tokens[index])


def _flag(host_id: int, tokens: list[str], index: int, name: str) -> bool:
    return _integer(host_id, tokens, index, name) > 0
