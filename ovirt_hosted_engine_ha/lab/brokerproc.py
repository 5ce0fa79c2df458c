"""Start and stop one host's broker, as systemd would with Type=notify.

Command: ``python -m ovirt_hosted_engine_ha.broker`` with OVIRT_HA_ROOT,
SANLOCK_RUN_DIR, the stand-in first on PYTHONPATH and NOTIFY_SOCKET; output
to ``var/log/ovirt-hosted-engine-ha/broker.stderr``. Ready when READY=1
arrives; a broker that exits first fails the start with its log tail.
Stop: SIGTERM (the broker releases its host id and exits within ~5 s),
SIGKILL after the grace period.
"""

import os
import sys

from . import notifyproc, standin
from .layout import HostLayout
from .notify import NotifyListener
from .procs import ProcRecord

READY_TIMEOUT = 30.0
STOP_GRACE = 10.0
SANLOCK_IO_TIMEOUT = "1"  # as the lab's lockspace: joins take 3 s (spec/sanlock-lab.md §3)
COMMAND = [sys.executable, "-m", "ovirt_hosted_engine_ha.broker"]


def host_env(host: HostLayout, base: dict[str, str] | None = None) -> dict[str, str]:
    """Environment of any process of this host (broker, agent, client, tools)."""
    env = dict(os.environ if base is None else base)
    env.pop("NOTIFY_SOCKET", None)
    env["OVIRT_HA_ROOT"] = str(host.root)
    env["SANLOCK_RUN_DIR"] = str(host.sanlock_run_dir)
    env["PYTHONPATH"] = standin.pythonpath(env.get("PYTHONPATH"))
    env.setdefault("OVIRT_HA_SANLOCK_IO_TIMEOUT", SANLOCK_IO_TIMEOUT)
    return env


def spawn(host: HostLayout, listener: NotifyListener, watchdog: bool = True) -> ProcRecord:
    """Start the broker; with `watchdog`, ask for WATCHDOG=1 as the unit does.

    Leave `watchdog` off when nothing will listen after READY=1 (the CLI's
    `up` returns), or every keep-alive would fail and be logged.
    """
    return notifyproc.spawn(f"host{host.host_id}/broker", COMMAND, host_env(host),
                            host.broker_log, str(host.root), listener, watchdog)


def wait_ready(record: ProcRecord, listener: NotifyListener,
               timeout: float = READY_TIMEOUT) -> None:
    notifyproc.wait_ready(record, listener, timeout, STOP_GRACE)


def stop(record: ProcRecord, grace: float = STOP_GRACE) -> None:
    notifyproc.stop(record, grace)


kill = notifyproc.kill
