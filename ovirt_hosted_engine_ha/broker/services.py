"""The broker's monitor, notification and domain-monitor services."""

import logging

from ..env.config import HostedEngineConf
from .domain_monitor import DomainMonitor
from .handlers import Context
from .monitor import Monitor
from .notifications import Notifier
from .status_broker import StatusBroker

log = logging.getLogger(__name__)


def build_context(conf: HostedEngineConf, status: StatusBroker) -> Context:
    return Context(status=status, monitor=Monitor(conf), notifier=Notifier(conf),
                   domain_monitor=DomainMonitor(conf.sd_uuid))


def stop(ctx: Context, timeout: float) -> None:
    """Shutdown: end waits for vdsm's domain monitor, stop every monitor thread."""
    ctx.domain_monitor.interrupt()
    try:
        ctx.monitor.stop_all(timeout)
    except Exception:
        log.exception("Stopping the monitors failed")
