"""cpu-load-no-engine: /proc/stat deltas minus the engine VM's share, upstream's time rules."""

import dataclasses
import sys
from pathlib import Path

import pytest

from ovirt_hosted_engine_ha.broker.submonitors import base, cpu_load_no_engine
from ovirt_hosted_engine_ha.lib import exceptions

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
from tests.monitorsupport.fakes import VM_UUID, FakeVdsm, vm_stats  # noqa: E402


@dataclasses.dataclass
class FakeClock:
    now: float = 1000.0

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


class ProcStat:
    """A fake /proc/stat: `tick(busy, idle)` adds ticks to the cpu line."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.busy = self.idle = 0
        self.tick(0, 0)

    def tick(self, busy: int, idle: int) -> None:
        self.busy += busy
        self.idle += idle
        # user nice system idle iowait irq softirq steal guest guest_nice
        self.path.write_text(f"cpu  {self.busy} 0 0 {self.idle} 0 0 0 0 999 999\ncpu0 1 2 3\n")


@pytest.fixture
def clock():
    return FakeClock()


@pytest.fixture
def proc(tmp_path):
    return ProcStat(tmp_path / "stat")


@pytest.fixture
def vdsm():
    return FakeVdsm(VM_getStats=vm_stats(cpuUser="50.00", cpuSys="50.00", cpuActual=True))


@pytest.fixture
def sub(vdsm, clock, proc):
    s = cpu_load_no_engine.Submonitor({"vm_uuid": VM_UUID},
                                      base.Context(conf=None, vdsm=vdsm, clock=clock))
    s.proc_stat = proc.path
    s.cpus = 4   # the VM's 100% of one CPU is 0.25 of the host
    return s


def step(sub, clock, proc, busy, idle, seconds=10):
    clock.advance(seconds)
    proc.tick(busy, idle)
    sub._measure_once()
    return sub.text


def test_parse_proc_stat():
    ticks = cpu_load_no_engine.parse_proc_stat("cpu  10 1 5 70 4 2 3 5 100 100\n")
    assert ticks == cpu_load_no_engine.Ticks(busy=26, total=100)


def test_first_value_after_first_period_then_every_minute(sub, clock, proc):
    sub._measure_once()
    assert sub.text == "None"
    # Host 60% busy, engine 25%: 0.35.
    assert step(sub, clock, proc, 60, 40) == "0.3500"
    for _ in range(5):
        assert step(sub, clock, proc, 100, 0) == "0.3500"   # within 60 s: unchanged
    assert step(sub, clock, proc, 0, 100) == "0.5833"        # 60 s later: 500/600 - 0.25


def test_never_negative(sub, clock, proc):
    sub._measure_once()
    assert step(sub, clock, proc, 10, 90) == "0.0000"


def test_vm_not_here_counts_no_engine_load(sub, clock, proc, vdsm):
    vdsm.fail("VM.getStats", code=1)
    sub._measure_once()
    assert step(sub, clock, proc, 50, 50) == "0.5000"


def test_other_vdsm_error_counts_as_vm_not_here(sub, clock, proc, vdsm):
    vdsm.fail("VM.getStats", code=100)
    sub._measure_once()
    assert step(sub, clock, proc, 30, 70) == "0.3000"


def test_vdsm_unreachable_keeps_previous_value(sub, clock, proc, vdsm):
    sub._measure_once()
    assert step(sub, clock, proc, 60, 40) == "0.3500"
    vdsm.fail("VM.getStats")
    assert step(sub, clock, proc, 90, 10, seconds=60) == "0.3500"


def test_init_values_ignored_for_300_s(sub, clock, proc, vdsm):
    vdsm.set("VM.getStats", vm_stats(cpuUser="0.00", cpuSys="0.00", cpuActual=False))
    sub._measure_once()
    assert step(sub, clock, proc, 50, 50) == "0.0000"     # first not-real sample: keep 0.0
    assert step(sub, clock, proc, 50, 50, 60) == "0.0000"  # 60 s after: still ignored
    assert step(sub, clock, proc, 50, 50, 240) == "0.5000"  # 300 s after: accepted


def test_old_vdsm_without_cpu_actual(sub, clock, proc, vdsm):
    vdsm.set("VM.getStats", vm_stats(cpuUser="100.00", cpuSys="0.00", cpuUsage="12345"))
    sub._measure_once()
    assert step(sub, clock, proc, 80, 20) == "0.5500"


def test_vm_without_cpu_figures_is_present_not_real(sub, clock, proc, vdsm):
    vdsm.set("VM.getStats", vm_stats(status="Down"))
    sub._measure_once()
    assert step(sub, clock, proc, 50, 50) == "0.0000"


def test_no_time_passed_keeps_value(sub, clock, proc):
    sub._measure_once()
    assert step(sub, clock, proc, 0, 0) == "None"


def test_vm_uuid_required(vdsm):
    with pytest.raises(exceptions.InvalidArgument) as e:
        cpu_load_no_engine.Submonitor({}, base.Context(conf=None, vdsm=vdsm))
    assert str(e.value) == (
        "invalid cpu-load-no-engine option 'vm_uuid': cpu-load-no-engine requires vm_uuid")


def test_real_proc_stat(vdsm):
    sub = cpu_load_no_engine.Submonitor({"vm_uuid": VM_UUID}, base.Context(conf=None, vdsm=vdsm))
    sub._measure_once()
    sub._measure_once()   # real clock: the 60 s rule starts after the first value
    assert sub.text == "None" or 0.0 <= float(sub.text) <= 1.0
