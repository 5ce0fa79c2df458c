"""A lab-side journal of the engine VM lease: who took it, who gave it back.

Each engine VM stand-in appends one JSON line per event to
``DIR/lease-events.jsonl`` (one ``O_APPEND`` write per line, so lines of
concurrent writers never mix):

    acquired     after sanlock.acquire returned: lease version and the owners
                 sanlock reads from disk right then
    releasing    before sanlock.release (migration, shutdown)
    lost         the host's sanlock daemon went away (the lease stays on disk,
                 owned by this host id, until sanlock declares the id dead)
    failed       an acquire sanlock refused (errno and message)
    killing      written by the simulator before it SIGKILLs a stand-in (destroy)
    host-killed  written by `ovirt-ha-lab kill-host` before it kills the host
    exited       written by the simulator after a stand-in exited; ends a hold
                 only for a stand-in that died without a word (crash, kill -9)

End-of-hold events are written *before* the lease can be free, start
events *after* sanlock granted it; so in a correct lab every "acquired"
finds no other holder in the journal, and `check_exclusive` reports any
acquisition that does, or one whose lease version did not grow or whose
owners on disk are not exactly the acquiring host.
"""

import dataclasses
import json
import os
import time
from pathlib import Path

END_EVENTS = ("releasing", "lost", "killing", "exited")


def append(path: str | os.PathLike[str], event: str, **fields: object) -> None:
    """Append one event line; `fields` must be JSON-serialisable."""
    line = json.dumps({"t": round(time.time(), 3), "mono": round(time.monotonic(), 3),
                       "event": event, **fields}, sort_keys=True) + "\n"
    fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
    try:
        os.write(fd, line.encode("utf-8"))
    finally:
        os.close(fd)


def read(path: str | os.PathLike[str]) -> list[dict]:
    """Every event so far; a missing journal has none."""
    try:
        text = Path(path).read_text(encoding="utf-8")
    except FileNotFoundError:
        return []
    return [json.loads(line) for line in text.splitlines() if line.strip()]


@dataclasses.dataclass
class Holder:
    pid: int
    host: int
    version: int


def check_exclusive(events: list[dict]) -> list[str]:
    """Violations of "one holder at a time" in `events` (empty when none)."""
    problems: list[str] = []
    holders: dict[int, Holder] = {}
    last_version = 0
    for e in events:
        kind, pid, host = e.get("event"), int(e.get("pid") or 0), e.get("host")
        if kind == "acquired":
            version = int(e.get("version", 0))
            for other in holders.values():
                problems.append(
                    f"pid {pid} on host {host} acquired lease version {version} while "
                    f"pid {other.pid} on host {other.host} held version {other.version}")
            if version <= last_version:
                problems.append(f"lease version went from {last_version} to {version} "
                                f"(pid {pid} on host {host})")
            if e.get("owners") != [host]:
                problems.append(f"pid {pid} on host {host} acquired but sanlock reads "
                                f"owners {e.get('owners')}")
            last_version = max(last_version, version)
            holders[pid] = Holder(pid, int(host or 0), version)
        elif kind in END_EVENTS:
            holders.pop(pid, None)
        elif kind == "host-killed":
            for gone in [p for p, h in holders.items() if h.host == host]:
                del holders[gone]
    return problems


def holders(events: list[dict]) -> dict[int, int]:
    """{pid: host} of the stand-ins that hold the lease at the end of `events`."""
    current: dict[int, int] = {}
    for e in events:
        kind, pid = e.get("event"), int(e.get("pid") or 0)
        if kind == "acquired":
            current[pid] = int(e["host"])
        elif kind in END_EVENTS:
            current.pop(pid, None)
        elif kind == "host-killed":
            current = {p: h for p, h in current.items() if h != e.get("host")}
    return current
