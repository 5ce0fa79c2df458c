"""The seeded draw: which faults, on which hosts, held how long.

The whole sequence is drawn before the first fault from `random.Random(seed)`
and depends only on (seed, number of faults, hosts, min/max wait, the
catalogue's kinds): the same arguments give the same sequence, so a failing
seed replays. What cannot replay exactly is timing (how fast processes
start, when agents cycle) and the host a target "engine" resolves to: the
engine's host when the fault starts.
"""

import dataclasses
import random

from .catalogue import HOST, FaultKind

ENGINE = "engine"          # target: the host running the engine VM when the fault starts
ENGINE_TARGET_SHARE = 0.4  # share of host faults aimed at the engine's host


@dataclasses.dataclass(frozen=True)
class PlannedFault:
    index: int             # 1..N
    kind: str
    target: str            # "engine", a host number as text, or "cluster"
    gap: float             # seconds of calm before it starts (after the last recovery)
    hold: float            # seconds the fault lasts before it is ended

    def describe(self) -> str:
        where = {ENGINE: "engine's host", "cluster": "cluster"}.get(self.target,
                                                                    f"host{self.target}")
        return f"#{self.index} after {self.gap:.1f} s: {self.kind} on {where} for {self.hold:.1f} s"


def draw(seed: int, count: int, hosts: int, kinds: list[FaultKind],
         min_wait: float, max_wait: float) -> list[PlannedFault]:
    """`count` faults drawn from `kinds` with `random.Random(seed)`."""
    if count < 0 or hosts < 1 or not kinds:
        raise ValueError(f"need faults >= 0, hosts >= 1 and kinds (got {count}, {hosts}, "
                         f"{len(kinds)})")
    if not 0 <= min_wait <= max_wait:
        raise ValueError(f"need 0 <= min wait <= max wait, got {min_wait}, {max_wait}")
    rng = random.Random(seed)
    planned = []
    for index in range(1, count + 1):
        kind = kinds[rng.randrange(len(kinds))]
        if kind.scope == HOST:
            engine = rng.random() < ENGINE_TARGET_SHARE
            number = rng.randint(1, hosts)
            target = ENGINE if engine else str(number)
        else:
            target = "cluster"
        gap = round(rng.uniform(min_wait, max_wait), 1)
        hold = round(rng.uniform(min_wait, max_wait), 1)
        planned.append(PlannedFault(index, kind.name, target, gap, hold))
    return planned
