"""Support for the process, clock, access and endurance rows of the fault suite.

- `Daemon`: a broker (or agent) run in the foreground of the test as systemd
  runs a Type=notify unit, its output lines timestamped as they arrive;
- `VerbLoad`: threads calling verbs on a broker in a loop, recording each
  call's latency and every failure (the "other callers" of a fault row);
- `p99`, `ms`: figures (what /proc says of a process: benchmarks/procstats.py).
"""

import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path

from ovirt_hosted_engine_ha.lab.notify import NotifyListener
from ovirt_hosted_engine_ha.lib.brokerlink import BrokerLink

BROKER = [sys.executable, "-m", "ovirt_hosted_engine_ha.broker"]
STARTED: list["Daemon"] = []  # every Daemon, so a fixture can kill what a failed test left


class Daemon:
    """One process with a notify socket; `lines` holds (monotonic time, text)."""

    def __init__(self, command: list[str], env: dict[str, str], notify_path: str | Path,
                 watchdog_usec: int | None = None, prefix: list[str] | None = None) -> None:
        self.notify = NotifyListener(notify_path)
        env = dict(env, NOTIFY_SOCKET=self.notify.path, PYTHONUNBUFFERED="1")
        env.pop("WATCHDOG_USEC", None)
        if watchdog_usec is not None:
            env["WATCHDOG_USEC"] = str(watchdog_usec)
        self.started = time.monotonic()
        self.proc = subprocess.Popen((prefix or []) + command, env=env, stdout=subprocess.PIPE,
                                     stderr=subprocess.STDOUT, text=True)
        STARTED.append(self)
        self.lines: list[tuple[float, str]] = []
        self.ready_at: float | None = None
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()
        self._ready_watch = threading.Thread(target=self._watch_ready, daemon=True)
        self._ready_watch.start()

    @property
    def pid(self) -> int:
        return self.proc.pid

    def _read(self) -> None:
        assert self.proc.stdout is not None
        for line in self.proc.stdout:
            self.lines.append((time.monotonic(), line.rstrip("\n")))

    def _watch_ready(self) -> None:
        if self.notify.wait_ready(lambda: self.proc.poll() is None, 120):
            self.ready_at = time.monotonic()

    def wait_ready(self, timeout: float = 30) -> float:
        """Seconds from spawn to READY=1."""
        deadline = time.monotonic() + timeout
        while self.ready_at is None:
            if self.proc.poll() is not None or time.monotonic() > deadline:
                raise AssertionError(f"no READY=1 (rc {self.proc.poll()}): {self.output()}")
            time.sleep(0.005)
        return self.ready_at - self.started

    def output(self) -> str:
        return "\n".join(text for _, text in self.lines)

    def first_line_at(self) -> float:
        return self.lines[0][0] if self.lines else self.started

    def has(self, text: str) -> bool:
        return any(text in line for _, line in self.lines)

    def wait(self, timeout: float = 30) -> int:
        rc = self.proc.wait(timeout)
        self._reader.join(5)
        return rc

    def stop(self, timeout: float = 30) -> int:
        """SIGTERM, wait; SIGKILL if still there after `timeout`."""
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
        try:
            return self.wait(timeout)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            return self.wait(10)
        finally:
            self.close()

    def kill(self) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
        self.wait(10)

    def close(self) -> None:
        self.notify.close()


def kill_leftovers() -> None:
    """SIGKILL every Daemon still running (after a failed test)."""
    while STARTED:
        daemon = STARTED.pop()
        if daemon.proc.poll() is None:
            daemon.kill()
        daemon.close()


def broker(host, notify_path: str | Path, **kwargs) -> Daemon:
    """A broker for lab `host` (whose lab broker the caller stopped)."""
    extra = kwargs.pop("env", {})
    return Daemon(BROKER, dict(host.env, **extra), notify_path, **kwargs)


class VerbLoad:
    """`threads` callers each running `calls` (name -> callable) round robin."""

    def __init__(self, calls: dict[str, Callable[[], object]], threads: int = 2,
                 pause: float = 0.0) -> None:
        self._calls = list(calls.items())
        self._pause = pause
        self._stop = threading.Event()
        self.latencies: dict[str, list[float]] = {name: [] for name in calls}
        self.failures: list[str] = []
        self._threads = [threading.Thread(target=self._run, args=(i,), daemon=True)
                         for i in range(threads)]
        for t in self._threads:
            t.start()

    def _run(self, offset: int) -> None:
        i = offset
        while not self._stop.is_set():
            name, call = self._calls[i % len(self._calls)]
            i += 1
            start = time.monotonic()
            try:
                call()
            except Exception as e:
                self.failures.append(f"{name}: {e}")
            else:
                self.latencies[name].append(time.monotonic() - start)
            if self._pause:
                self._stop.wait(self._pause)

    def stop(self) -> None:
        self._stop.set()
        for t in self._threads:
            t.join(30)

    def all_latencies(self) -> list[float]:
        return [x for values in self.latencies.values() for x in values]

    @property
    def calls(self) -> int:
        return len(self.all_latencies())


def status_verbs(link: BrokerLink) -> dict[str, Callable[[], object]]:
    """The verbs served from memory, the ones a fault must never slow down."""
    return {"get_stats": link.get_stats_from_storage,
            "is_host_alive": lambda: link.is_host_alive(1)}


def p99(values: list[float]) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))]


def ms(seconds: float) -> str:
    return f"{seconds * 1000:.1f} ms"


def alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True
