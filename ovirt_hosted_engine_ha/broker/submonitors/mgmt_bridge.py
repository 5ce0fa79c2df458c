"""`mgmt-bridge`: is the management bridge up (spec/monitors.md §2.2)?

vdsm `Host.getStats()["network"][bridge_name]["state"] == "up"` -> True;
listed with another state, or not listed -> False; no `network` key, or
vdsm failing -> None.
"""

from ...lib import exceptions
from . import base
from . import options as opt


class Submonitor(base.Submonitor):
    TYPE = "mgmt-bridge"
    FAILURE_VALUE = None

    def __init__(self, options: base.Options, ctx: base.Context) -> None:
        self.bridge_name = opt.required(options, self.TYPE, "bridge_name")
        super().__init__(options, ctx)

    def measure(self) -> object:
        stats = self.ctx.vdsm.call("Host", "getStats")
        network = stats.get("network") if isinstance(stats, dict) else None
        if not isinstance(network, dict):
            raise exceptions.VdsmError("Host.getStats returned no network statistics")
        link = network.get(self.bridge_name)
        return isinstance(link, dict) and link.get("state") == "up"
