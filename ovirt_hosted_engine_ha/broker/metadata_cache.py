"""The in-memory view of the metadata slots that `get_stats` serves.

Two writers feed it: acknowledged local writes (`store_written`) and storage
reads (`merge_read`). Rules:
- a slot is held as the 4096-byte NUL-padded image on the volume, for
  writes too: the writing broker serves exactly what any fresh reader of
  the volume (another broker, ours or upstream's) serves;
- read-your-writes: a read that started before a local write of a slot was
  acknowledged does not replace that slot (per-slot write generations);
- a slot that reads empty leaves the view (a host cleaned elsewhere goes away);
- a slot that fails its check keeps the last good value; a slot never seen
  good is served as read, so clients can report that host as malformed —
  unless its text does not decode (UTF-8): such a slot is never served,
  since every reader decodes the slots it gets (logged once per change);
- the marshalled answer is built once per change and reused.
"""

import logging
import threading
from collections.abc import Callable

from ..env import constants
from ..lib.changelog import ChangeLog
from .slot_check import decode_error

log = logging.getLogger(__name__)

Intact = Callable[[int, bytes], bool]
SLOT = constants.HOST_SEGMENT_BYTES


def image_of(payload: bytes) -> bytes:
    """The slot image a payload becomes on the volume (NUL-padded to 4096 bytes)."""
    return payload.ljust(SLOT, b"\0")


class MetadataCache:
    def __init__(self, intact: Intact) -> None:
        self._intact = intact
        self._lock = threading.Lock()
        self._slots: dict[int, bytes] = {}
        self._good: set[int] = set()
        self._generations: dict[int, int] = {}
        self._bad = ChangeLog(log)
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
        """Record a write acknowledged by storage (the payload, padded as on the volume)."""
        with self._lock:
            self._generations[slot] = self._generations.get(slot, 0) + 1
            if payload.rstrip(b"\0"):
                self._slots[slot] = image_of(payload)
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
            self._bad.clear(slot)
            return self._slots.pop(slot, None) is not None
        if cached is not None and cached.rstrip(b"\0") == content:
            return False
        if not self._intact(slot, image):
            return self._merge_bad(slot, image)
        self._bad.clear(slot, f"Slot {slot} is intact again")
        self._slots[slot] = image
        self._good.add(slot)
        return True

    def _merge_bad(self, slot: int, image: bytes) -> bool:
        undecodable = decode_error(image)
        problem = f"does not decode ({undecodable})" if undecodable else "fails its check"
        if slot in self._good:
            action = "keeping the last good value"
        elif undecodable:
            action = "not serving it"
        else:
            action = "serving it as read"
        self._bad.error(slot, f"Slot {slot} {problem}; {action}")
        if slot in self._good:
            return False
        if undecodable:
            return self._slots.pop(slot, None) is not None
        self._slots[slot] = image
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
