"""A read-only, seekable file over `directio.read`: what tarfile reads a volume with.

Shared storage written by other hosts must not be read through this host's
page cache (it could serve stale data), so volumes holding archives (the
engine's OVF_STORE) are read with O_DIRECT in aligned chunks, as the
metadata is. One chunk is kept; reads inside it cost nothing. The size is
taken once at open (lseek to the end: works for files and block devices).
`limit` caps the bytes read from storage over the reader's life, so a huge
or endless archive costs a bounded amount of I/O.
"""

from __future__ import annotations

import io
import os

from . import directio, exceptions

CHUNK = 16 * 1024   # an OVF is a few KiB, the configuration archive 20 KiB


class ReadLimitExceeded(exceptions.StorageError):
    """The reader read more than its limit from storage."""


class DirectReader(io.RawIOBase):
    def __init__(self, path: str | os.PathLike[str], limit: int | None = None,
                 chunk: int = CHUNK) -> None:
        super().__init__()
        if chunk % directio.BLOCK:
            raise ValueError(f"chunk must be a multiple of {directio.BLOCK}")
        self.path = os.fspath(path)
        self._chunk = chunk
        self._limit = limit
        self.bytes_read = 0
        self._pos = 0
        self._cached_at = -1
        self._cached = b""
        try:
            fd = os.open(self.path, os.O_RDONLY)
        except OSError as e:
            raise exceptions.StorageError(f"cannot open {self.path}: {e.strerror}") from e
        try:
            self.size = os.lseek(fd, 0, os.SEEK_END)
        finally:
            os.close(fd)

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return True

    def tell(self) -> int:
        return self._pos

    def seek(self, offset: int, whence: int = io.SEEK_SET) -> int:
        base = {io.SEEK_SET: 0, io.SEEK_CUR: self._pos, io.SEEK_END: self.size}[whence]
        if base + offset < 0:
            raise OSError(f"negative seek position {base + offset}")
        self._pos = base + offset
        return self._pos

    def readinto(self, buffer: memoryview | bytearray) -> int:  # type: ignore[override]
        view = memoryview(buffer).cast("B")
        wanted = min(len(view), max(0, self.size - self._pos))
        done = 0
        while done < wanted:
            start = (self._pos // self._chunk) * self._chunk
            chunk = self._load(start)
            inside = self._pos - start
            n = min(wanted - done, len(chunk) - inside)
            if n <= 0:
                break
            view[done:done + n] = chunk[inside:inside + n]
            done += n
            self._pos += n
        return done

    def _load(self, start: int) -> bytes:
        if start != self._cached_at:
            if self._limit is not None and self.bytes_read + self._chunk > self._limit:
                raise ReadLimitExceeded(
                    f"reading {self.path} beyond {self._limit} bytes: archive too large")
            self._cached = directio.read(self.path, start, self._chunk)
            self._cached_at = start
            self.bytes_read += self._chunk
        return self._cached
