"""Processes the lab starts: spawn, record, check, stop, by pid only.

Every process is started in its own session (pid == process group id) and
described by a `ProcRecord` holding its pid, group and kernel start time;
the start time guards against acting on a recycled pid. Records go to
lab.json and, for processes started by this Python process, to `REGISTRY`
so an end-of-session hook can kill leftovers (`kill_leftovers`); when
`JOURNAL` is set, each record is also appended there as a JSON line, so
the leftovers of a process that died without cleaning up can be found
later (`kill_journal`). Nothing is ever found or killed by name.
"""

import contextlib
import dataclasses
import json
import os
import signal
import subprocess
import threading
import time
from collections.abc import Callable, Iterable
from pathlib import Path

from . import errors


@dataclasses.dataclass
class ProcRecord:
    name: str
    pid: int
    pgid: int
    start_time: int
    log: str

    def alive(self) -> bool:
        """The leader runs (not a zombie) and is the process we started."""
        stat = _stat(self.pid)
        return stat is not None and stat[0] != "Z" and stat[2] == self.start_time

    def group_alive(self) -> bool:
        """Any process of our group still runs (the leader may be gone)."""
        return bool(group_members(self.pgid, self.start_time))

    def to_json(self) -> dict:
        return dataclasses.asdict(self)

    @classmethod
    def from_json(cls, data: dict) -> "ProcRecord":
        return cls(**data)


REGISTRY: list[ProcRecord] = []
JOURNAL: Path | None = None
_REGISTRY_LOCK = threading.Lock()
_CHILDREN: dict[int, subprocess.Popen] = {}


def _stat(pid: int) -> tuple[str, int, int] | None:
    """(state, pgrp, start time) of a process, None if it does not exist."""
    try:
        with open(f"/proc/{pid}/stat", "rb") as f:
            data = f.read().decode("utf-8", "replace")
    except (FileNotFoundError, ProcessLookupError):
        return None
    fields = data[data.rindex(")") + 2:].split()
    return fields[0], int(fields[2]), int(fields[19])


def group_members(pgid: int, not_before: int) -> list[int]:
    """Running pids of group `pgid` started no earlier than `not_before`."""
    members = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        stat = _stat(int(entry))
        if stat and stat[0] != "Z" and stat[1] == pgid and stat[2] >= not_before:
            members.append(int(entry))
    return members


def spawn(name: str, argv: list[str], env: dict[str, str], log_path: str | os.PathLike[str],
          cwd: str | None = None) -> ProcRecord:
    """Start `argv` in a new session, stdout and stderr appended to `log_path`."""
    Path(log_path).parent.mkdir(parents=True, exist_ok=True)
    with open(log_path, "ab") as log:
        proc = subprocess.Popen(argv, env=env, stdin=subprocess.DEVNULL, stdout=log,
                                stderr=subprocess.STDOUT, cwd=cwd, start_new_session=True)
    stat = _stat(proc.pid)
    record = ProcRecord(name, proc.pid, proc.pid, stat[2] if stat else 0, os.fspath(log_path))
    with _REGISTRY_LOCK:
        REGISTRY.append(record)
        _CHILDREN[proc.pid] = proc
        if JOURNAL is not None:
            with open(JOURNAL, "a") as journal:
                journal.write(json.dumps(record.to_json()) + "\n")
    return record


def self_record(name: str) -> ProcRecord:
    """A record of the current process (to tell later whether it still runs)."""
    stat = _stat(os.getpid())
    return ProcRecord(name, os.getpid(), os.getpgid(0), stat[2] if stat else 0, "")


def reap(record: ProcRecord) -> int | None:
    """Collect the exit status of our own child; None while it runs (or not ours)."""
    proc = _CHILDREN.get(record.pid)
    return proc.poll() if proc is not None else None


def running(record: ProcRecord) -> bool:
    """The process runs; once it does not, our own child is also reaped (no zombie)."""
    if reap(record) is not None:
        return False
    if record.alive():
        return True
    proc = _CHILDREN.get(record.pid)
    if proc is not None:  # dead or a zombie: collect it
        with contextlib.suppress(subprocess.TimeoutExpired):
            proc.wait(timeout=1)
    return False


def exit_status(record: ProcRecord) -> str:
    code = reap(record)
    if code is None:
        return "exited"
    return f"exited with status {code}" if code >= 0 else f"was killed by signal {-code}"


def log_tail(path: str | os.PathLike[str], lines: int = 20) -> str:
    try:
        with open(path, "rb") as f:
            f.seek(0, os.SEEK_END)
            f.seek(max(0, f.tell() - 16384))
            text = f.read().decode("utf-8", "replace")
    except OSError as e:
        return f"(cannot read log: {e})"
    return "\n".join(text.splitlines()[-lines:]) or "(empty log)"


def failed(record: ProcRecord, what: str) -> errors.ProcessFailed:
    return errors.ProcessFailed(record.name, record.pid, what, record.log, log_tail(record.log))


def wait_for(predicate: Callable[[], bool], timeout: float, interval: float = 0.02) -> bool:
    """Poll `predicate` until true (return True) or `timeout` passes (return False)."""
    deadline = time.monotonic() + timeout
    while True:
        if predicate():
            return True
        if time.monotonic() >= deadline:
            return False
        time.sleep(interval)


def signal_leader(record: ProcRecord, signo: int) -> None:
    if running(record):
        with contextlib.suppress(ProcessLookupError):
            os.kill(record.pid, signo)


def kill_group(record: ProcRecord) -> None:
    """SIGKILL every remaining process of the record's group."""
    if running(record) or record.group_alive():
        with contextlib.suppress(ProcessLookupError):
            os.killpg(record.pgid, signal.SIGKILL)


def stop(records: Iterable[ProcRecord], signo: int | None = signal.SIGTERM,
         grace: float = 10.0) -> None:
    """Send `signo` to each leader, wait up to `grace`, then SIGKILL the groups.

    With `signo` None the groups are killed at once. Returns when every
    group is gone (or after 5 s more, which only a stuck kernel explains).
    """
    records = list(records)
    if signo is not None:
        for record in records:
            signal_leader(record, signo)
        wait_for(lambda: not any(running(r) for r in records), grace, 0.05)
    for record in records:
        kill_group(record)
    wait_for(lambda: not any(running(r) or r.group_alive() for r in records), 5.0, 0.02)


def kill_journal(path: Path) -> list[str]:
    """Kill every group listed in a journal that still runs; name them."""
    records = []
    with open(path) as journal:
        for line in journal:
            with contextlib.suppress(ValueError, TypeError):
                records.append(ProcRecord.from_json(json.loads(line)))
    leftovers = [r for r in records if r.alive() or r.group_alive()]
    if leftovers:
        stop(leftovers, signo=None)
    return [f"{r.name} (pid {r.pid})" for r in leftovers]


def kill_leftovers() -> list[str]:
    """Kill every group recorded in this process that still runs; name them."""
    with _REGISTRY_LOCK:
        records = list(REGISTRY)
    leftovers = [r for r in records if running(r) or r.group_alive()]
    if leftovers:
        stop(leftovers, signo=None)
    return [f"{r.name} (pid {r.pid})" for r in leftovers]
