"""`mem-free`: free host memory in MiB, as vdsm reports it (spec/monitors.md §2.3).

Publishes `str(Host.getStats()["memFree"])` (e.g. "15873"); None while vdsm
fails or does not report it.
"""

from ...lib import exceptions
from . import base


class Submonitor(base.Submonitor):
    TYPE = "mem-free"
    FAILURE_VALUE = None
    LOG_CHANGES = False

    def measure(self) -> object:
        stats = self.ctx.vdsm.call("Host", "getStats")
        if not isinstance(stats, dict) or "memFree" not in stats:
            raise exceptions.VdsmError("Host.getStats returned no memFree")
        return str(stats["memFree"])
