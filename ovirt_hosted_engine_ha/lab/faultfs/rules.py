"""What faultfs does to an operation: the table of active faults.

A `Fault` has a kind (slow, fail, hang, vanish), the operations it
touches (read, write or both) and optionally a path (a file, or a
directory and everything under it, relative to the mount). The
filesystem asks `FaultTable.before(op, path)` before each read or write
and `FaultTable.vanished(path)` before each lookup; `heal` clears every
fault and releases every operation a hang holds.

Adding a fault replaces one of the same kind, operations and path (a
second `slow 1` after `slow 3` means 1 s, not 4 s).
"""

import dataclasses
import errno
import os
import threading
import time

KINDS = ("slow", "fail", "hang", "vanish")
OPS = ("read", "write")
ERRNOS = {"EIO": errno.EIO, "ENOSPC": errno.ENOSPC}
HANG_POLL = 0.5  # a held operation re-checks the table this often


class FaultError(ValueError):
    """A fault that cannot be applied (bad kind, op, errno or seconds)."""


def normalize_path(path: str | None) -> str | None:
    """'/a/b/' -> 'a/b'; None and '' (the whole mount) -> None."""
    if path is None:
        return None
    clean = os.path.normpath("/" + path).lstrip("/")
    return clean or None


@dataclasses.dataclass(frozen=True)
class Fault:
    kind: str
    op: str | None = None            # None: read and write
    path: str | None = None          # None: every file of the mount
    seconds: float = 0.0             # slow
    error: str | None = None         # fail: "EIO" | "ENOSPC"

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise FaultError(f"unknown fault {self.kind!r}; known: {', '.join(KINDS)}")
        if self.op is not None and self.op not in OPS:
            raise FaultError(f"op must be read or write, got {self.op!r}")
        if self.kind == "slow" and not 0 < self.seconds <= 3600:
            raise FaultError(f"slow needs seconds in (0, 3600], got {self.seconds!r}")
        if self.kind == "fail" and self.error not in ERRNOS:
            raise FaultError(f"fail needs one of {', '.join(ERRNOS)}, got {self.error!r}")
        if self.kind == "vanish" and self.op is not None:
            raise FaultError("vanish applies to lookups, not to one op")
        object.__setattr__(self, "path", normalize_path(self.path))

    @property
    def key(self) -> tuple[str, str | None, str | None]:
        return (self.kind, self.op, self.path)

    def covers(self, path: str) -> bool:
        """`path` (relative to the mount, no leading '/') is this fault's file or below it."""
        return self.path is None or path == self.path or path.startswith(self.path + "/")

    def touches(self, op: str, path: str) -> bool:
        return (self.op is None or self.op == op) and self.covers(path)

    def describe(self) -> str:
        what = {"slow": f"slow {self.seconds:g} s", "fail": f"fail {self.error}",
                "hang": "hang", "vanish": "vanish"}[self.kind]
        ops = "" if self.kind == "vanish" else f" on {self.op or 'read+write'}"
        return f"{what}{ops} of {self.path or 'every file'}"

    def to_json(self) -> dict:
        return dataclasses.asdict(self)

    @classmethod
    def from_json(cls, data: dict) -> "Fault":
        fields = {f.name for f in dataclasses.fields(cls)}
        unknown = set(data) - fields
        if unknown:
            raise FaultError(f"unknown fault fields: {', '.join(sorted(unknown))}")
        try:
            return cls(**data)
        except TypeError as e:
            raise FaultError(str(e)) from e


class FaultTable:
    """The active faults; thread-safe, consulted from every FUSE worker thread."""

    def __init__(self) -> None:
        self._faults: dict[tuple, Fault] = {}
        self._cond = threading.Condition()
        self._generation = 0   # +1 at every heal: releases what a hang holds
        self.held = 0          # operations a hang holds right now

    def add(self, fault: Fault) -> None:
        with self._cond:
            self._faults[fault.key] = fault
            self._cond.notify_all()

    def heal(self) -> int:
        """Clear every fault and release held operations; return how many were cleared."""
        with self._cond:
            count = len(self._faults)
            self._faults.clear()
            self._generation += 1
            self._cond.notify_all()
            return count

    def faults(self) -> list[Fault]:
        with self._cond:
            return list(self._faults.values())

    def vanished(self, path: str) -> bool:
        with self._cond:
            return any(f.kind == "vanish" and f.covers(path) for f in self._faults.values())

    def _matching(self, op: str, path: str) -> list[Fault]:
        return [f for f in self._faults.values() if f.kind != "vanish" and f.touches(op, path)]

    def before(self, op: str, path: str) -> None:
        """Apply the faults on `op` of `path`: hang until healed, sleep, or raise OSError."""
        with self._cond:
            matching = self._matching(op, path)
            if any(f.kind == "hang" for f in matching):
                self._hold(op, path)
                matching = self._matching(op, path)
        delay = sum(f.seconds for f in matching if f.kind == "slow")
        if delay:
            time.sleep(delay)
        for f in matching:
            if f.kind == "fail" and f.error is not None:
                code = ERRNOS[f.error]
                raise OSError(code, os.strerror(code), path)

    def _hold(self, op: str, path: str) -> None:
        # called with self._cond held
        generation = self._generation
        self.held += 1
        try:
            while generation == self._generation and any(
                    f.kind == "hang" for f in self._matching(op, path)):
                self._cond.wait(HANG_POLL)
        finally:
            self.held -= 1
