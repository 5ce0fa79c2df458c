"""`cpu-load-no-engine`: host CPU load without the engine VM's share (spec/monitors.md §2.5).

Host load is the busy share of `/proc/stat`'s `cpu` line between two
samples; the engine VM's share is vdsm's `cpuUser + cpuSys` (percent of one
CPU) over the CPU count. Published as "%.4f" text of max(host - engine, 0).

Timing as upstream: the first sample is taken at start and the first value
one period (10 s) later; afterwards a value is computed at most every 60 s.
While the VM runs here but vdsm's CPU figures are not real yet (`cpuActual`
false), the previous load is kept for up to 300 s after such figures were
first seen. A failed measurement keeps the previous value.
"""

import dataclasses
import logging
import os
from pathlib import Path

from ...env import constants
from . import base
from . import options as opt
from .vdsm_access import server_error_code

log = logging.getLogger(__name__)

# The kernel's, not a host configuration path: not resolved under OVIRT_HA_ROOT.
PROC_STAT = Path("/proc/stat")


@dataclasses.dataclass(frozen=True)
class Ticks:
    busy: int
    total: int


def parse_proc_stat(text: str) -> Ticks:
    """Busy and total ticks from the aggregate `cpu` line (guest time is inside user)."""
    fields = [int(v) for v in text.splitlines()[0].split()[1:9]]
    total = sum(fields)
    idle = fields[3] + (fields[4] if len(fields) > 4 else 0)
    return Ticks(busy=total - idle, total=total)


@dataclasses.dataclass(frozen=True)
class EngineShare:
    load: float
    here: bool  # the VM runs on this host
    real: bool  # vdsm's CPU figures are measured, not initial values


class Submonitor(base.Submonitor):
    TYPE = "cpu-load-no-engine"
    FAILURE_VALUE = base.KEEP
    LOG_CHANGES = False

    def __init__(self, options: base.Options, ctx: base.Context) -> None:
        self.vm_uuid = opt.required(options, self.TYPE, "vm_uuid")
        self.proc_stat = PROC_STAT
        self.cpus = os.cpu_count() or 1
        self._ticks: Ticks | None = None
        self._reported_at: float | None = None
        self._real_seen_at: float | None = None
        self._load = 0.0
        super().__init__(options, ctx)

    def measure(self) -> object:
        now = self.ctx.clock()
        if self._ticks is None:
            self._ticks = parse_proc_stat(self.proc_stat.read_text())
            return base.KEEP
        reported_at = self._reported_at
        if reported_at is not None and now - reported_at < constants.CPU_LOAD_REPORT_SECS:
            return base.KEEP
        ticks = parse_proc_stat(self.proc_stat.read_text())
        busy, total = ticks.busy - self._ticks.busy, ticks.total - self._ticks.total
        if total <= 0:
            raise ValueError(f"no CPU time passed in {self.proc_stat} since the last sample")
        self._ticks = ticks
        engine = self.engine_share()
        self._accept(max(busy / total - engine.load, 0.0), engine, now)
        self._reported_at = now
        return f"{self._load:.4f}"

    def _accept(self, load: float, engine: EngineShare, now: float) -> None:
        if engine.real or not engine.here:
            self._load = load
            self._real_seen_at = now
        elif self._real_seen_at is None:
            self._real_seen_at = now
        elif now - self._real_seen_at < constants.CPU_LOAD_INIT_GRACE_SECS:
            log.debug("Ignoring cpuUser/cpuSys of VM %s, init values", self.vm_uuid)
        else:
            self._load = load

    def engine_share(self) -> EngineShare:
        try:
            stats = self.ctx.vdsm.call("VM", "getStats", vmID=self.vm_uuid)[0]
        except Exception as e:
            code = server_error_code(e)
            if code is None:
                raise
            if code != constants.VDSM_NO_SUCH_VM:
                log.error("Failed to get VM %s stats: %s", self.vm_uuid, e)
            return EngineShare(0.0, here=False, real=False)
        try:
            load = (float(stats["cpuUser"]) + float(stats["cpuSys"])) / self.cpus / 100
        except KeyError:
            return EngineShare(0.0, here=True, real=False)
        except (TypeError, ValueError) as e:
            log.warning("VM %s reports unparseable CPU figures: %s", self.vm_uuid, e)
            return EngineShare(0.0, here=True, real=False)
        real = bool(stats["cpuActual"]) if "cpuActual" in stats else stats.get("cpuUsage") != "0.00"
        return EngineShare(load, here=True, real=real)
