"""The metadata volume as the broker uses it: the read side (lib/metadata_volume)
plus slot writes.

A write is one 4096-byte aligned O_DIRECT write, durable when it returns,
through one kept aligned buffer (lib/direct_file.py). The broker treats
slot contents as opaque bytes.
"""

import logging

from ..lib import storage_backends
from ..lib.direct_file import DirectFile
from ..lib.metadata_volume import MAX_RUN, SLOT, SLOT_COUNT, MetadataVolume, runs

log = logging.getLogger(__name__)

__all__ = ["MAX_RUN", "SLOT", "SLOT_COUNT", "StorageBroker", "pad", "runs"]


def pad(payload: bytes) -> bytes:
    return payload + b"\0" * (SLOT - len(payload))


class StorageBroker(MetadataVolume):
    def __init__(self, prepared: storage_backends.PreparedStorage) -> None:
        super().__init__(prepared)
        self._slots = DirectFile(str(self.metadata_path))

    def write_slot(self, slot: int, payload: bytes) -> None:
        """Write one slot, NUL-padded to 4096 bytes; durable on return."""
        if not 0 <= slot < SLOT_COUNT or len(payload) > SLOT:
            raise ValueError(f"bad slot write: slot={slot} length={len(payload)}")
        self._slots.write_block(slot * SLOT, payload)
