"""The agent's one clock: monotonic seconds (spec/reliability.md R25).

Decisions use whole seconds (`int(clock())`), as upstream's timestamps do:
the liveness window, the state timers and the published `host-ts` all
compare integers. Tests drive a `FakeClock`; the lab may run the agent's
clock faster than real time (`ScaledClock`).
"""

import dataclasses
import time
from typing import Protocol


class Clock(Protocol):
    def __call__(self) -> float:
        """Monotonic seconds."""


@dataclasses.dataclass
class FakeClock:
    now: float = 0.0

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


@dataclasses.dataclass(frozen=True)
class ScaledClock:
    """Monotonic time running `scale` times faster (lab only); 1 is real time."""

    scale: float = 1.0

    def __call__(self) -> float:
        return time.monotonic() * self.scale

    def real_seconds(self, seconds: float) -> float:
        """How long `seconds` of this clock last in real time."""
        return seconds / self.scale
