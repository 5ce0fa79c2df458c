"""A sanlock delta lease as it lies on disk: one leader record per host id.

A lockspace holds one delta lease per host id, host `k` in the sector at
`(k - 1) * sector_size` (512 or 4096 bytes). Each starts with a leader
record, little-endian (checked byte for byte against what sanlock 3.8.5
writes, tests/unit/test_lab_delta_lease.py):

    0x00 magic u32 (0x12212010)   0x04 version u32     0x08 flags u32
    0x0c sector_size u32          0x10 num_hosts u64   0x18 max_hosts u64
    0x20 owner_id u64             0x28 owner_generation u64
    0x30 lver u64                 0x38 space_name[48]  0x68 resource_name[48]
    0x98 timestamp u64            0xa0 unused u64      0xa8 checksum u32
    0xac unused u16               0xae io_timeout u16
    0xb0 write_id u64             0xb8 write_generation u64
    0xc0 write_timestamp u64

`resource_name` is the owner's sanlock host name (`sanlock daemon -e`),
`space_name` the lockspace's. `timestamp` is the owner's monotonic clock in
seconds at its last renewal, 0 once the lease is released (free). The
checksum is CRC-32C (Castagnoli, reflected) over the 168 bytes before it,
started from 0xfffffffe and not inverted at the end. The rest of the
sector is zero here (sanlock keeps request bits there).
"""

import dataclasses
import struct

from ..broker.lockspace_geometry import DELTA_MAGIC

RECORD = struct.Struct("<IIIIQQQQQ48s48sQQIHHQQQ")
CHECKSUM_OFFSET = 0xa8      # the checksum covers the bytes before it
CRC_SEED = 0xfffffffe
NAME_SIZE = 48
FREE = 0                    # the timestamp of a released lease

_POLY = 0x82f63b78          # CRC-32C, reflected


def _table() -> tuple[int, ...]:
    table = []
    for byte in range(256):
        crc = byte
        for _ in range(8):
            crc = (crc >> 1) ^ _POLY if crc & 1 else crc >> 1
        table.append(crc)
    return tuple(table)


_TABLE = _table()


def crc32c(data: bytes, crc: int = CRC_SEED) -> int:
    """CRC-32C of `data` continued from `crc`, as sanlock computes it (no final inversion)."""
    table = _TABLE
    for byte in data:
        crc = table[(crc ^ byte) & 0xff] ^ (crc >> 8)
    return crc


def _name(value: bytes) -> bytes:
    return value.split(b"\0", 1)[0]


@dataclasses.dataclass(frozen=True)
class Leader:
    """One host id's leader record (names without their NUL padding)."""

    magic: int = DELTA_MAGIC
    version: int = 0
    flags: int = 0
    sector_size: int = 512
    num_hosts: int = 0
    max_hosts: int = 1
    owner_id: int = 0
    owner_generation: int = 0
    lver: int = 0
    space_name: bytes = b""
    resource_name: bytes = b""
    timestamp: int = FREE
    unused1: int = 0
    checksum: int = 0
    unused2: int = 0
    io_timeout: int = 0
    write_id: int = 0
    write_generation: int = 0
    write_timestamp: int = 0

    def replace(self, **changes: object) -> "Leader":
        return dataclasses.replace(self, **changes)  # type: ignore[arg-type]

    @property
    def is_delta_lease(self) -> bool:
        return self.magic == DELTA_MAGIC


def decode(data: bytes) -> Leader:
    """The leader record at the start of `data` (a sector)."""
    fields = list(RECORD.unpack_from(data))
    fields[9], fields[10] = _name(fields[9]), _name(fields[10])
    return Leader(*fields)


def checksum_of(data: bytes) -> int:
    """The checksum a record starting `data` should carry."""
    return crc32c(data[:CHECKSUM_OFFSET])


def valid(data: bytes) -> bool:
    """`data` starts with a delta lease whose checksum matches."""
    record = decode(data)
    return record.is_delta_lease and record.checksum == checksum_of(data)


def encode(record: Leader) -> bytes:
    """The record's bytes with its checksum computed (the `checksum` field is ignored)."""
    for name in (record.space_name, record.resource_name):
        if len(name) >= NAME_SIZE:
            raise ValueError(f"sanlock name {name!r} is longer than {NAME_SIZE - 1} bytes")
    values = list(dataclasses.astuple(record))
    values[13] = 0
    body = RECORD.pack(*values)
    crc = checksum_of(body)
    return body[:CHECKSUM_OFFSET] + struct.pack("<I", crc) + body[CHECKSUM_OFFSET + 4:]


def sector(record: Leader) -> bytes:
    """A whole sector (record.sector_size bytes) holding `record`, zero padded."""
    return encode(record).ljust(record.sector_size, b"\0")


TIMESTAMP_OFFSET = 0x98


class Stamper:
    """Sectors of one record at changing timestamps; the fixed part's CRC is kept."""

    def __init__(self, record: Leader) -> None:
        data = encode(record)
        self.record = record
        self._head = data[:TIMESTAMP_OFFSET]
        self._crc = crc32c(self._head)
        self._tail = data[CHECKSUM_OFFSET + 4:].ljust(
            record.sector_size - CHECKSUM_OFFSET - 4, b"\0")

    def sector(self, timestamp: int) -> bytes:
        middle = struct.pack("<QQ", timestamp, self.record.unused1)
        crc = crc32c(middle, self._crc)
        return self._head + middle + struct.pack("<I", crc) + self._tail
