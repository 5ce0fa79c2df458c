"""A campaign's outcome: the figures of each invariant and the verdict, from the record."""

import dataclasses
from functools import cached_property
from typing import TYPE_CHECKING

from .. import leaselog
from . import bounds, invariants
from .plan import PlannedFault
from .sampler import Sample

if TYPE_CHECKING:
    from .runner import Settings


@dataclasses.dataclass
class Result:
    settings: "Settings"
    kinds: list[str]
    storage: bool                   # storage faults were in the catalogue
    plan: list[PlannedFault]
    episodes: list[invariants.Episode]
    samples: list[Sample]
    first_up: float | None          # t of the first "DB Up"
    lease_events: list[dict]

    @cached_property
    def lease_violations(self) -> list[str]:
        return leaselog.check_exclusive(self.lease_events)

    @cached_property
    def overlaps(self) -> tuple[int, int, list[str]]:
        return invariants.overlaps(self.samples)

    @cached_property
    def regressions(self) -> list[str]:
        return invariants.regressions(self.samples)

    @cached_property
    def staleness(self) -> tuple[dict[int, float], list[str]]:
        return invariants.staleness(self.samples, self.episodes)

    @cached_property
    def recovery_violations(self) -> list[str]:
        return invariants.recovery_violations(self.episodes)

    @property
    def double_runs(self) -> int:
        return self.overlaps[0] + len(self.lease_violations)

    @property
    def max_engine_up(self) -> float | None:
        return max((e.engine_up_after for e in self.episodes
                    if e.engine_up_after is not None), default=None)

    def outage(self, episode: invariants.Episode) -> float:
        """The longest time the engine was not "DB Up" from the fault's start to settling."""
        until = episode.settled if episode.settled is not None else episode.start
        return invariants.longest_outage(self.samples, episode.start, until)

    @property
    def max_outage(self) -> float:
        return max((self.outage(e) for e in self.episodes), default=0.0)

    @property
    def max_slot_fresh(self) -> float | None:
        return max((e.slot_fresh_after for e in self.episodes
                    if e.slot_fresh_after is not None), default=None)

    @property
    def max_unfaulted_staleness(self) -> float:
        return max(self.staleness[0].values(), default=0.0)

    @property
    def slot_observations(self) -> int:
        return sum(len(s.slots) for s in self.samples)

    @property
    def violations(self) -> list[str]:
        return (self.lease_violations + self.overlaps[2] + self.regressions
                + self.staleness[1] + self.recovery_violations)

    @property
    def passed(self) -> bool:
        return not self.violations and len(self.episodes) == len(self.plan)

    def figures(self) -> dict[str, str]:
        """Each invariant's figure, as one line of text."""
        def secs(v: float | None) -> str:
            return "-" if v is None else f"{v:.1f} s"
        confirmed, single, _ = self.overlaps
        return {
            "double runs": (f"{self.double_runs} (vdsm: {confirmed} in >= 2 samples, {single} "
                            f"one-sample overlaps, {len(self.samples)} samples; lease journal: "
                            f"{len(self.lease_violations)} violations in "
                            f"{len(self.lease_events)} events)"),
            "engine up after a fault": (f"max {secs(self.max_engine_up)} "
                                        f"(bound {bounds.ENGINE_UP_BOUND:.0f} s)"),
            "engine outage during a fault and its recovery": f"max {self.max_outage:.1f} s",
            "slot fresh after a fault": (f"max {secs(self.max_slot_fresh)} "
                                         f"(bound {bounds.SLOT_FRESH_BOUND:.0f} s)"),
            "slot staleness, hosts under no fault": (
                f"max {self.max_unfaulted_staleness:.1f} s "
                f"(bound {bounds.SLOT_FRESH_BOUND:.0f} s)"),
            "lost writes (host-ts going back)": (f"{len(self.regressions)} of "
                                                 f"{self.slot_observations} slot readings"),
        }
