"""The passthrough filesystem: every operation on the directory it covers.

The daemon opens the covered directory before mounting over it and works
relative to that descriptor (openat and friends), so the mount hides the
real files from everyone but this process. A file opened with O_DIRECT
through the mount is opened with O_DIRECT underneath too, and its reads
and writes go through page-aligned buffers: the real filesystem checks
alignment (an unaligned O_DIRECT write fails with EINVAL as on ext4) and
durability (O_SYNC, fsync) is the real filesystem's.

Reads and writes consult the `FaultTable` first; lookups of a vanished
path answer ENOENT. Files and directories made through the mount belong
to the caller, as on a local filesystem.
"""

import errno
import mmap
import os
import threading
import time
from typing import Any

import mfusepy

from .rules import FaultTable

PAGE = mmap.PAGESIZE
STAT_FIELDS = ("st_mode", "st_ino", "st_nlink", "st_uid", "st_gid", "st_size", "st_blocks",
               "st_blksize", "st_rdev")
STATVFS_FIELDS = ("f_bsize", "f_frsize", "f_blocks", "f_bfree", "f_bavail", "f_files",
                  "f_ffree", "f_favail", "f_namemax")
UTIME_NOW = (1 << 30) - 1
UTIME_OMIT = (1 << 30) - 2


def relative(path: str) -> str:
    """FUSE's '/a/b' -> 'a/b' (the root -> '.')."""
    return path.lstrip("/") or "."


def stat_dict(st: os.stat_result) -> dict[str, Any]:
    attrs: dict[str, Any] = {name: getattr(st, name) for name in STAT_FIELDS}
    attrs.update(st_atime=st.st_atime_ns, st_mtime=st.st_mtime_ns, st_ctime=st.st_ctime_ns)
    return attrs


def aligned_read(fd: int, size: int, offset: int) -> bytes:
    with mmap.mmap(-1, max(size, PAGE)) as buf:
        view = memoryview(buf)
        try:
            n = os.preadv(fd, [view[:size]], offset)
        finally:
            view.release()
        return buf[:n]


def aligned_write(fd: int, data: bytes, offset: int) -> int:
    with mmap.mmap(-1, max(len(data), PAGE)) as buf:
        buf.write(data)
        view = memoryview(buf)
        try:
            return os.pwritev(fd, [view[:len(data)]], offset)
        finally:
            view.release()


class Passthrough(mfusepy.Operations):
    use_ns = True

    def __init__(self, root_fd: int, table: FaultTable, max_background: int = 128) -> None:
        self.root = root_fd
        self.table = table
        self.max_background = max_background
        self._direct: set[int] = set()   # handles opened with O_DIRECT
        self._lock = threading.Lock()
        self._as_root = os.geteuid() == 0

    def init_with_config(self, conn: Any, config: Any) -> None:
        """More requests in flight than libfuse's 12; no attribute or entry caching."""
        if conn is not None:
            conn.max_background = self.max_background
            conn.congestion_threshold = self.max_background * 3 // 4
        if config is not None:
            config.attr_timeout = config.entry_timeout = config.negative_timeout = 0.0
            config.direct_io = 0

    # helpers

    def _visible(self, path: str) -> str:
        rel = relative(path)
        if rel != "." and self.table.vanished(rel):
            raise mfusepy.FuseOSError(errno.ENOENT)
        return rel

    def _give_to_caller(self, rel: str) -> None:
        if self._as_root:
            uid, gid, _ = mfusepy.fuse_get_context()
            os.chown(rel, uid, gid, dir_fd=self.root, follow_symlinks=False)

    def _track(self, fd: int, flags: int) -> int:
        if flags & os.O_DIRECT:
            with self._lock:
                self._direct.add(fd)
        return fd

    # attributes and directories

    def getattr(self, path: str, fh: int | None = None) -> dict[str, Any]:
        if fh is not None:
            return stat_dict(os.fstat(fh))
        rel = self._visible(path)
        return stat_dict(os.stat(rel, dir_fd=self.root, follow_symlinks=False))

    def readdir(self, path: str, fh: int) -> list[str]:
        rel = self._visible(path)
        fd = os.open(rel, os.O_RDONLY | os.O_DIRECTORY, dir_fd=self.root)
        try:
            names = os.listdir(fd)
        finally:
            os.close(fd)
        prefix = "" if rel == "." else rel + "/"
        return [".", ".."] + [n for n in names if not self.table.vanished(prefix + n)]

    def readlink(self, path: str) -> str:
        return os.readlink(self._visible(path), dir_fd=self.root)

    def statfs(self, path: str) -> dict[str, int]:
        st = os.fstatvfs(self.root)
        return {name: getattr(st, name) for name in STATVFS_FIELDS}

    def chmod(self, path: str, mode: int) -> int:
        os.chmod(self._visible(path), mode, dir_fd=self.root)
        return 0

    def chown(self, path: str, uid: int, gid: int) -> int:
        os.chown(self._visible(path), uid, gid, dir_fd=self.root, follow_symlinks=False)
        return 0

    def utimens(self, path: str, times: tuple[int, int] | None = None) -> int:
        rel = self._visible(path)
        if times is None:
            os.utime(rel, dir_fd=self.root, follow_symlinks=False)
            return 0
        now = time.time_ns()
        current = os.stat(rel, dir_fd=self.root, follow_symlinks=False)
        resolved = []
        for value, old in zip(times, (current.st_atime_ns, current.st_mtime_ns), strict=True):
            nsec = value % 10**9
            resolved.append(now if nsec == UTIME_NOW else old if nsec == UTIME_OMIT else value)
        os.utime(rel, ns=(resolved[0], resolved[1]), dir_fd=self.root, follow_symlinks=False)
        return 0

    def mkdir(self, path: str, mode: int) -> int:
        rel = relative(path)
        os.mkdir(rel, mode, dir_fd=self.root)
        self._give_to_caller(rel)
        return 0

    def rmdir(self, path: str) -> int:
        os.rmdir(self._visible(path), dir_fd=self.root)
        return 0

    def unlink(self, path: str) -> int:
        os.unlink(self._visible(path), dir_fd=self.root)
        return 0

    def symlink(self, target: str, source: str) -> int:
        """`target` is the new link's path, `source` what it points to."""
        rel = relative(target)
        os.symlink(source, rel, dir_fd=self.root)
        self._give_to_caller(rel)
        return 0

    def rename(self, old: str, new: str) -> int:
        os.rename(self._visible(old), relative(new), src_dir_fd=self.root, dst_dir_fd=self.root)
        return 0

    # files

    def open(self, path: str, flags: int) -> int:
        fd = os.open(self._visible(path), flags, dir_fd=self.root)
        return self._track(fd, flags)

    def create(self, path: str, mode: int, flags: int = os.O_WRONLY) -> int:
        rel = relative(path)
        fd = os.open(rel, flags | os.O_CREAT, mode, dir_fd=self.root)
        self._give_to_caller(rel)
        return self._track(fd, flags)

    def read(self, path: str, size: int, offset: int, fh: int) -> bytes:
        self.table.before("read", relative(path))
        if fh in self._direct:
            return aligned_read(fh, size, offset)
        return os.pread(fh, size, offset)

    def write(self, path: str, data: bytes, offset: int, fh: int) -> int:
        self.table.before("write", relative(path))
        if fh in self._direct:
            return aligned_write(fh, data, offset)
        return os.pwrite(fh, data, offset)

    def truncate(self, path: str, length: int, fh: int | None = None) -> int:
        if fh is not None:
            os.ftruncate(fh, length)
            return 0
        fd = os.open(self._visible(path), os.O_WRONLY, dir_fd=self.root)
        try:
            os.ftruncate(fd, length)
        finally:
            os.close(fd)
        return 0

    def fsync(self, path: str, datasync: int, fh: int) -> int:
        (os.fdatasync if datasync else os.fsync)(fh)
        return 0

    def flush(self, path: str, fh: int) -> int:
        return 0

    def release(self, path: str, fh: int) -> int:
        with self._lock:
            self._direct.discard(fh)
        os.close(fh)
        return 0
