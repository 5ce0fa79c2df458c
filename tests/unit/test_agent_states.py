"""Each state's transitions (spec/agent.md §3.6), the timer and guard mechanics (§3.4)."""

import pytest

from ovirt_hosted_engine_ha.agent import states
from ovirt_hosted_engine_ha.agent.state_machine import NOWAIT, REGISTRY, WAIT, consume
from ovirt_hosted_engine_ha.agent.states import (
    EngineDown,
    EngineForceStop,
    EngineMaybeAway,
    EngineStart,
    EngineStarting,
    EngineStop,
    EngineUnexpectedlyDown,
    EngineUp,
    EngineUpBadHealth,
    GlobalMaintenance,
    LocalMaintenance,
    ReinitializeFSM,
    StartState,
    UnknownLocalVmState,
)
from tests.agentsupport.builders import (
    BAD,
    DOWN,
    DOWN_MISSING,
    DOWN_UNEXPECTED,
    GOOD,
    PAUSED,
    UNKNOWN,
    FakeContext,
    advance,
    history,
    remote,
)


def step(state_cls, data, ctx=None):
    """One decision of `state_cls` (entered with `data`) on `data` itself."""
    ctx = ctx or FakeContext()
    nxt, delay = consume(state_cls(data), data, ctx)
    return type(nxt), delay


def test_every_upstream_state_is_registered():
    assert set(REGISTRY) == {
        "StartState", "ReinitializeFSM", "GlobalMaintenance", "LocalMaintenance",
        "UnknownLocalVmState", "EngineDown", "EngineStart", "EngineStarting", "EngineUp",
        "EngineUpBadHealth", "EngineMaybeAway", "EngineUnexpectedlyDown", "EngineStop",
        "EngineForceStop", "AgentStopped"}
    assert states.LEGACY_STATES == ("LocalMaintenanceMigrateVm", "EngineMigratingAway")


def test_start_state():
    assert step(StartState, history(0)) == (ReinitializeFSM, WAIT)


@pytest.mark.parametrize("engine,expected", [
    (GOOD, (EngineStarting, NOWAIT)),
    (BAD, (EngineStarting, NOWAIT)),
    (DOWN, (EngineDown, WAIT)),
    (UNKNOWN, (UnknownLocalVmState, WAIT)),
])
def test_reinitialize(engine, expected):
    assert step(ReinitializeFSM, history(0, engine)) == expected


def test_guard_priority_global_then_unknown_then_local():
    data = advance(history(0), 10, UNKNOWN, global_maintenance=True, maintenance=True)
    assert step(ReinitializeFSM, data) == (GlobalMaintenance, WAIT)
    data = advance(history(0), 10, UNKNOWN, maintenance=True)
    assert step(ReinitializeFSM, data) == (UnknownLocalVmState, WAIT)
    data = advance(history(0), 10, DOWN, maintenance=True)
    assert step(EngineDown, data) == (LocalMaintenance, WAIT)


def test_engine_stop_checks_local_maintenance_before_unknown_vm():
    data = advance(history(0), 10, UNKNOWN, maintenance=True)
    assert step(EngineStop, data) == (LocalMaintenance, WAIT)
    assert step(EngineForceStop, data) == (LocalMaintenance, WAIT)


def test_global_maintenance():
    base = history(0)
    assert step(GlobalMaintenance, advance(base, 10, global_maintenance=True)) == \
        (GlobalMaintenance, WAIT)
    assert step(GlobalMaintenance, advance(base, 10, maintenance=True)) == (LocalMaintenance, WAIT)
    assert step(GlobalMaintenance, advance(base, 10, global_maintenance=True,
                                           maintenance=True)) == (GlobalMaintenance, WAIT)
    assert step(GlobalMaintenance, advance(base, 10)) == (ReinitializeFSM, WAIT)


def test_local_maintenance_ignores_global():
    base = history(0)
    assert step(LocalMaintenance, advance(base, 10, global_maintenance=True,
                                          maintenance=True)) == (LocalMaintenance, WAIT)
    assert step(LocalMaintenance, advance(base, 10, global_maintenance=True)) == \
        (ReinitializeFSM, WAIT)


def test_unknown_local_vm_state():
    base = history(0)
    assert step(UnknownLocalVmState, advance(base, 10, UNKNOWN)) == (UnknownLocalVmState, WAIT)
    assert step(UnknownLocalVmState, advance(base, 10, GOOD)) == (ReinitializeFSM, NOWAIT)
    assert step(UnknownLocalVmState, advance(base, 10, UNKNOWN, global_maintenance=True)) == \
        (GlobalMaintenance, WAIT)


class TestEngineDown:
    def test_waits_until_liveness_is_known(self):
        # Upstream starts here: the history spans 60 s (its gate), but no snapshot
        # is *more* than 60 s old, so peers' liveness is unknown (design.md §7).
        data = history(60, peers={2: 3400})
        assert not data.liveness_known
        assert step(EngineDown, data) == (EngineDown, WAIT)
        data = advance(data, 70)
        assert data.liveness_known and data.alive_hosts == (2,)
        assert step(EngineDown, data) == (EngineStart, NOWAIT)

    def test_a_better_live_peer_wins(self):
        data = history(70, peers={2: 3401})
        assert step(EngineDown, data) == (EngineDown, WAIT)

    def test_ties_start_here(self):
        assert step(EngineDown, history(70, peers={2: 3400})) == (EngineStart, NOWAIT)

    def test_compares_with_the_previously_published_score(self):
        # `self` is the state of the previous cycle: its score, not the new one.
        old = history(70, peers={2: 3300})
        new = advance(old, 80, network=0.0)
        nxt, delay = consume(EngineDown(old), new, FakeContext())
        assert (type(nxt), delay) == (EngineStart, NOWAIT)

    def test_engine_up_on_a_peer(self):
        data = history(70, peers={2: 3400})
        hosts = {2: remote(2, 80, engine=GOOD)}
        assert step(EngineDown, advance(data, 80, hosts=hosts)) == (EngineDown, WAIT)

    def test_engine_up_here(self):
        assert step(EngineDown, advance(history(70), 80, GOOD)) == (EngineStarting, NOWAIT)

    def test_dead_peer_does_not_count(self):
        # Host 2 published at 0..70 and then stopped: at 150 its ts has not
        # changed since a snapshot more than 60 s old.
        data = history(70, peers={2: 3500})
        for t in range(80, 151, 10):
            data = advance(data, t, hosts={2: remote(2, 70, 3500, GOOD)})
        assert data.alive_hosts == ()
        assert step(EngineDown, data) == (EngineStart, NOWAIT)


def test_engine_start():
    data = history(70)
    ctx = FakeContext(start_ok=True)
    nxt, delay = consume(EngineStart(data), data, ctx)
    assert (type(nxt), delay, ctx.calls) == (EngineStarting, WAIT, ["start"])
    assert (nxt.data.retry_count, nxt.data.retry_time) == (0, 70)
    failing = FakeContext(start_ok=False)
    nxt, delay = consume(EngineStart(data.replace(retry_count=2)), data.replace(retry_count=2),
                         failing)
    assert (type(nxt), delay) == (EngineDown, WAIT)
    assert (nxt.data.retry_count, nxt.data.retry_time) == (3, 70)


@pytest.mark.parametrize("engine,expected", [
    (GOOD, (EngineUp, WAIT)),
    (BAD, (EngineStarting, WAIT)),
    (DOWN, (EngineForceStop, NOWAIT)),
    (DOWN_UNEXPECTED, (EngineMaybeAway, NOWAIT)),
])
def test_engine_starting(engine, expected):
    assert step(EngineStarting, advance(history(70), 80, engine)) == expected


class TestEngineUp:
    def test_stays_up(self):
        assert step(EngineUp, history(70, GOOD, peers={2: 3400})) == (EngineUp, WAIT)

    @pytest.mark.parametrize("engine,expected", [
        (DOWN, (EngineMaybeAway, WAIT)),
        (DOWN_UNEXPECTED, (EngineUnexpectedlyDown, WAIT)),
        (BAD, (EngineUpBadHealth, WAIT)),
        (UNKNOWN, (UnknownLocalVmState, WAIT)),
    ])
    def test_local_vm(self, engine, expected):
        assert step(EngineUp, advance(history(70, GOOD), 80, engine)) == expected

    def test_no_local_maintenance_check(self):
        # The engine migrates its VM away; the host keeps it until then.
        data = advance(history(70, GOOD), 80, maintenance=True)
        assert step(EngineUp, data) == (EngineUp, WAIT)

    def test_a_peer_runs_a_better_engine(self):
        data = history(70, BAD, peers={2: 3400})
        data = advance(data, 80, hosts={2: remote(2, 80, engine=GOOD)})
        assert step(EngineUp, data) == (EngineStop, WAIT)

    @pytest.mark.parametrize("peer,expected", [(3400 + 799, EngineUp), (3400 + 800, EngineStop)])
    def test_restart_threshold(self, peer, expected):
        data = history(70, GOOD, peers={2: peer})
        assert step(EngineUp, data) == (expected, WAIT)

    def test_best_engine_not_up(self):
        assert step(EngineUp, history(70, DOWN_MISSING)) == (EngineMaybeAway, NOWAIT)


class TestTimers:
    def test_bad_health_timer_starts_one_cycle_after_entry_and_fires_after_300_s(self):
        ctx = FakeContext()
        data = history(70, GOOD)
        state = EngineUp(data)
        t = 80
        data = advance(data, t, BAD)
        state, delay = consume(state, data, ctx)
        assert type(state) is EngineUpBadHealth and state.data.timeout_start is None
        while type(state) is EngineUpBadHealth:
            t += 10
            data = advance(state.data, t, BAD)
            state, delay = consume(state, data, ctx)
            if t == 90:
                assert state.data.timeout_start == 90
        # Entered at 80, timer set at 90, fires when 90 + 300 < now: at 400.
        assert (t, type(state), delay) == (400, EngineStop, WAIT)
        assert state.data.timeout_start is None
        assert state.data.bad_health_time == 400
        assert state.score(ctx).value == 0

    def test_leaving_clears_the_timer(self):
        ctx = FakeContext()
        data = history(70, BAD).replace(timeout_start=60)
        state, _ = consume(EngineUpBadHealth(data), advance(data, 80, GOOD), ctx)
        assert type(state) is EngineUp and state.data.timeout_start is None

    def test_engine_stop(self):
        ctx = FakeContext()
        data = history(70, GOOD)
        state, delay = consume(EngineStop(data), data, ctx)
        assert (type(state), delay, ctx.calls) == (EngineStop, WAIT, ["shutdown"])
        assert state.data.timeout_start == 70
        state, delay = consume(state, advance(state.data, 80, GOOD), ctx)
        assert (type(state), ctx.calls) == (EngineStop, ["shutdown"])
        state, delay = consume(state, advance(state.data, 380, GOOD), ctx)
        assert (type(state), delay) == (EngineForceStop, WAIT)

    def test_engine_stop_rows(self):
        data = history(70, DOWN)
        assert step(EngineStop, data) == (EngineDown, WAIT)
        assert step(EngineStop, history(70, PAUSED)) == (EngineForceStop, NOWAIT)
        assert step(EngineStop, history(70, GOOD), FakeContext(stop_ok=False)) == \
            (ReinitializeFSM, WAIT)

    def test_engine_force_stop(self):
        ctx = FakeContext()
        assert step(EngineForceStop, history(70, GOOD), ctx) == (EngineDown, WAIT)
        assert ctx.calls == ["poweroff"]
        assert step(EngineForceStop, history(70, GOOD), FakeContext(stop_ok=False)) == \
            (ReinitializeFSM, WAIT)

    def test_engine_maybe_away(self):
        base = history(70, DOWN_MISSING)
        assert step(EngineMaybeAway, advance(base, 80, DOWN)) == (EngineDown, WAIT)
        assert step(EngineMaybeAway, advance(base, 80, DOWN_UNEXPECTED)) == \
            (EngineUnexpectedlyDown, WAIT)
        assert step(EngineMaybeAway, advance(base, 80, GOOD)) == (EngineUp, WAIT)
        assert step(EngineMaybeAway, base) == (EngineMaybeAway, WAIT)
        expired = base.replace(timeout_start=20)
        assert step(EngineMaybeAway, expired) == (EngineUnexpectedlyDown, NOWAIT)

    def test_engine_maybe_away_engine_up_elsewhere(self):
        data = history(70, DOWN_MISSING, peers={2: 3400})
        data = advance(data, 80, hosts={2: remote(2, 80, engine=GOOD)})
        assert step(EngineMaybeAway, data) == (EngineDown, WAIT)

    def test_engine_unexpectedly_down(self):
        ctx = FakeContext()
        base = history(70, DOWN_UNEXPECTED)
        state, _ = consume(EngineUnexpectedlyDown(base), base, ctx)
        assert type(state) is EngineUnexpectedlyDown and state.score(ctx).value == 0
        assert step(EngineUnexpectedlyDown, advance(base, 80, GOOD)) == (EngineUp, WAIT)
        expired = base.replace(timeout_start=0)
        assert step(EngineUnexpectedlyDown, advance(expired, 570)) == (EngineDown, WAIT)
        assert step(EngineUnexpectedlyDown, advance(expired, 560)) == \
            (EngineUnexpectedlyDown, WAIT)

    def test_engine_starting_times_out_after_600_s(self):
        data = history(70, BAD).replace(timeout_start=70)
        assert step(EngineStarting, advance(data, 670, BAD)) == (EngineStarting, WAIT)
        assert step(EngineStarting, advance(data, 680, BAD)) == (EngineStop, WAIT)
