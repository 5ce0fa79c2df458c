"""Directories owned by a process, swept once their owner is gone.

A test session (or any long-lived lab user) claims a directory with `claim`:
``owner.json`` names the owning process, ``procs.jsonl`` journals every
process started (procs.JOURNAL). If the owner dies without cleaning up
(SIGKILL, power loss), a later `sweep` kills what is still running from
that journal, detaches its loop devices and unmounts its faultfs mounts,
and removes the directory. Directories whose owner still
runs are never touched, so concurrent sessions do not disturb each other.
"""

import json
import shutil
from pathlib import Path

from . import lifecycle, procs

OWNER, JOURNAL = "owner.json", "procs.jsonl"


def claim(directory: str | Path, name: str = "owner") -> None:
    """Mark `directory` as owned by this process; journal its spawns there."""
    Path(directory, OWNER).write_text(json.dumps(procs.self_record(name).to_json()))
    procs.JOURNAL = Path(directory, JOURNAL)


def release() -> None:
    procs.JOURNAL = None


def sweep(base: str | Path, pattern: str = "*") -> list[str]:
    """Clean the dirs under `base` whose owner is gone; name the processes killed."""
    killed: list[str] = []
    for directory in Path(base).glob(pattern):
        try:
            owner = procs.ProcRecord.from_json(json.loads((directory / OWNER).read_text()))
        except (OSError, ValueError, TypeError):
            continue  # not claimed, or being created
        if owner.alive():
            continue
        if (directory / JOURNAL).exists():
            killed += procs.kill_journal(directory / JOURNAL)
        killed += lifecycle.release_storage(directory)
        shutil.rmtree(directory, ignore_errors=True)
    return killed
