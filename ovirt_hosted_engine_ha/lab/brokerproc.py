"""Start and stop one host's broker, as systemd would with Type=notify.

Command: ``python -m ovirt_hosted_engine_ha.broker`` with OVIRT_HA_ROOT,
SANLOCK_RUN_DIR, the stand-in first on PYTHONPATH and NOTIFY_SOCKET; output
to ``var/log/ovirt-hosted-engine-ha/broker.stderr``. Ready when READY=1
arrives; a broker that exits first fails the start with its log tail.
Stop: SIGTERM (the broker releases its host id and exits within ~5 s),
SIGKILL after the grace period.
"""

import os
import signal
import sys

from . import procs, standin
from .layout import HostLayout
from .notify import NotifyListener
from .procs import ProcRecord

READY_TIMEOUT = 30.0
STOP_GRACE = 10.0
SANLOCK_IO_TIMEOUT = "1"  # as the lab's lockspace: joins take 3 s (spec/sanlock-lab.md §3)
WATCHDOG_USEC = 60_000_000  # the unit's WatchdogSec=60 (initscripts/ovirt-ha-broker.service)
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
    env = host_env(host)
    env["NOTIFY_SOCKET"] = listener.path
    if watchdog:
        env["WATCHDOG_USEC"] = str(WATCHDOG_USEC)
    env["PYTHONUNBUFFERED"] = "1"
    listener.reset()
    return procs.spawn(f"host{host.host_id}/broker", COMMAND, env, host.broker_log,
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
