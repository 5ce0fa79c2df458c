"""A host daemon run as systemd runs a ``Type=notify`` unit: the common part
of the lab's broker and agent processes (brokerproc.py, agentproc.py).

Spawned in the foreground with the host's environment plus NOTIFY_SOCKET
(and WATCHDOG_USEC when someone will listen to the keep-alives), output to
a per-host log. Ready when READY=1 arrives; a process that exits first, or
stays silent past the timeout, fails the start with its log tail.
"""

import os
import signal

from . import procs
from .notify import NotifyListener
from .procs import ProcRecord

WATCHDOG_USEC = 60_000_000  # the units' WatchdogSec=60 (initscripts/)


def spawn(name: str, command: list[str], env: dict[str, str], log: str | os.PathLike[str],
          cwd: str, listener: NotifyListener, watchdog: bool) -> ProcRecord:
    env = dict(env, NOTIFY_SOCKET=listener.path, PYTHONUNBUFFERED="1")
    if watchdog:
        env["WATCHDOG_USEC"] = str(WATCHDOG_USEC)
    listener.reset()
    return procs.spawn(name, command, env, log, cwd=cwd)


def wait_ready(record: ProcRecord, listener: NotifyListener, timeout: float,
               grace: float) -> None:
    """Return once READY=1 arrived; raise ProcessFailed (with the log tail) otherwise."""
    if listener.wait_ready(lambda: procs.running(record), timeout):
        return
    if not procs.running(record):
        raise procs.failed(record, procs.exit_status(record) + " before sending READY=1")
    procs.stop([record], signo=signal.SIGTERM, grace=grace)
    raise procs.failed(record, f"sent no READY=1 within {timeout} s (stopped)")


def stop(record: ProcRecord, grace: float) -> None:
    """SIGTERM, then SIGKILL after `grace` seconds."""
    procs.stop([record], signo=signal.SIGTERM, grace=grace)


def kill(record: ProcRecord) -> None:
    procs.stop([record], signo=None)
