"""Check that a directory is on a disk-backed filesystem with real O_DIRECT.

tmpfs accepts O_DIRECT on recent kernels without checking alignment, so
misaligned I/O would pass silently there (spec/sanlock-lab.md §4): the lab
refuses it by filesystem type, then proves direct I/O works with one
aligned 4096-byte write and read.
"""

import mmap
import os

from . import errors

MEMORY_FILESYSTEMS = ("tmpfs", "ramfs", "devtmpfs", "hugetlbfs")
PROBE_SIZE = 4096


def _unescape(field: str) -> str:
    # /proc/self/mountinfo escapes space, tab, newline and backslash as octal.
    for code, char in (("\\040", " "), ("\\011", "\t"), ("\\012", "\n"), ("\\134", "\\")):
        field = field.replace(code, char)
    return field


def fs_type(path: str | os.PathLike[str]) -> str:
    """The type of the filesystem holding `path` (its longest mount point)."""
    real = os.path.realpath(path)
    best, best_type = "", "unknown"
    with open("/proc/self/mountinfo") as f:
        for line in f:
            fields = line.split()
            mount_point = _unescape(fields[4])
            fstype = fields[fields.index("-") + 1]
            inside = real == mount_point or real.startswith(mount_point.rstrip("/") + "/")
            if inside and len(mount_point) >= len(best):
                best, best_type = mount_point, fstype
    return best_type


def probe_direct_io(directory: str | os.PathLike[str]) -> None:
    """Write and read back 4096 aligned bytes with O_DIRECT in `directory`."""
    path = os.path.join(directory, f".odirect-probe-{os.getpid()}")
    buf = mmap.mmap(-1, PROBE_SIZE)
    try:
        pattern = os.urandom(PROBE_SIZE)
        buf.write(pattern)
        fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_DIRECT, 0o600)
        try:
            os.pwritev(fd, [buf], 0)
            back = mmap.mmap(-1, PROBE_SIZE)
            try:
                n = os.preadv(fd, [back], 0)
                if n != PROBE_SIZE or back[:] != pattern:
                    raise errors.DirectIOFailed(os.fspath(directory), "data read back differs")
            finally:
                back.close()
        finally:
            os.close(fd)
    except OSError as e:
        raise errors.DirectIOFailed(os.fspath(directory), str(e)) from e
    finally:
        buf.close()
        try:
            os.unlink(path)
        except FileNotFoundError:
            pass


def check_disk_backed(directory: str | os.PathLike[str]) -> None:
    """Raise NotDiskBacked or DirectIOFailed unless `directory` suits the lab."""
    fstype = fs_type(directory)
    if fstype in MEMORY_FILESYSTEMS:
        raise errors.NotDiskBacked(os.fspath(directory), fstype)
    probe_direct_io(directory)
