"""Check that a directory is on a disk-backed filesystem with real O_DIRECT.

tmpfs accepts O_DIRECT on recent kernels without checking alignment, so
misaligned I/O would pass silently there (spec/sanlock-lab.md §4): the lab
refuses it by filesystem type, then proves direct I/O works with one
aligned 4096-byte write and read.
"""

import os

from ..lib import directio, exceptions
from . import errors

MEMORY_FILESYSTEMS = directio.MEMORY_FILESYSTEMS
fs_type = directio.filesystem_type


def probe_direct_io(directory: str | os.PathLike[str]) -> None:
    """Write and read back 4096 aligned bytes with O_DIRECT in `directory`."""
    try:
        directio.probe(directory)
    except exceptions.StorageError as e:
        raise errors.DirectIOFailed(os.fspath(directory), str(e)) from e


def check_disk_backed(directory: str | os.PathLike[str]) -> None:
    """Raise NotDiskBacked or DirectIOFailed unless `directory` suits the lab."""
    fstype = fs_type(directory)
    if fstype in MEMORY_FILESYSTEMS:
        raise errors.NotDiskBacked(os.fspath(directory), fstype)
    probe_direct_io(directory)
