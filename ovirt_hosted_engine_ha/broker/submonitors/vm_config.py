"""Monitor "vm-config": how fresh this host's copies of the shared configuration are.

Not one of upstream's monitors (upstream agents never start it, so they are
unaffected); any client may start it with `start_monitor("vm-config", {})`
and read it with `status_monitor("vm-config")`. Every `start_monitor` call
also asks the broker for a refresh now (on demand). The value is a JSON
object, read live from the broker's refresher (config_refresher.py):

    {"source": "ovf"|"conf-volume"|null, "age": seconds since vm.conf was
     last obtained or null, "error": why the last refresh got no vm.conf or
     null, "ovf_error": why the OVF_STORE was not used or null,
     "shared_age": ..., "shared_error": ..., "refreshes": rounds done}
"""

from typing import ClassVar, Protocol

from ...lib import exceptions
from . import base


class Refresher(Protocol):
    def value(self) -> str: ...
    def request(self) -> None: ...


class Submonitor(base.Submonitor):
    TYPE: ClassVar[str] = "vm-config"
    INTERVAL: ClassVar[float] = 3600.0   # nothing to measure: `text` is live

    def __init__(self, options: base.Options, ctx: base.Context) -> None:
        super().__init__(options, ctx)
        if ctx.refresher is None:
            raise exceptions.UnknownMonitor("monitor 'vm-config' needs the broker's "
                                            "configuration refresher, which is not running")
        self._refresher: Refresher = ctx.refresher

    @property
    def text(self) -> str:
        return self._refresher.value()

    def requested(self) -> None:
        self._refresher.request()

    def measure(self) -> object:
        return base.KEEP
