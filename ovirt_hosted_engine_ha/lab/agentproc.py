"""Start and stop one host's HA agent, as systemd would with Type=notify.

Command: ``python -m ovirt_hosted_engine_ha.agent`` in the foreground with
the host's environment (brokerproc.host_env: OVIRT_HA_ROOT,
SANLOCK_RUN_DIR, the vdsm stand-in first on PYTHONPATH) and its own
NOTIFY_SOCKET; output to ``var/log/ovirt-hosted-engine-ha/agent.stderr``.
Ready when READY=1 arrives; an agent that exits first fails the start
with its log tail. Stop: SIGTERM (the agent publishes stopped=1 and
releases its host id), SIGKILL after the grace period.
"""

import sys
from pathlib import Path

from . import errors, notifyproc
from .brokerproc import host_env
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
    return notifyproc.spawn(f"host{host.host_id}/agent", COMMAND, host_env(host),
                            host.agent_log, str(host.root), listener, watchdog)


def wait_ready(record: ProcRecord, listener: NotifyListener,
               timeout: float = READY_TIMEOUT) -> None:
    notifyproc.wait_ready(record, listener, timeout, STOP_GRACE)


def stop(record: ProcRecord, grace: float = STOP_GRACE) -> None:
    notifyproc.stop(record, grace)


kill = notifyproc.kill
