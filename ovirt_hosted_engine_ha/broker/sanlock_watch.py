"""Which sanlock daemon runs: tells cheaply that the daemon seen earlier went away.

The daemon's pid is in its lock file ``$SANLOCK_RUN_DIR/sanlock.pid``
(default /run/sanlock); the process's start time in /proc/<pid>/stat makes
the pair unique (a pid can be reused, a start time cannot). `ensure` notes
the daemon running now; `unbroken` tells whether that same process still
runs: a killed daemon is gone (or a zombie), a restarted one has another
pid and start time. Two small reads of /proc, against a request round
trip to the daemon for an inquiry. `Lockspace` trusts a recent "held"
answer only while the daemon noted before that answer still runs
(lockspace.py).

No connection to the daemon is kept: its main thread reads every
connection's first request header with a blocking read, so a client that
connects and never sends can stall the whole daemon (every inquiry, join
and release of that host hangs until the connection closes). An earlier
version of this module kept such an idle connection; a faultfs lab start
now and then hung that way (README, "Lab over faultfs").
"""

import os
import threading

DEFAULT_RUN_DIR = "/run/sanlock"
PID_FILE = "sanlock.pid"
GONE_STATES = ("Z", "X")   # zombie, dead: the daemon has exited


def pid_file_path() -> str:
    return os.path.join(os.environ.get("SANLOCK_RUN_DIR", DEFAULT_RUN_DIR), PID_FILE)


def parse_start_time(stat: bytes) -> int | None:
    """The start time in a /proc/<pid>/stat line; None for a process that has exited."""
    fields = stat[stat.rfind(b")") + 2:].split()   # after "pid (comm) "; comm may hold ") "
    if len(fields) < 20 or fields[0].decode() in GONE_STATES:
        return None
    return int(fields[19])                          # field 22 of proc(5)


def start_time(pid: int) -> int | None:
    """The start time (clock ticks after boot) of live process `pid`; None if it is gone."""
    try:
        with open(f"/proc/{pid}/stat", "rb") as f:
            return parse_start_time(f.read())
    except (OSError, ValueError):
        return None


def read_pid(path: str) -> int | None:
    try:
        with open(path, "rb") as f:
            return int(f.read(32).split()[0])
    except (OSError, ValueError, IndexError):
        return None


class DaemonWatch:
    def __init__(self, pid_file: str | None = None) -> None:
        self.pid_file = pid_file or pid_file_path()
        self._lock = threading.Lock()
        self._seen: tuple[int, int] | None = None   # (pid, start time) noted by ensure
        self.sightings = 0  # how often a daemon (another than the one noted) was noted (tests)

    def ensure(self) -> bool:
        """A daemon runs now (noting it when it is not the one noted): True; False
        when none can be seen."""
        with self._lock:
            if self._seen is not None and start_time(self._seen[0]) == self._seen[1]:
                return True
            self._seen = None
            pid = read_pid(self.pid_file)
            started = start_time(pid) if pid is not None else None
            if pid is None or started is None:
                return False
            self._seen = (pid, started)
            self.sightings += 1
            return True

    def unbroken(self) -> bool:
        """The daemon noted earlier still runs (no new one is noted)."""
        with self._lock:
            if self._seen is None:
                return False
            if start_time(self._seen[0]) != self._seen[1]:
                self._seen = None
                return False
            return True

    def close(self) -> None:
        with self._lock:
            self._seen = None
