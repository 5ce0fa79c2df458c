"""What systemd does for a ``Type=notify`` unit with ``WatchdogSec=`` and
``Restart=on-failure``, for one daemon of the lab (the fault suite's F02
and F06 rows).

    sup = Supervisor("broker", command, env, log_path, notify_path, watchdog_sec=4)
    sup.start(); sup.wait_ready()
    ...                                   # the daemon stalls or fails
    sup.wait_restarted(old_pid, timeout)  # killed by the watchdog, started again
    sup.stop()

Rules kept from systemd.service(5): the daemon gets NOTIFY_SOCKET and
WATCHDOG_USEC; once READY=1 arrived, a gap of more than `watchdog_sec`
without WATCHDOG=1 is a watchdog timeout: SIGABRT (WatchdogSignal), SIGKILL
after `abort_grace`. A watchdog timeout, a non-zero exit or death by a
signal other than SIGHUP, SIGINT, SIGTERM, SIGPIPE is a failure and the
daemon is started again after `restart_sec`; a clean exit is not. Every
step goes to `events` as (monotonic time, what, pid).
"""

import logging
import os
import signal
import subprocess
import threading
import time
from pathlib import Path

from .notify import NotifyListener

log = logging.getLogger(__name__)

CLEAN_SIGNALS = (signal.SIGHUP, signal.SIGINT, signal.SIGTERM, signal.SIGPIPE)
POLL = 0.05


class Supervisor:
    def __init__(self, name: str, command: list[str], env: dict[str, str],
                 log_path: str | os.PathLike[str], notify_path: str | os.PathLike[str],
                 watchdog_sec: float, restart_sec: float = 0.1,
                 abort_grace: float = 5.0) -> None:
        self.name = name
        self._command = command
        self._env = dict(env)
        self._log_path = Path(log_path)
        self.watchdog_sec = watchdog_sec
        self._restart_sec = restart_sec
        self._abort_grace = abort_grace
        self.listener = NotifyListener(notify_path)
        self.events: list[tuple[float, str, int]] = []
        self.proc: subprocess.Popen | None = None
        self._stopping = threading.Event()
        self._lock = threading.Lock()
        self._thread = threading.Thread(target=self._run, name=f"supervise-{name}",
                                        daemon=True)

    def _event(self, what: str, pid: int) -> None:
        self.events.append((time.monotonic(), what, pid))
        log.info("%s: %s (pid %d)", self.name, what, pid)

    @property
    def pid(self) -> int | None:
        proc = self.proc
        return proc.pid if proc is not None and proc.poll() is None else None

    def start(self) -> None:
        self._spawn()
        self._thread.start()

    def _spawn(self) -> None:
        env = dict(self._env, NOTIFY_SOCKET=self.listener.path, PYTHONUNBUFFERED="1",
                   WATCHDOG_USEC=str(int(self.watchdog_sec * 1_000_000)))
        self.listener.reset()
        with open(self._log_path, "ab") as out:
            self.proc = subprocess.Popen(self._command, env=env, stdout=out,
                                         stderr=subprocess.STDOUT, start_new_session=True)
        self._event("started", self.proc.pid)

    def _run(self) -> None:
        while not self._stopping.is_set():
            proc = self.proc
            assert proc is not None
            failed = self._watch(proc)
            if self._stopping.is_set() or not failed:
                return
            if self._stopping.wait(self._restart_sec):
                return
            with self._lock:
                if self._stopping.is_set():
                    return
                self._spawn()

    def _watch(self, proc: subprocess.Popen) -> bool:
        """Follow one process until it ends; True if it failed (restart)."""
        pings, last_ping, ready = -1, time.monotonic(), False
        while True:
            rc = proc.poll()
            if rc is not None:
                failed = rc > 0 or (rc < 0 and -rc not in CLEAN_SIGNALS)
                self._event(f"exited rc {rc}" + (" (failure)" if failed else ""), proc.pid)
                return failed and not self._stopping.is_set()
            now = time.monotonic()
            if not ready and self.listener.ready:
                ready, last_ping = True, now
                self._event("ready", proc.pid)
            if self.listener.watchdogs != pings:
                pings, last_ping = self.listener.watchdogs, now
            if ready and not self._stopping.is_set() and now - last_ping > self.watchdog_sec:
                self._event(f"watchdog timeout ({now - last_ping:.1f} s without WATCHDOG=1)",
                            proc.pid)
                self._kill(proc, signal.SIGABRT, self._abort_grace)
                proc.wait()
                self._event(f"exited rc {proc.returncode} (failure: watchdog)", proc.pid)
                return True
            time.sleep(POLL)

    @staticmethod
    def _kill(proc: subprocess.Popen, signo: int, grace: float) -> None:
        try:
            proc.send_signal(signo)
            proc.wait(grace)
        except subprocess.TimeoutExpired:
            proc.kill()
        except ProcessLookupError:
            pass

    def wait_ready(self, timeout: float = 30) -> float:
        """Seconds from the latest start to READY=1."""
        deadline = time.monotonic() + timeout
        while True:
            started = [t for t, what, _ in self.events if what == "started"][-1]
            ready = [t for t, what, _ in self.events if what == "ready" and t >= started]
            if ready:
                return ready[-1] - started
            if time.monotonic() > deadline:
                raise TimeoutError(f"{self.name}: no READY=1 within {timeout} s")
            time.sleep(POLL)

    def wait_restarted(self, old_pid: int, timeout: float) -> int:
        """The pid of a process started after `old_pid`'s end and ready; TimeoutError."""
        deadline = time.monotonic() + timeout
        while True:
            pids = [pid for _, what, pid in self.events if what == "ready"]
            if pids and pids[-1] != old_pid:
                return pids[-1]
            if time.monotonic() > deadline:
                raise TimeoutError(f"{self.name}: not restarted within {timeout} s: "
                                   f"{[what for _, what, _ in self.events]}")
            time.sleep(POLL)

    def when(self, prefix: str, pid: int | None = None) -> float | None:
        """Time of the first event starting with `prefix` (for `pid`)."""
        for t, what, p in self.events:
            if what.startswith(prefix) and (pid is None or p == pid):
                return t
        return None

    def stop(self, timeout: float = 10) -> int | None:
        """SIGTERM (SIGKILL after `timeout`), no restart; the last exit status."""
        with self._lock:
            self._stopping.set()
        proc = self.proc
        if proc is not None and proc.poll() is None:
            self._kill(proc, signal.SIGTERM, timeout)
        self._thread.join(timeout + 5)
        self.listener.close()
        return proc.returncode if proc is not None else None
