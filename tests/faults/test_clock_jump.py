"""F17: the wall clock jumps +1 h, then -2 h (to real -1 h), then back,
while two lab hosts' brokers and agents run; the machine's clock is not
touched: the four daemons run under libfaketime (tests/faults/faketime.py)
with a wall-clock offset the test changes at run time.

Watched all along, every half second:
- liveness: what each host's broker answers for the other host
  (`is_host_alive`, fed by its agent): no transition once both are alive;
- monitors: vdsm calls the broker's monitors make (Host.getStats,
  repoStats) keep coming in every phase;
- the agents' publish cycle: each slot's timestamp keeps advancing, with
  gaps neither early nor late (a timeout computed from the wall clock would
  fire an hour early or late).
The wall-clock date each agent writes in its slot shows the jump reached it.
"""

import re
import threading
import time

import pytest

from ovirt_hosted_engine_ha.lab import agentproc
from ovirt_hosted_engine_ha.lib import metadata
from tests.faults import faketime
from tests.monitorsupport.wait import wait_for

pytestmark = pytest.mark.integration

HOLD = 15.0  # seconds per phase: at least one agent cycle
PHASES = (("+1 h", 3600), ("-1 h", -3600), ("real", 0))
MONITOR_VERBS = ("Host.getStats", "Host.getStorageRepoStats")
DATE = re.compile(r"timestamp=(\d+) \(([^)]+)\)")


def slot_of(host, host_id: int) -> metadata.HostSlot | None:
    data = host.link().get_stats_from_storage().get(host_id)
    return metadata.parse_host_slot(host_id, data) if data else None


def wall_offset(slot: metadata.HostSlot) -> float:
    """The agent's wall clock minus the real one, from the date in its slot."""
    match = DATE.search(slot.extra)
    assert match, slot.extra
    shown = time.mktime(time.strptime(match.group(2)))
    return shown - time.time()


class Watch:
    """Samples liveness and publish timestamps of both hosts."""

    def __init__(self, lab) -> None:
        self.lab = lab
        self.alive: dict[tuple[int, int], list[tuple[float, bool]]] = {}
        self.ts: dict[int, list[tuple[float, int]]] = {1: [], 2: []}
        self.errors: list[str] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while not self._stop.wait(0.5):
            now = time.monotonic()
            for k, host in self.lab.hosts.items():
                other = 3 - k
                try:
                    seen = host.link(5).is_host_alive(other)
                    slot = slot_of(host, k)
                except Exception as e:
                    self.errors.append(f"host{k}: {e}")
                    continue
                series = self.alive.setdefault((k, other), [])
                if not series or series[-1][1] != seen:
                    series.append((now, seen))
                if slot is not None and (not self.ts[k] or self.ts[k][-1][1] != slot.host_ts):
                    self.ts[k].append((now, slot.host_ts))

    def both_alive(self) -> bool:
        return all(s and s[-1][1] for s in (self.alive.get((1, 2)), self.alive.get((2, 1))))

    def transitions_after(self, t: float) -> int:
        return sum(1 for series in self.alive.values() for when, _ in series if when > t)

    def gaps_after(self, t: float) -> list[float]:
        gaps = []
        for series in self.ts.values():
            times = [when for when, _ in series if when > t]
            gaps += [b - a for a, b in zip(times, times[1:], strict=False)]
        return gaps

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(10)


@pytest.mark.row("F17")
@pytest.mark.timeout(400)
def test_wall_clock_jumps(cluster, tmp_path, monkeypatch, row):
    if not agentproc.available():
        pytest.skip(f"the HA agent is not installed ({agentproc.MAIN})")
    if faketime.library() is None:
        pytest.skip("libfaketime is not installed (Debian package faketime)")
    lab = cluster(hosts=2)
    clock = faketime.FakeClock(tmp_path / "faketime.rc")
    for host in lab.hosts.values():
        host.stop_broker()
    with monkeypatch.context() as env:
        for key, value in clock.env().items():
            env.setenv(key, value)
        lab.start_brokers()
        lab.start_agents()
    for host in lab.hosts.values():
        assert faketime.under_faketime(host.broker_pid) and faketime.under_faketime(
            host.agent_pid)
    watch = Watch(lab)
    try:
        wait_for(watch.both_alive, 180, 0.5)
        steady = time.monotonic()
        figures = []
        for name, offset in PHASES:
            calls = {k: h.sim.calls() for k, h in lab.hosts.items()}
            clock.jump(offset)
            began = time.monotonic()
            time.sleep(HOLD)
            published = {k: [ts for when, ts in watch.ts[k] if when > began]
                         for k in lab.hosts}
            offsets = {k: wall_offset(slot_of(lab.hosts[k], k)) for k in lab.hosts}
            more = {k: sum(h.sim.calls().get(v, 0) - calls[k].get(v, 0) for v in MONITOR_VERBS)
                    for k, h in lab.hosts.items()}
            shown = ", ".join(f"{o / 3600:+.2f} h" for o in offsets.values())
            figures.append(f"{name}: agents' clocks {shown}, "
                           f"{min(len(p) for p in published.values())}+ publishes and "
                           f"{min(more.values())}+ monitor calls per host")
            assert all(abs(o - offset) < 120 for o in offsets.values()), (name, offsets)
            assert all(published.values()), f"{name}: an agent stopped publishing"
            assert all(more.values()), f"{name}: monitors froze: {more}"
        transitions = watch.transitions_after(steady)
        gaps = watch.gaps_after(steady)
    finally:
        watch.stop()
        clock.jump(0)
    row.observe(f"false liveness transitions {transitions}; publish gaps "
                f"{min(gaps):.1f}-{max(gaps):.1f} s; " + "; ".join(figures))
    assert transitions == 0, watch.alive
    assert watch.errors == []
    assert 5 <= min(gaps) and max(gaps) <= 25
