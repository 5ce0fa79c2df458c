"""The metadata volume: one 4096-byte slot per host, slot 0 global.

All I/O is aligned O_DIRECT (lib/directio). Slots are read in contiguous
runs, one read per run; a write is one 4096-byte write, durable when it
returns, through one kept aligned buffer (lib/direct_file.py). The broker
treats slot contents as opaque bytes.
"""

import logging
import threading
from collections.abc import Iterable

from ..env import constants
from ..env.config import HostedEngineConf
from ..lib import directio, storage_backends
from ..lib.direct_file import DirectFile

log = logging.getLogger(__name__)

SLOT = constants.HOST_SEGMENT_BYTES
SLOT_COUNT = constants.MAX_HOST_ID_SCAN + 1
MAX_RUN = 256  # slots per read (1 MiB)


def runs(slots: Iterable[int]) -> list[tuple[int, int]]:
    """Group slot numbers into (first, count) runs of consecutive slots."""
    result: list[tuple[int, int]] = []
    for slot in sorted(set(slots)):
        if result and result[-1][0] + result[-1][1] == slot and result[-1][1] < MAX_RUN:
            first, count = result[-1]
            result[-1] = (first, count + 1)
        else:
            result.append((slot, 1))
    return result


class StorageBroker:
    def __init__(self, prepared: storage_backends.PreparedStorage) -> None:
        self.metadata_path = prepared.metadata_path
        self.lockspace_path = prepared.lockspace_path
        self.sector_size = prepared.sector_size
        self._counter_lock = threading.Lock()
        self.bytes_read = 0
        self._slots = DirectFile(str(self.metadata_path))

    @classmethod
    def connect(cls, conf: HostedEngineConf) -> "StorageBroker":
        return cls(storage_backends.VdsmBackend(conf).connect())

    def _read(self, offset: int, length: int) -> bytes:
        data = directio.read(self.metadata_path, offset, length)
        with self._counter_lock:
            self.bytes_read += length
        return data

    def read_slots(self, slots: Iterable[int]) -> dict[int, bytes]:
        """Read the given slots: {slot: 4096 bytes} (zeros past the end of the volume)."""
        result: dict[int, bytes] = {}
        for first, count in runs(slots):
            data = self._read(first * SLOT, count * SLOT)
            for i in range(count):
                result[first + i] = data[i * SLOT:(i + 1) * SLOT]
        return result

    def read_all(self) -> dict[int, bytes]:
        """Read every slot, 0..2000, in one read (upstream's full scan)."""
        data = self._read(0, SLOT_COUNT * SLOT)
        return {i: data[i * SLOT:(i + 1) * SLOT] for i in range(SLOT_COUNT)}

    def write_slot(self, slot: int, payload: bytes) -> None:
        """Write one slot, NUL-padded to 4096 bytes; durable on return."""
        if not 0 <= slot < SLOT_COUNT or len(payload) > SLOT:
            raise ValueError(f"bad slot write: slot={slot} length={len(payload)}")
        self._slots.write_block(slot * SLOT, payload)
