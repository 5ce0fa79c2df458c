"""StatusBroker: the metadata cache, its reader and writer, the lockspace
and the liveness list, put together for the verb handlers.
"""

import logging

from . import slot_check
from .liveness import Liveness
from .lockspace import Lockspace
from .metadata_cache import MetadataCache
from .metadata_reader import MetadataReader
from .slot_writer import SlotWriter
from .storage_broker import StorageBroker

log = logging.getLogger(__name__)

WRITE_TIMEOUT = 20.0


class StatusBroker:
    def __init__(self, storage: StorageBroker, write_timeout: float = WRITE_TIMEOUT) -> None:
        self.storage = storage
        self.cache = MetadataCache(slot_check.intact)
        self.lockspace = Lockspace(storage.lockspace_path, storage.sector_size)
        self.liveness = Liveness()
        self.reader = MetadataReader(storage, self.cache, self.lockspace)
        self.writer = SlotWriter(storage.write_slot, self._check_write_allowed,
                                 self.cache.store_written, write_timeout)

    def start(self) -> None:
        """First full read (raises if storage is unreadable), then the threads."""
        self.reader.read_once()
        self.writer.start()
        self.reader.start()

    def stop(self, timeout: float = 5.0) -> None:
        self.lockspace.close()
        self.reader.stop(timeout)
        self.writer.stop(timeout)
        if self.lockspace.host_id is not None:
            try:
                self.lockspace.release(timeout)
            except Exception as e:
                log.error("Releasing the host id at shutdown failed: %s", e)

    def _check_write_allowed(self, slot: int) -> None:
        if slot != 0:
            self.lockspace.check_held()

    def put_stats(self, slot: int, payload: bytes) -> None:
        self.writer.put(slot, payload)
