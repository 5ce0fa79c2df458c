"""The geometry of a sanlock lockspace, read from its first delta lease.

How many host ids a lockspace holds depends on the sector size and the
alignment it was written with (spec/reliability.md §1.2): 512-byte sectors
-> 2000; 4 KiB sectors -> 250 per MiB of alignment (1 MiB -> 250 ... 8 MiB
-> 2000). sanlock's `get_alignment` reports the device's default, not what
the lockspace was written with, so the leader record is read directly: a
little-endian header of magic, version, flags (one alignment bit) and
sector size.
"""

import dataclasses
import struct

from ..env import constants
from ..lib import directio, exceptions

MIB = 1024 * 1024
DELTA_MAGIC = 0x12212010
LEADER = struct.Struct("<IIII")  # magic, version, flags, sector_size
ALIGN_FLAGS = {0x10: MIB, 0x20: 2 * MIB, 0x40: 4 * MIB, 0x80: 8 * MIB}
READ_BYTES = 4096


@dataclasses.dataclass(frozen=True)
class Geometry:
    sector_size: int
    align: int = MIB  # what write_lockspace uses when given the sector size only

    @property
    def max_hosts(self) -> int:
        if self.sector_size == 512:
            return constants.MAX_HOST_ID_SCAN
        return max(1, min(constants.MAX_HOST_ID_SCAN, 250 * self.align // MIB))


def parse(leader: bytes) -> Geometry | None:
    """The geometry in a delta-lease leader; None when it is not one."""
    if len(leader) < LEADER.size:
        return None
    magic, _version, flags, sector_size = LEADER.unpack_from(leader)
    if magic != DELTA_MAGIC or sector_size not in (512, 4096):
        return None
    align = next((size for bit, size in ALIGN_FLAGS.items() if flags & bit), MIB)
    return Geometry(sector_size, align)


def read(path: str, sector_size: int) -> Geometry:
    """The lockspace's geometry; the default one for `sector_size` if unreadable."""
    try:
        found = parse(directio.read(path, 0, READ_BYTES))
    except (OSError, exceptions.StorageError):
        found = None
    return found or Geometry(sector_size)
