"""Which sanlock daemon runs: tells at once that the daemon seen earlier went away.

The daemon's pid is in its lock file ``$SANLOCK_RUN_DIR/sanlock.pid``
(default /run/sanlock). `ensure` takes a pidfd of that process (a handle
on the process itself: a reused pid cannot fool it) once /proc says it is
a sanlock daemon; `unbroken` tells whether that same process still runs
with a zero-timeout poll() of the pidfd, which reports the process's exit
(killed, crashed, even while it is an unreaped zombie): one system call,
against a request round trip to the daemon for an inquiry. A restarted
daemon is another process, so nothing noted before stays trusted.
`Lockspace` trusts a recent "held" answer only while the daemon noted
before that answer still runs (lockspace.py). Without pidfds (Linux older
than 5.3) or a readable pid file nothing is noted, and nothing is trusted.

No connection to the daemon is kept. sanlock 3.8's main loop reads a new
connection's first request header with a blocking read, and now and then
reads one that has not sent anything yet (a connection accepted into the
poll slot its wake-up eventfd just had inherits that eventfd's readiness).
A client that connects and then never sends stalls the whole daemon:
every inquiry, join and release on that host hangs. An earlier version of
this module kept such an idle connection to see the daemon die; 3-host
labs started over faultfs now and then lost an agent that way.
"""

import os
import select
import threading

DEFAULT_RUN_DIR = "/run/sanlock"
PID_FILE = "sanlock.pid"
DAEMON_NAME = "sanlock"


def pid_file_path() -> str:
    return os.path.join(os.environ.get("SANLOCK_RUN_DIR", DEFAULT_RUN_DIR), PID_FILE)


def read_pid(path: str) -> int | None:
    try:
        with open(path, "rb") as f:
            pid = int(f.read(32).split()[0])
    except (OSError, ValueError, IndexError):
        return None
    return pid if pid > 0 else None


def command_name(pid: int) -> str | None:
    try:
        with open(f"/proc/{pid}/comm", "rb") as f:
            return f.read().decode(errors="replace").strip()
    except OSError:
        return None


class DaemonWatch:
    def __init__(self, pid_file: str | None = None, name: str = DAEMON_NAME) -> None:
        self.pid_file = pid_file or pid_file_path()
        self.name = name
        self._lock = threading.Lock()
        self._pid: int | None = None
        self._pidfd: int | None = None
        self._poll = select.poll()
        self.sightings = 0  # how often a daemon (another than the one noted) was noted (tests)

    def ensure(self) -> bool:
        """The daemon named by the pid file runs now (noting it when it is not the
        one noted): True; False when none can be seen."""
        with self._lock:
            pid = read_pid(self.pid_file)
            if pid is not None and pid == self._pid and self._running():
                return True
            self._drop()
            if pid is None:
                return False
            try:
                pidfd = os.pidfd_open(pid)
            except (OSError, AttributeError):   # gone, or no pidfds here
                return False
            self._pid, self._pidfd = pid, pidfd
            self._poll.register(pidfd, select.POLLIN)
            # The name is read after the pidfd pins the process: if the pid was
            # another process's by then, that process has exited and poll says so.
            if command_name(pid) != self.name or not self._running():
                self._drop()
                return False
            self.sightings += 1
            return True

    def unbroken(self) -> bool:
        """The daemon noted earlier still runs (no new one is noted)."""
        with self._lock:
            if self._pidfd is None:
                return False
            if not self._running():
                self._drop()
                return False
            return True

    def close(self) -> None:
        with self._lock:
            self._drop()

    def _running(self) -> bool:
        # A pidfd is readable once its process has exited.
        return self._pidfd is not None and not self._poll.poll(0)

    def _drop(self) -> None:
        if self._pidfd is not None:
            self._poll.unregister(self._pidfd)
            os.close(self._pidfd)
        self._pid = self._pidfd = None
