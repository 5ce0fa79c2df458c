"""Is a slot image intact? The broker's only look inside the opaque slots.

A reader must not serve a torn or corrupted slot in place of a good one
(design.md D4): a host slot whose header carries a checksum must match it,
and every slot must be UTF-8 text (upstream readers decode it).
"""

import zlib

HEADER_BYTES = 512
CRC_TOKEN = 9
EMPTY_CRC = "00000000"


def header_crc_ok(header: str) -> bool:
    tokens = header.split("|")
    if len(tokens) <= CRC_TOKEN:
        return True  # an older header without a checksum
    expected = tokens[CRC_TOKEN]
    tokens[CRC_TOKEN] = EMPTY_CRC
    actual = "%08x" % (zlib.crc32("|".join(tokens).encode("utf-8")) & 0xFFFFFFFF)
    return actual == expected


def intact(slot: int, image: bytes) -> bool:
    try:
        image.rstrip(b"\0").decode("utf-8")
    except UnicodeDecodeError:
        return False
    if slot == 0:
        return True
    header = image[:HEADER_BYTES].rstrip(b"\0").decode("utf-8", "replace")
    return header_crc_ok(header)
