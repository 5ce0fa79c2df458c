"""Run the daemons a scratch root got from our package, as systemd would.

The command is the installed /usr/libexec script itself (its shebang is
/usr/bin/python3, this machine's), with the lab host's environment
(OVIRT_HA_ROOT, SANLOCK_RUN_DIR) and a PYTHONPATH of only the lab's vdsm
stand-in and the root's dist-packages: nothing comes from the source tree.
A small harness plays systemd's part: NOTIFY_SOCKET for READY=1, STOPPING=1
and WATCHDOG=1 (WATCHDOG_USEC asks for keep-alives every half of it).
"""

from __future__ import annotations

import os
import signal
import subprocess
import time
from collections.abc import Callable
from pathlib import Path

from ovirt_hosted_engine_ha.lab import brokerproc, procs, standin
from ovirt_hosted_engine_ha.lab.layout import HostLayout
from ovirt_hosted_engine_ha.lab.notify import NotifyListener

from .expected import LIBEXEC, SITE

WATCHDOG_USEC = 1_000_000


def env(layout: HostLayout, root: Path) -> dict[str, str]:
    e = brokerproc.host_env(layout)
    e["PYTHONPATH"] = os.pathsep.join([str(standin.STANDIN_DIR), str(root / SITE)])
    e.pop("VIRTUAL_ENV", None)
    return e


def imported_from(layout: HostLayout, root: Path) -> str:
    """Where the installed daemons' interpreter finds the package."""
    out = subprocess.run(
        ["/usr/bin/python3", "-c", "import ovirt_hosted_engine_ha as p; print(p.__file__)"],
        env=env(layout, root), cwd=str(root), capture_output=True, text=True, check=True,
        timeout=60)
    return out.stdout.strip()


class InstalledDaemon:
    """One installed daemon in the foreground, under the notify/watchdog harness.

    Started through the lab's process registry, so that a test session that
    dies leaves nothing running (tests/conftest.py sweeps it).
    """

    def __init__(self, layout: HostLayout, root: Path, name: str, notify_path: Path,
                 log: Path, wrap: Callable[[list[str]], list[str]] | None = None) -> None:
        """`wrap` turns the command into the one to run (sandbox.wrap)."""
        self.notify = NotifyListener(notify_path)
        self.log = log
        e = dict(env(layout, root), NOTIFY_SOCKET=self.notify.path,
                 WATCHDOG_USEC=str(WATCHDOG_USEC), PYTHONUNBUFFERED="1")
        argv = [str(root / LIBEXEC / name)]
        self.record = procs.spawn(f"installed/{name}", wrap(argv) if wrap else argv, e, log,
                                  cwd=str(root))
        self.started = time.monotonic()

    def output(self) -> str:
        return self.log.read_text(errors="replace")

    def wait_ready(self, timeout: float = 60) -> float:
        """Seconds from spawn to READY=1; AssertionError with the output otherwise."""
        if not self.notify.wait_ready(lambda: procs.running(self.record), timeout):
            self.stop()
            raise AssertionError(f"no READY=1 within {timeout} s:\n{self.output()[-4000:]}")
        return time.monotonic() - self.started

    def stop(self, grace: float = 30) -> int | None:
        """SIGTERM, SIGKILL after `grace`; the exit status (negative: killed by that signal)."""
        procs.stop([self.record], signo=signal.SIGTERM, grace=grace)
        self.notify.close()
        return procs.reap(self.record)
