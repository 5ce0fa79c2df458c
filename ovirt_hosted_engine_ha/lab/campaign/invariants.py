"""The campaign's invariants, checked on recorded samples (sampler.py) and episodes.

Each checker is a pure function of what was recorded, so a campaign's
verdict can be recomputed and the checkers tested on made-up recordings.

- one engine: never two hosts' vdsm report the engine VM running (Up or
  Powering up) in two consecutive samples, and the lease journal shows no
  acquisition while another holder held the lease (leaselog.check_exclusive;
  this catches overlaps shorter than the sampling interval). An overlap seen
  in one sample only is counted apart: hosts are asked one after another,
  so a migration finishing between two questions looks like one.
- fresh slots: after a fault ends, its host's slot changes again within
  SLOT_FRESH_BOUND; a host under no fault never goes longer without a change.
- engine back: the health page says "DB Up" within ENGINE_UP_BOUND after
  each fault ends.
- no lost write: each host's `host-ts` on storage never goes backwards.
"""

import dataclasses
from collections.abc import Iterable

from . import bounds
from .sampler import Sample

RUNNING = ("Up", "Powering up")


@dataclasses.dataclass
class Episode:
    """One fault as it happened (times on the campaign's clock, seconds)."""

    index: int
    kind: str
    target: int | None          # host number, None for a cluster fault
    start: float
    end: float | None = None    # when it was ended (None: ending it failed)
    settled: float | None = None  # when the recovery wait finished
    exempt: list[int] = dataclasses.field(default_factory=list)
    engine_on: int | None = None  # where the engine VM was Up when it started
    engine_up_after: float | None = None
    slot_fresh_after: float | None = None
    note: str = ""

    @property
    def watched(self) -> list[int]:
        """Hosts whose slot must be fresh again after the end."""
        return self.exempt or ([self.target] if self.target else [])

    @property
    def name(self) -> str:
        return f"#{self.index} {self.kind}" + (f" on host{self.target}" if self.target else "")


def overlaps(samples: list[Sample]) -> tuple[int, int, list[str]]:
    """(episodes seen in >= 2 consecutive samples, one-sample overlaps, descriptions)."""
    confirmed = single = 0
    described: list[str] = []
    run: list[tuple[Sample, list[int]]] = []
    for sample in samples + [Sample(float("inf"), {}, {}, False)]:
        running = sorted(k for k, s in sample.vms.items() if s in RUNNING)
        if len(running) > 1:
            run.append((sample, running))
            continue
        if len(run) >= 2:
            confirmed += 1
            hosts = sorted({k for _, ks in run for k in ks})
            first, last = run[0][0].t, run[-1][0].t
            described.append(f"engine VM running on hosts {hosts} from t={first:.1f} s "
                             f"to t={last:.1f} s ({len(run)} samples)")
        elif run:
            single += 1
        run = []
    return confirmed, single, described


def regressions(samples: Iterable[Sample]) -> list[str]:
    """Every time a host's host-ts on storage went below one seen before."""
    highest: dict[int, tuple[int, float]] = {}
    found = []
    for s in samples:
        for k, ts in s.slots.items():
            top = highest.get(k)
            if top is not None and ts < top[0]:
                found.append(f"host{k} host-ts went from {top[0]} (t={top[1]:.1f} s) back to "
                             f"{ts} (t={s.t:.1f} s)")
            if top is None or ts > top[0]:
                highest[k] = (ts, s.t)
    return found


def first_change_after(samples: list[Sample], host: int, after: float) -> float | None:
    """Seconds from `after` until host's host-ts differs from its value at `after`."""
    before = None
    for s in samples:
        ts = s.slots.get(host)
        if ts is None:
            continue
        if s.t <= after:
            before = ts
        elif ts != before:
            return s.t - after
    return None


def fresh_after(samples: list[Sample], hosts: list[int], after: float) -> float | None:
    """Seconds from `after` until every host of `hosts` has a changed slot (None: not yet)."""
    times = [first_change_after(samples, k, after) for k in hosts]
    if any(t is None for t in times):
        return None
    return max((t for t in times if t is not None), default=0.0)


def first_db_up_after(samples: list[Sample], after: float) -> float | None:
    for s in samples:
        if s.t >= after and s.db_up:
            return s.t - after
    return None


def longest_outage(samples: list[Sample], start: float, until: float) -> float:
    """The longest stretch within [start, until] in which the health page was not "DB Up"."""
    worst, down_since = 0.0, None
    for s in samples:
        if s.t < start or s.t > until:
            continue
        if not s.db_up and down_since is None:
            down_since = s.t
        elif s.db_up and down_since is not None:
            worst, down_since = max(worst, s.t - down_since), None
    if down_since is not None:
        worst = max(worst, until - down_since)
    return worst


def _exempt(episodes: list[Episode], host: int, t: float) -> float | None:
    """If `host` is exempt at `t`, when that exemption ends (inf if open)."""
    for e in episodes:
        until = e.settled if e.settled is not None else float("inf")
        if host in e.exempt and e.start <= t <= until:
            return until
    return None


def staleness(samples: list[Sample], episodes: list[Episode],
              bound: float = bounds.SLOT_FRESH_BOUND) -> tuple[dict[int, float], list[str]]:
    """Per host: the longest time its slot did not change while under no fault.

    A violation is a stretch longer than `bound`; a stretch is cut where an
    exemption (the host's own fault and its recovery) begins and starts
    again where it ends.
    """
    since: dict[int, float] = {}
    value: dict[int, int] = {}
    worst: dict[int, float] = {}
    over: dict[int, float] = {}
    violations = []
    for s in samples:
        for k, ts in s.slots.items():
            if _exempt(episodes, k, s.t) is not None:
                since.pop(k, None)
                value[k] = ts
                continue
            if k not in since or value.get(k) != ts:
                since[k], value[k] = s.t, ts
                over.pop(k, None)
                continue
            age = s.t - since[k]
            worst[k] = max(worst.get(k, 0.0), age)
            if age > bound and k not in over:
                over[k] = since[k]
                violations.append(f"host{k} slot unchanged for more than {bound:.0f} s from "
                                  f"t={since[k]:.1f} s while under no fault")
    return worst, violations


def recovery_violations(episodes: list[Episode],
                        engine_bound: float = bounds.ENGINE_UP_BOUND,
                        fresh_bound: float = bounds.SLOT_FRESH_BOUND) -> list[str]:
    found = []
    for e in episodes:
        name = e.name
        if e.end is None:
            found.append(f"{name}: could not be ended ({e.note})")
            continue
        if e.engine_up_after is None or e.engine_up_after > engine_bound:
            found.append(f"{name}: engine not 'DB Up' within {engine_bound:.0f} s of the end")
        if e.watched and (e.slot_fresh_after is None or e.slot_fresh_after > fresh_bound):
            hosts = ", ".join(f"host{k}" for k in e.watched)
            found.append(f"{name}: slot of {hosts} not fresh within {fresh_bound:.0f} s "
                         "of the end")
    return found
