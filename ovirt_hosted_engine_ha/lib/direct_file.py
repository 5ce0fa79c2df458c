"""One file written in 4096-byte blocks through one kept aligned buffer.

`directio.write` maps a fresh page-aligned buffer for every write (a
mapping, a page fault, an unmapping). A writer that writes the same file
all day (the broker's slot writes) fills one buffer instead; the file is
still opened and closed for each write, as upstream does (a vanished or
replaced volume is seen at the next write; on ext4 the open costs a few
microseconds). Writes are serialised by a lock (one buffer).
"""

import mmap
import threading

from .directio import BLOCK, write_buffer


class DirectFile:
    def __init__(self, path: str) -> None:
        self.path = path
        self._lock = threading.Lock()
        self._buf = mmap.mmap(-1, BLOCK)

    def write_block(self, offset: int, data: bytes) -> None:
        """Write `data` (at most 4096 bytes, NUL-padded) at `offset`; durable on return."""
        if len(data) > BLOCK:
            raise ValueError(f"a block is {BLOCK} bytes, not {len(data)}")
        with self._lock:
            buf = self._buf
            buf.seek(0)
            buf.write(data)
            buf.write(bytes(BLOCK - len(data)))
            write_buffer(self.path, offset, buf)
