"""Aligned O_DIRECT reads and writes.

Buffers are anonymous mmaps (page aligned); offsets and lengths are
multiples of 4096, valid on 512- and 4096-byte sector storage (a write
may ask for the storage's own sector instead, `align`: the lab writes
single 512-byte sanlock delta leases that way). Files are
opened and closed for every operation (NFS close-to-open coherency), as
upstream does. Short reads past the end of the file read as zeros; writes
never grow the file (no O_CREAT, and a write past the end is refused).

The path may also name a block device (or a link to one: a volume of an
iSCSI or FC storage domain); its size is the device's (BLKGETSIZE64),
not st_size, which is 0 for a device node.
"""

import errno
import fcntl
import mmap
import os
import stat
import struct

from . import exceptions

BLOCK = 4096
BLKGETSIZE64 = 0x80081272   # _IOR(0x12, 114, size_t)


def why(e: OSError) -> str:
    """'Input/output error (EIO)': the text and the errno's name, for Faults and logs."""
    name = errno.errorcode.get(e.errno or 0)
    return f"{e.strerror} ({name})" if name else str(e.strerror or e)


def is_block_device(path: str | os.PathLike[str]) -> bool:
    """`path` (links followed) is a block device node."""
    try:
        return stat.S_ISBLK(os.stat(path).st_mode)
    except OSError:
        return False


def size_of(fd: int) -> int:
    """Bytes in what `fd` is open on: a regular file's st_size, a block device's size."""
    st = os.fstat(fd)
    if not stat.S_ISBLK(st.st_mode):
        return st.st_size
    try:
        return int(struct.unpack("Q", fcntl.ioctl(fd, BLKGETSIZE64, b"\0" * 8))[0])
    except OSError:
        return os.lseek(fd, 0, os.SEEK_END)


def _check_aligned(offset: int, length: int, align: int = BLOCK) -> None:
    if offset % align or length % align or length <= 0:
        raise ValueError(f"unaligned direct I/O: offset={offset} length={length}")


def read(path: str, offset: int, length: int) -> bytes:
    """Read `length` bytes at `offset`; the part past the end of the file is zeros."""
    _check_aligned(offset, length)
    with mmap.mmap(-1, length) as buf:
        try:
            fd = os.open(path, os.O_RDONLY | os.O_DIRECT)
        except OSError as e:
            raise exceptions.StorageError(f"cannot open {path} for reading: {why(e)}") from e
        try:
            done = 0
            view = memoryview(buf)
            try:
                while done < length:
                    n = os.preadv(fd, [view[done:]], offset + done)
                    if n == 0:
                        break
                    done += n
            finally:
                view.release()
        except OSError as e:
            raise exceptions.StorageError(
                f"cannot read {length} bytes at offset {offset} of {path}: {why(e)}") from e
        finally:
            os.close(fd)
        return bytes(buf)


def write(path: str, offset: int, data: bytes, align: int = BLOCK) -> None:
    """Write `data` (a multiple of `align` bytes) at `offset`, durable on return."""
    _check_aligned(offset, len(data), align)
    with mmap.mmap(-1, len(data)) as buf:
        buf.write(data)
        write_buffer(path, offset, buf, align)


def write_buffer(path: str, offset: int, buf: mmap.mmap, align: int = BLOCK) -> None:
    """Write the whole aligned `buf` at `offset` (O_DIRECT|O_SYNC), durable on return.

    The end of the file comes from lseek, not fstat: asking for the file's
    times makes the kernel (6.13+, multigrain timestamps) give the next
    write a fine-grained mtime, an inode update that O_SYNC then waits for
    (about 0.05 ms on ext4 here, on every write).
    """
    length = len(buf)
    _check_aligned(offset, length, align)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_DIRECT | os.O_SYNC)
    except OSError as e:
        raise exceptions.StorageError(f"cannot open {path} for writing: {why(e)}") from e
    try:
        size = os.lseek(fd, 0, os.SEEK_END)
        if offset + length > size:
            raise exceptions.StorageError(
                f"write at offset {offset} would grow {path} beyond its size {size}")
        n = os.pwritev(fd, [buf], offset)
        if n != length:
            raise exceptions.StorageError(
                f"short write to {path}: {n} of {length} bytes at offset {offset}")
    except OSError as e:
        raise exceptions.StorageError(
            f"cannot write {length} bytes at offset {offset} of {path}: {why(e)}") from e
    finally:
        os.close(fd)


# Filesystems where O_DIRECT is accepted without real direct I/O (or refused).
MEMORY_FILESYSTEMS = ("tmpfs", "ramfs", "devtmpfs", "hugetlbfs")


def _unescape(field: str) -> str:
    # /proc/self/mountinfo escapes space, tab, newline and backslash as octal.
    for code, char in (("\\040", " "), ("\\011", "\t"), ("\\012", "\n"), ("\\134", "\\")):
        field = field.replace(code, char)
    return field


def filesystem_type(path: str | os.PathLike[str]) -> str:
    """The type of the filesystem holding `path` (its longest mount point)."""
    real = os.path.realpath(path)
    best, best_type = "", "unknown"
    with open("/proc/self/mountinfo", encoding="utf-8") as f:
        for line in f:
            fields = line.split()
            mount_point = _unescape(fields[4])
            fstype = fields[fields.index("-") + 1]
            inside = real == mount_point or real.startswith(mount_point.rstrip("/") + "/")
            if inside and len(mount_point) >= len(best):
                best, best_type = mount_point, fstype
    return best_type


def probe(directory: str | os.PathLike[str]) -> None:
    """Write and read back 4096 aligned bytes with O_DIRECT in `directory`.

    Raises StorageError (DirectIONotSupported when the kernel refuses O_DIRECT).
    """
    path = os.path.join(directory, f".directio-probe-{os.getpid()}")
    pattern = os.urandom(BLOCK)
    try:
        try:
            with open(path, "wb") as f:
                f.truncate(BLOCK)
        except OSError as e:
            raise exceptions.StorageError(f"cannot create {path}: {e.strerror}") from e
        write(path, 0, pattern)
        if read(path, 0, BLOCK) != pattern:
            raise exceptions.DirectIONotSupported(f"O_DIRECT probe in {directory} read back "
                                                  "different data")
    except exceptions.StorageError as e:
        if isinstance(e.__cause__, OSError) and e.__cause__.errno == errno.EINVAL:
            raise exceptions.DirectIONotSupported(
                f"{directory} does not support O_DIRECT: {e}") from e
        raise
    finally:
        try:
            os.unlink(path)
        except FileNotFoundError:
            pass


def check_directory(path: str | os.PathLike[str]) -> None:
    """Refuse a directory where O_DIRECT does not behave like real storage."""
    fstype = filesystem_type(path)
    if fstype in MEMORY_FILESYSTEMS:
        raise exceptions.DirectIONotSupported(
            f"{path} is on {fstype}; metadata and lockspace need a disk-backed "
            "filesystem (ext4, xfs, nfs) where O_DIRECT enforces alignment")
    probe(path)
