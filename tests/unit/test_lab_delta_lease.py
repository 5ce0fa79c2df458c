"""The delta-lease record encoder and its checksum, against sectors sanlock wrote.

The sectors below were read from a lab lockspace (sanlock 3.8.5, io timeout 1):
host 1 joined, a never-used id, host 2 after its rem_lockspace, and host 1
on a 4 KiB-sector lockspace. Only the first bytes are kept: sanlock wrote
zeros after the record.
"""

import struct

import pytest

from ovirt_hosted_engine_ha.lab import delta_lease
from ovirt_hosted_engine_ha.lab.delta_lease import Leader, Stamper


def captured(size: int, parts: tuple[str, ...]) -> bytes:
    return bytes.fromhex("".join(parts)).ljust(size, b"\0")


JOINED_HOST1 = captured(512, (
    "10202112040003001000000000020000000000000000000001000000000000000100000000000000"
    "01000000000000000000000000000000686f737465642d656e67696e650000000000000000000000"
    "0000000000000000000000000000000000000000000000006c61622d64316235623935322d686f73"
    "7431000000000000000000000000000000000000000000000000000000000000222b000000000000"
    "00000000000000000c732db2000001",
))
FREE = captured(512, (
    "10202112040003001000000000020000000000000000000001000000000000000000000000000000"
    "00000000000000000000000000000000686f737465642d656e67696e650000000000000000000000"
    "00000000000000000000000000000000000000000000000000000000000000000000000000000000"
    "00000000000000000000000000000000000000000000000000000000000000000000000000000000"
    "0000000000000000d95cea32000001",
))
RELEASED_HOST2 = captured(512, (
    "10202112040003001000000000020000000000000000000001000000000000000200000000000000"
    "01000000000000000000000000000000686f737465642d656e67696e650000000000000000000000"
    "0000000000000000000000000000000000000000000000006c61622d64316235623935322d686f73"
    "74320000000000000000000000000000000000000000000000000000000000000000000000000000"
    "00000000000000005e8e09a3000001",
))
JOINED_4K = captured(4096, (
    "10202112040003001000000000100000000000000000000001000000000000000100000000000000"
    "01000000000000000000000000000000686f737465642d656e67696e650000000000000000000000"
    "0000000000000000000000000000000000000000000000006c61622d33643938316566622d686f73"
    "74310000000000000000000000000000000000000000000000000000000000003c2b000000000000"
    "00000000000000000cf06f5f000001",
))


ALL = [JOINED_HOST1, FREE, RELEASED_HOST2, JOINED_4K]


def test_decodes_what_sanlock_wrote():
    record = delta_lease.decode(JOINED_HOST1)
    assert record.is_delta_lease
    assert (record.version, record.flags, record.sector_size) == (0x30004, 0x10, 512)
    assert (record.owner_id, record.owner_generation, record.max_hosts) == (1, 1, 1)
    assert record.space_name == b"hosted-engine"
    assert record.resource_name == b"lab-d1b5b952-host1"
    assert (record.timestamp, record.io_timeout) == (0x2b22, 1)
    assert delta_lease.decode(RELEASED_HOST2).timestamp == delta_lease.FREE
    assert delta_lease.decode(FREE).owner_id == 0
    assert delta_lease.decode(JOINED_4K).sector_size == 4096


@pytest.mark.parametrize("data", ALL, ids=["joined", "free", "released", "4k"])
def test_encoder_reproduces_sanlock_byte_for_byte(data):
    record = delta_lease.decode(data)
    assert delta_lease.checksum_of(data) == record.checksum
    assert delta_lease.valid(data)
    assert delta_lease.sector(record.replace(checksum=0)) == data


def test_checksum_is_crc32c_seeded_with_not_1():
    # the standard CRC-32C check value, with the usual seed and final inversion
    assert delta_lease.crc32c(b"123456789", 0xffffffff) ^ 0xffffffff == 0xe3069283
    stored = struct.unpack_from("<I", JOINED_HOST1, 0xa8)[0]
    assert delta_lease.crc32c(JOINED_HOST1[:0xa8]) == stored


def test_a_changed_byte_breaks_the_checksum():
    broken = bytearray(JOINED_HOST1)
    broken[0x98] ^= 1      # the timestamp
    assert not delta_lease.valid(bytes(broken))
    assert not delta_lease.valid(bytes(512))


def test_stamper_matches_the_full_encoder():
    record = delta_lease.decode(JOINED_HOST1)
    stamper = Stamper(record)
    assert stamper.sector(record.timestamp) == JOINED_HOST1
    for timestamp in (0, 1, 0x2b24, 2**40):
        assert stamper.sector(timestamp) == delta_lease.sector(record.replace(timestamp=timestamp))
    released = delta_lease.decode(RELEASED_HOST2)
    assert Stamper(released.replace(timestamp=0x2b22)).sector(0) == RELEASED_HOST2


def test_names_must_fit():
    with pytest.raises(ValueError):
        delta_lease.encode(Leader(resource_name=b"x" * 48))
