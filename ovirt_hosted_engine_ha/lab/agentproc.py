"""Start and stop one host's HA agent, as systemd would with Type=notify.

Command: ``python -m ovirt_hosted_engine_ha.agent`` in the foreground with
the host's environment (brokerproc.host_env: OVIRT_HA_ROOT,
SANLOCK_RUN_DIR, the vdsm stand-in first on PYTHONPATH) and its own
NOTIFY_SOCKET; output to ``var/log/ovirt-hosted-engine-ha/agent.stderr``.
Ready when READY=1 arrives; an agent that exits first fails the start
with its log tail. Stop: SIGTERM (the agent publishes stopped=1 and
releases its host id), SIGKILL after the grace period.
"""

import signal
import sys
from pathlib import Path

from . import errors, procs
from .brokerproc import WATCHDOG_USEC, host_env
from .layout import HostLayout
from .notify import NotifyListener
from .procs import ProcRecord

MODULE = "ovirt_hosted_engine_ha.agent"
READY_TIMEOUT = 60.0
STOP_GRACE = 15.0
COMMAND = [sys.executable, "-m", MODULE]


MAIN = Path(__file__).resolve().parents[1] / "agent" / "__main__.py"


def available() -> bool:
    """Whether the agent can run here (its package has a __main__)."""
    return MAIN.is_file()


def spawn(host: HostLayout, listener: NotifyListener, watchdog: bool = True) -> ProcRecord:
    """Start the agent; with `watchdog`, ask for WATCHDOG=1 (only when someone listens)."""
    if not available():
        raise errors.LabDetailError(
            f"the HA agent is not installed: no module {MODULE}.__main__ "
            "(start the lab without agents: ovirt-ha-lab up --no-agents)")
    env = host_env(host)
    env["NOTIFY_SOCKET"] = listener.path
    if watchdog:
        env["WATCHDOG_USEC"] = str(WATCHDOG_USEC)
    env["PYTHONUNBUFFERED"] = "1"
    listener.reset()
    return procs.spawn(f"host{host.host_id}/agent", COMMAND, env, host.agent_log,
                       cwd=str(host.root))


def wait_ready(record: ProcRecord, listener: NotifyListener,
               timeout: float = READY_TIMEOUT) -> None:
    """Return once READY=1 arrived; raise ProcessFailed (with the log tail) otherwise."""
    if listener.wait_ready(lambda: procs.running(record), timeout):
        return
    if not procs.running(record):
        raise procs.failed(record, procs.exit_status(record) + " before sending READY=1")
    procs.stop([record], signo=signal.SIGTERM, grace=STOP_GRACE)
    raise procs.failed(record, f"sent no READY=1 within {timeout} s (stopped)")


def stop(record: ProcRecord, grace: float = STOP_GRACE) -> None:
    procs.stop([record], signo=signal.SIGTERM, grace=grace)


def kill(record: ProcRecord) -> None:
    procs.stop([record], signo=None)
