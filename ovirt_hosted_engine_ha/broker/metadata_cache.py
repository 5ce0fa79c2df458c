"""The in-memory view of the metadata slots that `get_stats` serves.

Two writers feed it: acknowledged local writes (`store_written`) and storage
reads (`merge_read`). Rules:
- read-your-writes: a read that started before a local write of a slot was
  acknowledged does not replace that slot (per-slot write generations);
- a slot that reads empty leaves the view (a host cleaned elsewhere goes away);
- a slot that fails its check keeps the last good value; a slot never seen
  good is served as read, so clients can report that host as malformed;
- the marshalled answer is built once per change and reused.
"""

import logging
import threading
from collections.abc import Callable

log = logging.getLogger(__name__)

Intact = Callable[[int, bytes], bool]


class MetadataCache:
    def __init__(self, intact: Intact) -> None:
        self._intact = intact
        self._lock = threading.Lock()
        self._slots: dict[int, bytes] = {}
        self._good: set[int] = set()
        self._generations: dict[int, int] = {}
        self._reported_bad: dict[int, bytes] = {}
        self._version = 0
        self._answer: tuple[int, object] | None = None

    @property
    def version(self) -> int:
        return self._version

    def generations(self) -> dict[int, int]:
        with self._lock:
            return dict(self._generations)

    def slots(self) -> dict[int, bytes]:
        with self._lock:
            return dict(self._slots)

    def known_slots(self) -> set[int]:
        with self._lock:
            return set(self._slots)

    def store_written(self, slot: int, payload: bytes) -> None:
        """Record a write acknowledged by storage (payload exactly as written)."""
        with self._lock:
            self._generations[slot] = self._generations.get(slot, 0) + 1
            if payload.rstrip(b"\0"):
                self._slots[slot] = payload
                self._good.add(slot)
            else:
                self._slots.pop(slot, None)
                self._good.discard(slot)
            self._version += 1

    def merge_read(self, images: dict[int, bytes], generations: dict[int, int]) -> None:
        """Merge slot images read from storage; `generations` as taken before the read."""
        with self._lock:
            changed = False
            for slot, image in images.items():
                if self._generations.get(slot, 0) != generations.get(slot, 0):
                    continue
                changed |= self._merge_one(slot, image)
            if changed:
                self._version += 1

    def _merge_one(self, slot: int, image: bytes) -> bool:
        content = image.rstrip(b"\0")
        cached = self._slots.get(slot)
        if not content:
            self._good.discard(slot)
            return self._slots.pop(slot, None) is not None
        if cached is not None and cached.rstrip(b"\0") == content:
            return False
        if not self._intact(slot, image):
            if self._reported_bad.get(slot) != content:
                self._reported_bad[slot] = content
                log.error("Slot %d fails its check; %s", slot,
                          "keeping the last good value" if slot in self._good
                          else "serving it as read")
            if slot in self._good:
                return False
            self._slots[slot] = image
            return True
        self._reported_bad.pop(slot, None)
        self._slots[slot] = image
        self._good.add(slot)
        return True

    def answer(self, build: Callable[[dict[int, bytes]], object]) -> object:
        """`build(slots)` for the current slots, rebuilt only after a change."""
        with self._lock:
            if self._answer is not None and self._answer[0] == self._version:
                return self._answer[1]
            version, slots = self._version, dict(self._slots)
        built = build(slots)
        with self._lock:
            if self._version == version:
                self._answer = (version, built)
        return built
