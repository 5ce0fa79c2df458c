"""`cpu-load`: 1-minute load average per CPU (spec/monitors.md §2.4).

Reads `/proc/cpuinfo` (lines starting with `processor`) and `/proc/loadavg`
(first field); publishes load / cpus as a float. A failed read publishes 1.0.
The agent does not use this monitor. `/proc` is the kernel's: it is not
resolved under OVIRT_HA_ROOT (simulated hosts share the machine's kernel).
"""

from pathlib import Path

from ...lib import exceptions
from . import base

PROC_CPUINFO = Path("/proc/cpuinfo")
PROC_LOADAVG = Path("/proc/loadavg")


def cpu_count(cpuinfo: str) -> int:
    return sum(1 for line in cpuinfo.splitlines() if line.split()[:1] == ["processor"])


class Submonitor(base.Submonitor):
    TYPE = "cpu-load"
    FAILURE_VALUE = 1.0
    LOG_CHANGES = False

    def measure(self) -> object:
        cpus = cpu_count(PROC_CPUINFO.read_text())
        if cpus == 0:
            raise exceptions.DetailError(f"no processor listed in {PROC_CPUINFO}")
        load = float(PROC_LOADAVG.read_text().split()[0])
        return load / cpus
