"""The agent's states: upstream's names, guards, timers, rows and scores (spec/agent.md §3.5, §3.6).

One class per state. The names are published in every slot (`state=`) and
in notifications, so they are upstream's class names; a v2.3 peer's
migration states are recognised when read (`LEGACY_STATES`).

Notation in the docstrings: "local vm" is this host's engine-health `vm`
value, "best" the best-ranked engine status among this host and the live
peers (refresh.py), "myscore" the score published in the previous cycle.
"""

from __future__ import annotations

import logging

from . import constants
from .model import (
    DETAIL_PAUSED,
    HEALTH_BAD,
    HEALTH_GOOD,
    VM_DOWN,
    VM_DOWN_UNEXPECTED,
    VM_UP,
    AgentData,
)
from .scoring import Scoring
from .state_machine import (
    GLOBAL,
    LOCAL,
    NOWAIT,
    UNKNOWN_VM,
    WAIT,
    Context,
    State,
    Timeout,
    register,
)

log = logging.getLogger(__name__)

# States of v2.3 peers, gone since v2.4 (the engine migrates its VM itself).
LEGACY_STATES = ("LocalMaintenanceMigrateVm", "EngineMigratingAway")


def _local_vm(data: AgentData) -> str:
    assert data.stats is not None
    return data.stats.local.engine.vm


@register
class StartState(State):
    """Where every agent begins; always ReinitializeFSM."""

    name = "StartState"
    scoring = Scoring.ZERO

    def decide(self, new: AgentData, ctx: Context) -> tuple[State, int]:
        return ReinitializeFSM(new), WAIT


@register
class ReinitializeFSM(State):
    """Pick a state from what is seen: the VM up here -> EngineStarting, else EngineDown."""

    name = "ReinitializeFSM"
    scoring = Scoring.ZERO
    guards = (GLOBAL, UNKNOWN_VM, LOCAL)

    def decide(self, new: AgentData, ctx: Context) -> tuple[State, int]:
        if _local_vm(new) == VM_UP:
            return EngineStarting(new), NOWAIT
        return EngineDown(new), WAIT


@register
class GlobalMaintenance(State):
    """Global maintenance: no VM action; score without the memory penalty."""

    name = "GlobalMaintenance"
    scoring = Scoring.FORMULA_NO_MEMORY
    guards = (GLOBAL.to(None), LOCAL)

    def decide(self, new: AgentData, ctx: Context) -> tuple[State, int]:
        log.info("Global maintenance ended")
        return ReinitializeFSM(new), WAIT


@register
class LocalMaintenance(State):
    """Local maintenance (ha.conf): score 0; global maintenance is ignored here."""

    name = "LocalMaintenance"
    scoring = Scoring.ZERO
    guards = (LOCAL.to(None),)
    maintenance = True

    def decide(self, new: AgentData, ctx: Context) -> tuple[State, int]:
        log.info("Local maintenance ended")
        return ReinitializeFSM(new), WAIT


@register
class UnknownLocalVmState(State):
    """The engine-health monitor cannot tell the local VM status; wait for it."""

    name = "UnknownLocalVmState"
    guards = (GLOBAL, UNKNOWN_VM.to(None), LOCAL)

    def decide(self, new: AgentData, ctx: Context) -> tuple[State, int]:
        return ReinitializeFSM(new), NOWAIT


@register
class EngineDown(State):
    """The VM is not here: start it when nobody runs it and no live peer scores higher.

    Rows: best up here -> EngineStarting; best up on a peer -> stay; peers'
    liveness not known yet -> stay (upstream waits for 60 s of history
    only, design.md §7); no better-scoring live peer -> EngineStart.
    """

    name = "EngineDown"
    guards = (GLOBAL, UNKNOWN_VM, LOCAL)

    def decide(self, new: AgentData, ctx: Context) -> tuple[State, int]:
        if new.best_engine.vm == VM_UP:
            if new.best_engine_host == ctx.host_id:
                log.info("Engine VM is up on this host")
                return EngineStarting(new), NOWAIT
            return EngineDown(new), WAIT
        if not new.liveness_known:
            return EngineDown(new), WAIT
        myscore = self.score(ctx).value
        best = new.best_score_host
        if best is None or best.score <= myscore:
            log.info("Engine down and this host has the best score (%d), starting the VM",
                     myscore)
            return EngineStart(new), NOWAIT
        return EngineDown(new), WAIT


@register
class EngineStart(State):
    """Start the VM once: success -> EngineStarting, failure -> EngineDown, counted."""

    name = "EngineStart"
    guards = (GLOBAL, UNKNOWN_VM, LOCAL)

    def decide(self, new: AgentData, ctx: Context) -> tuple[State, int]:
        now = new.now
        if ctx.start_vm():
            return EngineStarting(new.replace(retry_time=now, retry_count=0)), WAIT
        count = new.retry_count + 1
        log.info("Engine VM start failed (%d failed in a row)", count)
        return EngineDown(new.replace(retry_time=now, retry_count=count)), WAIT


@register
class EngineStarting(State):
    """The VM runs here; wait (up to 600 s) for the engine to answer."""

    name = "EngineStarting"
    timeout = Timeout("EngineStop", constants.ENGINE_STARTING_TIMEOUT)
    guards = (GLOBAL, UNKNOWN_VM, LOCAL)

    def decide(self, new: AgentData, ctx: Context) -> tuple[State, int]:
        assert new.stats is not None
        engine = new.stats.local.engine
        if engine.vm == VM_UP:
            if engine.health == HEALTH_GOOD:
                log.info("Engine is up and healthy on this host")
                return EngineUp(new), WAIT
            return EngineStarting(new), WAIT
        if engine.vm == VM_DOWN:
            log.info("Engine VM went down while starting (another host may hold its lease)")
            return EngineForceStop(new), NOWAIT
        return EngineMaybeAway(new), NOWAIT


@register
class EngineUp(State):
    """The VM runs here: keep it unless it left, a peer runs a better one,
    or a live peer scores at least 800 more."""

    name = "EngineUp"
    scoring = Scoring.FORMULA_NO_MEMORY
    guards = (GLOBAL, UNKNOWN_VM)

    def decide(self, new: AgentData, ctx: Context) -> tuple[State, int]:
        assert new.stats is not None
        engine = new.stats.local.engine
        if engine.vm == VM_DOWN:
            return EngineMaybeAway(new), WAIT
        if engine.vm == VM_DOWN_UNEXPECTED:
            log.info("Engine VM stopped unexpectedly on this host")
            return EngineUnexpectedlyDown(new), WAIT
        if new.best_engine.vm != VM_UP:
            return EngineMaybeAway(new), NOWAIT
        if new.best_engine_host != ctx.host_id:
            log.info("Host %s runs a better engine, shutting down the VM here",
                     new.best_engine_host)
            return EngineStop(new), WAIT
        best = new.best_score_host
        myscore = self.score(ctx).value
        if best is not None and best.host_id != ctx.host_id \
                and best.score >= myscore + constants.RESTART_THRESHOLD_SCORE:
            log.info("Host %d scores %d, at least %d more than this host (%d): "
                     "shutting down the VM here", best.host_id, best.score,
                     constants.RESTART_THRESHOLD_SCORE, myscore)
            return EngineStop(new), WAIT
        if engine.health == HEALTH_BAD:
            return EngineUpBadHealth(new), WAIT
        return EngineUp(new), WAIT


@register
class EngineUpBadHealth(EngineUp):
    """As EngineUp, but the engine does not answer: stop the VM after 300 s of that."""

    name = "EngineUpBadHealth"
    timeout = Timeout("EngineStop", constants.ENGINE_BAD_HEALTH_TIMEOUT_SECS)
    shows_timeout = True

    def on_timeout(self, new: AgentData) -> AgentData:
        log.info("Engine health bad for too long: stopping the VM here; this host scores 0 "
                 "for %d s", constants.ENGINE_BAD_HEALTH_EXPIRATION_SECS)
        return new.replace(bad_health_time=new.now)


@register
class EngineMaybeAway(State):
    """The VM left this host: wait up to 40 s to see where it went."""

    name = "EngineMaybeAway"
    timeout = Timeout("EngineUnexpectedlyDown", constants.ENGINE_AWAY_EXPIRATION_SECS, NOWAIT)
    guards = (GLOBAL, UNKNOWN_VM, LOCAL)

    def decide(self, new: AgentData, ctx: Context) -> tuple[State, int]:
        vm = _local_vm(new)
        if vm == VM_DOWN:
            return EngineDown(new), WAIT
        if vm == VM_DOWN_UNEXPECTED:
            return EngineUnexpectedlyDown(new), WAIT
        if vm == VM_UP:
            return EngineUp(new), WAIT
        if new.best_engine.vm == VM_UP:
            return EngineDown(new), WAIT
        return EngineMaybeAway(new), WAIT


@register
class EngineUnexpectedlyDown(State):
    """The VM died here: score 0 for 560 s so that a peer starts it."""

    name = "EngineUnexpectedlyDown"
    scoring = Scoring.ZERO
    timeout = Timeout("EngineDown", constants.VM_UNEXPECTED_SHUTDOWN_EXPIRATION_SECS)
    guards = (GLOBAL, UNKNOWN_VM, LOCAL)
    shows_timeout = True

    def decide(self, new: AgentData, ctx: Context) -> tuple[State, int]:
        if new.best_engine.vm == VM_UP and new.best_engine_host == ctx.host_id:
            return EngineUp(new), WAIT
        return EngineUnexpectedlyDown(new), WAIT


@register
class EngineStop(State):
    """Shut the VM down gracefully; power it off if that takes over 300 s."""

    name = "EngineStop"
    timeout = Timeout("EngineForceStop", constants.ENGINE_BAD_HEALTH_TIMEOUT_SECS)
    guards = (GLOBAL, LOCAL, UNKNOWN_VM)
    shows_timeout = True

    def decide(self, new: AgentData, ctx: Context) -> tuple[State, int]:
        assert new.stats is not None
        engine = new.stats.local.engine
        if engine.vm != VM_UP:
            return EngineDown(new), WAIT
        if engine.detail == DETAIL_PAUSED:
            return EngineForceStop(new), NOWAIT
        if new.timeout_start is None:
            if ctx.stop_vm(False):
                return EngineStop(new), WAIT
            log.info("Engine VM shutdown failed")
            return ReinitializeFSM(new), WAIT
        return EngineStop(new), WAIT


@register
class EngineForceStop(State):
    """Power the VM off."""

    name = "EngineForceStop"
    guards = (GLOBAL, LOCAL, UNKNOWN_VM)

    def decide(self, new: AgentData, ctx: Context) -> tuple[State, int]:
        if ctx.stop_vm(True):
            return EngineDown(new), WAIT
        log.info("Engine VM power-off failed")
        return ReinitializeFSM(new), WAIT


@register
class AgentStopped(State):
    """Published once when the agent stops; never decides."""

    name = "AgentStopped"
    scoring = Scoring.ZERO
    stopped = True

    def decide(self, new: AgentData, ctx: Context) -> tuple[State, int]:
        raise AssertionError("AgentStopped takes no decisions")
