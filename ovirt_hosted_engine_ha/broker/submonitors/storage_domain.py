"""`storage-domain`: is the hosted-engine storage domain healthy (spec/monitors.md §2.7)?

True iff vdsm's `Host.getStorageRepoStats(domains=[sd_uuid])` lists the
domain as `valid` with a read `delay` of at most `STORAGE_DELAY` (10) s.
Anything else, vdsm errors and a domain vdsm does not monitor included, is
False. `acquired` is not looked at.
"""

import logging

from ...env import constants
from ...lib import exceptions
from . import base
from . import options as opt

log = logging.getLogger(__name__)


class Submonitor(base.Submonitor):
    TYPE = "storage-domain"
    FAILURE_VALUE = False

    def __init__(self, options: base.Options, ctx: base.Context) -> None:
        self.sd_uuid = opt.required(options, self.TYPE, "sd_uuid")
        super().__init__(options, ctx)

    def measure(self) -> object:
        stats = self.ctx.vdsm.call("Host", "getStorageRepoStats", domains=[self.sd_uuid])
        domain = stats.get(self.sd_uuid) if isinstance(stats, dict) else None
        if not isinstance(domain, dict):
            raise exceptions.VdsmError(f"vdsm does not monitor storage domain {self.sd_uuid}")
        try:
            delay = float(domain["delay"])
        except (KeyError, TypeError, ValueError):
            raise exceptions.VdsmError(
                f"storage domain {self.sd_uuid} reports no valid delay: "
                f"{domain.get('delay')!r}") from None
        return bool(domain.get("valid")) and delay <= constants.STORAGE_DELAY
