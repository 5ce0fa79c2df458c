"""The broker's monitor, notification and domain-monitor services."""

import logging

from ..env.config import HostedEngineConf
from .config_refresher import ConfigRefresher
from .domain_monitor import DomainMonitor
from .handlers import Context
from .monitor import Monitor
from .notifications import Notifier
from .status_broker import StatusBroker
from .submonitors.vdsm_access import LiveVdsm

log = logging.getLogger(__name__)


def build_context(conf: HostedEngineConf, status: StatusBroker) -> Context:
    """The services; the configuration refresher's first round runs here, before serving,
    so that the local copies exist once the broker answers."""
    refresher = ConfigRefresher(conf, LiveVdsm().call)
    try:
        refresher.refresh_once()
    except Exception:
        log.exception("The first configuration refresh failed; the refresher retries")
    refresher.start()
    return Context(status=status, monitor=Monitor(conf, refresher=refresher),
                   notifier=Notifier(conf), domain_monitor=DomainMonitor(conf.sd_uuid),
                   refresher=refresher)


def stop(ctx: Context, timeout: float) -> None:
    """Shutdown: end waits for vdsm's domain monitor, stop every monitor thread."""
    ctx.domain_monitor.interrupt()
    if ctx.refresher is not None:
        ctx.refresher.stop(timeout)
    try:
        ctx.monitor.stop_all(timeout)
    except Exception:
        log.exception("Stopping the monitors failed")
