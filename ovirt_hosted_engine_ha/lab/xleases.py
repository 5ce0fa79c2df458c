"""vdsm's external leases volume (`dom_md/xleases`): where a VM lease lives.

vdsm keeps VM leases in the storage domain's xleases volume, divided into
slots of one lease alignment each (vdsm: 1 MiB with 512-byte sectors,
8 MiB with 4 KiB ones; the lab's sanlock uses 1 MiB for both):

    slot 0   lockspace slot (unused by vdsm: the domain's lockspace is dom_md/ids)
    slot 1   the index: lease id -> lease offset
    slot 2   reserved for sanlock's own use
    slot 3+  user leases; record n of the index maps to slot 3 + n

The index starts with one metadata block (a sector): magic 0x12152016
(32-bit big endian), NUL, format version "0001", NUL, the lockspace name
(48 bytes, NUL padded), NUL, mtime (10 digits), NUL, updating flag ("-"
idle, "u" updating), NUL padding, newline as the 512th byte; a 4 KiB
block is zero-filled after that. Then 4000 records of 64 bytes: lease id
(48 bytes, NUL padded; all NUL = free), NUL, offset (11 digits, for
humans: readers compute the offset from the record number), NUL, updating
flag, reserved flag, newline.

The lab writes the index with the engine VM's lease in record 0 and the
engine's stand-in finds the lease by looking its id up, as vdsm does for a
VM's lease device.
"""

from __future__ import annotations

import os
import struct
import time

MAGIC = 0x12152016
VERSION = 1
LOCKSPACE_SLOT, INDEX_SLOT, PRIVATE_SLOT, USER_SLOT = 0, 1, 2, 3
MAX_RECORDS = 4000
RECORD_SIZE = 64
NAME_SIZE = 48
FREE = b"-"
UPDATING = b"u"
METADATA = struct.Struct(">i x 4s x 48s x 10s x c 440x c")
RECORD = struct.Struct("48s x 11s x c c c")


class XleasesError(Exception):
    """The index cannot be used, or does not know the lease."""


def lease_offset(record: int, align: int) -> int:
    """Byte offset of the lease of index record `record`."""
    return (USER_SLOT + record) * align


def volume_size(records: int, align: int) -> int:
    """Bytes needed for the first `records` user leases."""
    return lease_offset(records, align)


def format_index(lockspace: str, lease_ids: list[str], align: int, sector: int,
                 mtime: int | None = None) -> bytes:
    """The whole index (metadata block + every record), the first ids in use."""
    if len(lease_ids) > MAX_RECORDS:
        raise XleasesError(f"at most {MAX_RECORDS} leases, got {len(lease_ids)}")
    meta = METADATA.pack(MAGIC, b"%04d" % VERSION, lockspace.encode("ascii"),
                         b"%010d" % int(time.time() if mtime is None else mtime),
                         FREE, b"\n").ljust(sector, b"\0")
    records = []
    for n in range(MAX_RECORDS):
        name, offset = (lease_ids[n], lease_offset(n, align)) if n < len(lease_ids) \
            else ("", 0)
        records.append(RECORD.pack(name.encode("ascii"), b"%011d" % offset, FREE, FREE, b"\n"))
    return meta + b"".join(records)


def write(path: str | os.PathLike[str], lockspace: str, lease_ids: list[str], align: int,
          sector: int) -> None:
    """Create the volume: sized for these leases, with the index (no sanlock data)."""
    with open(path, "wb") as f:
        f.truncate(volume_size(len(lease_ids), align))
        f.seek(INDEX_SLOT * align)
        f.write(format_index(lockspace, lease_ids, align, sector))
        os.fsync(f.fileno())


def lookup(path: str | os.PathLike[str], lease_id: str, align: int, sector: int) -> int:
    """The offset of `lease_id` in the volume at `path`, as vdsm finds it."""
    size = sector + MAX_RECORDS * RECORD_SIZE
    with open(path, "rb") as f:
        f.seek(INDEX_SLOT * align)
        index = f.read(size)
    if len(index) < size:
        raise XleasesError(f"{path}: index truncated ({len(index)} of {size} bytes)")
    magic, version, _, _, updating, _ = METADATA.unpack(index[:METADATA.size])
    if magic != MAGIC or version != b"%04d" % VERSION:
        raise XleasesError(f"{path}: no xleases index (magic {magic:#x}, version {version!r})")
    if updating == UPDATING:
        raise XleasesError(f"{path}: the index is being updated")
    wanted = lease_id.encode("ascii").ljust(NAME_SIZE, b"\0")
    for n in range(MAX_RECORDS):
        start = sector + n * RECORD_SIZE
        name, _, flag, _, _ = RECORD.unpack(index[start:start + RECORD_SIZE])
        if name == wanted:
            if flag == UPDATING:
                raise XleasesError(f"{path}: lease {lease_id} is being updated")
            return lease_offset(n, align)
    raise XleasesError(f"{path}: no lease {lease_id} in the index")

