"""Metadata codec: the slots of the shared metadata volume ("whiteboard").

The volume is an array of 4096-byte slots (spec/broker.md §6). Slot 0 holds
the global flags, slot N the record of host N. This module is the one place
that turns slot bytes into records and back (host slots in metadata_host.py,
the global slot in metadata_global.py; every public name is importable
from here):

    HostSlot   <- parse_host_slot(host_id, data)    build_host_slot(slot) -> bytes
    GlobalSlot <- parse_global_slot(data)           build_global_slot(g)  -> bytes

The bytes are upstream's, so a slot written here parses with upstream's
parser and the other way round. Unlike upstream, every malformed slot (short,
not ASCII, bad checksum, non-integer field, ...) raises `MalformedMetadata`
for that slot, a slot in a newer format raises `MetadataTooNew`; both are
`MetadataError`s, never a plain ValueError. The checksum is verified before
any field is converted.

Host slot layout: bytes 0..511 are the header, pipe-joined tokens padded with
NUL; bytes 512.. are free ``key=value`` text for humans ("extra"), padded with
NUL. Header tokens, in order: parse version, feature version, timestamp, host
id, score, engine status (JSON text), host name, local maintenance (0/1),
stopped (0/1), CRC-32, configuration on shared storage (0/1), vm.conf refresh
time. Older writers stop after token 6, 7 or 9; all of those still parse.

Slots are ASCII, both ways. Upstream's writers only ever produce ASCII
(`json.dumps` escapes, host names, `ctime`), while upstream's readers decode
the whole volume and cut it every 4096 *characters*: one multi-byte
character would shift every later slot for them. So a non-ASCII byte is a
malformed slot here, and a record with non-ASCII text cannot be encoded.
"""

from __future__ import annotations

from typing import Any

from .exceptions import MalformedMetadata
from .metadata_global import (
    GLOBAL_MAINTENANCE,
    GlobalSlot,
    build_global_slot,
    parse_global_slot,
)
from .metadata_host import (
    CRC_INDEX,
    CRC_PLACEHOLDER,
    EXTRA_BYTES,
    FEATURE_VERSION,
    HEADER_BYTES,
    KNOWN_TOKEN_COUNTS,
    PARSE_VERSION,
    SEPARATOR,
    SLOT_BYTES,
    HostSlot,
    build_host_slot,
    parse_host_slot,
    slot_checksum_ok,
    slot_is_empty,
    to_bool,
)

__all__ = [
    "CRC_INDEX", "CRC_PLACEHOLDER", "EXTRA_BYTES", "FEATURE_VERSION", "GLOBAL_MAINTENANCE",
    "HEADER_BYTES", "KNOWN_TOKEN_COUNTS", "PARSE_VERSION", "SEPARATOR", "SLOT_BYTES",
    "GlobalSlot", "HostSlot", "build_global_slot", "build_host_slot",
    "create_global_metadata_from_dict", "global_flags", "parse_global_metadata_to_dict",
    "parse_global_slot", "parse_host_slot", "parse_metadata_to_dict", "slot_checksum_ok",
    "slot_is_empty", "to_bool",
]


# Upstream's function names, for code written against upstream's module.

global_flags = {GLOBAL_MAINTENANCE: lambda value: int(bool(value))}


def parse_metadata_to_dict(host_str: int | str, data: bytes | str) -> dict[str, Any]:
    try:
        host_id = int(host_str)
    except (TypeError, ValueError):
        raise MalformedMetadata(0, f"host id {host_str!r} is not an integer") from None
    return parse_host_slot(host_id, data).to_stats()


def parse_global_metadata_to_dict(log: object, data: bytes | str) -> dict[str, bool]:
    return parse_global_slot(data).to_stats()


def create_global_metadata_from_dict(global_dict: dict[str, object]) -> str:
    maintenance = global_dict.get(GLOBAL_MAINTENANCE)
    flags = GlobalSlot(None if maintenance is None else bool(maintenance))
    return build_global_slot(flags).decode("ascii")
