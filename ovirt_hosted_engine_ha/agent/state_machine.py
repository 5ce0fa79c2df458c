"""How a state decides: timer, guards, then the state's own rows (spec/agent.md §3.1, §3.4).

Each state (states.py) declares, in this order of priority:
- `timeout`: after `seconds` in the state, go to `dest` before anything
  else. The timer starts at the first decision taken *in* the state (one
  cycle after entering it) and is cleared whenever the state is left;
  "after" means strictly more than `seconds`, in whole seconds.
- `guards`: checks taken in the listed order (global maintenance, unknown
  local VM, local maintenance), each sending the machine to its destination,
  or keeping the state, with the normal delay.
- `decide()`: the state's rows of the transition table, top to bottom.

A decision returns the next state object (wrapping the new record) and the
delay before the next cycle. Inside `decide`, `self` is the state decided
in the previous cycle, so `self.score(ctx)` is the score published then:
upstream compares peers with that one.

Nothing here touches the host: actions (VM start and stop) and the score
configuration come through `Context`.
"""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import Callable
from typing import ClassVar, Protocol

from . import constants
from .model import VM_UNKNOWN, AgentData
from .scoring import Score, Scoring

log = logging.getLogger(__name__)

WAIT = constants.WAIT
NOWAIT = constants.NOWAIT


class Context(Protocol):
    """What decisions need from the agent."""

    host_id: int

    def score(self, scoring: Scoring, data: AgentData) -> Score: ...

    def start_vm(self) -> bool:
        """Start the engine VM here; False when the start failed."""

    def stop_vm(self, force: bool) -> bool:
        """Shut down (or, forced, power off) the engine VM here; False on failure."""


@dataclasses.dataclass(frozen=True)
class Guard:
    name: str
    applies: Callable[[AgentData], bool]
    dest: str | None = None          # None: stay in the current state

    def to(self, dest: str | None) -> Guard:
        return dataclasses.replace(self, dest=dest)


def _global(data: AgentData) -> bool:
    return data.stats is not None and data.stats.global_maintenance


def _unknown_vm(data: AgentData) -> bool:
    return data.stats is not None and data.stats.local.engine.vm == VM_UNKNOWN


def _local(data: AgentData) -> bool:
    return data.stats is not None and data.stats.local.maintenance


GLOBAL = Guard("global maintenance", _global, "GlobalMaintenance")
UNKNOWN_VM = Guard("unknown local engine VM status", _unknown_vm, "UnknownLocalVmState")
LOCAL = Guard("local maintenance", _local, "LocalMaintenance")


@dataclasses.dataclass(frozen=True)
class Timeout:
    dest: str
    seconds: int
    delay: int = WAIT


class State:
    name: ClassVar[str] = "State"
    scoring: ClassVar[Scoring] = Scoring.FORMULA
    timeout: ClassVar[Timeout | None] = None
    guards: ClassVar[tuple[Guard, ...]] = ()
    maintenance: ClassVar[bool] = False      # published as local maintenance
    stopped: ClassVar[bool] = False          # published as a cleanly stopped agent
    shows_timeout: ClassVar[bool] = False    # publishes its deadline in the extra text

    def __init__(self, data: AgentData) -> None:
        self.data = data
        self._score: Score | None = None

    def __repr__(self) -> str:
        return f"<{self.name}>"

    def score(self, ctx: Context) -> Score:
        if self._score is None:
            self._score = ctx.score(self.scoring, self.data)
        return self._score

    def deadline(self) -> int | None:
        """When the state's timer fires, if it runs."""
        if self.timeout is None or self.data.timeout_start is None:
            return None
        return self.data.timeout_start + self.timeout.seconds

    def decide(self, new: AgentData, ctx: Context) -> tuple[State, int]:
        raise NotImplementedError

    def on_timeout(self, new: AgentData) -> AgentData:
        """The record handed to the timeout's destination."""
        return new


REGISTRY: dict[str, type[State]] = {}


def register(cls: type[State]) -> type[State]:
    REGISTRY[cls.name] = cls
    return cls


def consume(state: State, new: AgentData, ctx: Context) -> tuple[State, int]:
    """One decision: the next state and the delay before the next cycle."""
    now = new.now
    timeout = state.timeout
    if timeout is not None and new.timeout_start is not None \
            and new.timeout_start + timeout.seconds < now:
        log.info("%s timed out after %d s", state.name, now - new.timeout_start)
        data = state.on_timeout(new.replace(timeout_start=None))
        return REGISTRY[timeout.dest](data), timeout.delay
    result = _guarded(state, new, ctx)
    if timeout is None:
        return result
    nxt, delay = result
    if type(nxt) is not type(state):
        if nxt.data.timeout_start is not None:
            nxt = type(nxt)(nxt.data.replace(timeout_start=None))
        return nxt, delay
    if new.timeout_start is None:
        return type(state)(new.replace(timeout_start=now)), delay
    return result


def _guarded(state: State, new: AgentData, ctx: Context) -> tuple[State, int]:
    for guard in state.guards:
        if guard.applies(new):
            dest = guard.dest or state.name
            if dest != state.name:
                log.info("%s: going to %s", guard.name.capitalize(), dest)
            return REGISTRY[dest](new), WAIT
    return state.decide(new, ctx)
