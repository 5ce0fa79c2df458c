"""Fault-injection points for the fault suite (tests/faults), inert in production.

Nothing happens unless the environment variable OVIRT_HA_TEST_HOOKS names
a directory. Then, before each metadata read, the status thread looks at
the file `storage-thread` in it:
- ``park``: the thread stops there (no read, no progress: the metadata goes
  stale and the systemd watchdog keep-alives stop) until the file says
  something else or goes away;
- ``raise``: the read fails with an unexpected internal error (not a
  storage error), as a bug in the reading code would.
"""

import logging
import os
import threading

log = logging.getLogger(__name__)

ENV = "OVIRT_HA_TEST_HOOKS"
STORAGE_THREAD = "storage-thread"
PARK_POLL = 0.1


class InjectedFault(RuntimeError):
    """The internal error the `raise` hook injects."""


def _mode(name: str) -> str | None:
    directory = os.environ.get(ENV)
    if not directory:
        return None
    try:
        with open(os.path.join(directory, name), encoding="ascii", errors="replace") as f:
            return f.read().strip()
    except FileNotFoundError:
        return None


def storage_thread() -> None:
    """Called by the status thread before each metadata read."""
    mode = _mode(STORAGE_THREAD)
    if mode == "raise":
        raise InjectedFault("internal error injected by the test hook")
    if mode == "park":
        log.warning("Storage thread parked by the test hook %s", ENV)
        idle = threading.Event()
        while _mode(STORAGE_THREAD) == "park":
            idle.wait(PARK_POLL)
        log.warning("Storage thread released by the test hook")
