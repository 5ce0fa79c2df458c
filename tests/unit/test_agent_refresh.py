"""Liveness, best engine, best score, retry expiry and history (spec/agent.md §3.3, §4.5)."""

import dataclasses

from ovirt_hosted_engine_ha.agent import refresh
from ovirt_hosted_engine_ha.agent.model import AgentData
from tests.agentsupport.builders import (
    BAD,
    DOWN,
    GOOD,
    MY_ID,
    PAUSED,
    UNKNOWN,
    advance,
    history,
    remote,
    snapshot,
)


def test_liveness_needs_a_snapshot_strictly_more_than_60_s_old():
    data = history(60, peers={2: 3400})
    assert (data.liveness_known, data.alive_hosts) == (False, ())
    data = advance(data, 70)
    assert (data.liveness_known, data.alive_hosts) == (True, (2,))


def test_a_host_is_alive_while_its_timestamp_changes():
    data = history(70, peers={2: 3400, 3: 3400})
    for t in range(80, 141, 10):
        data = advance(data, t, hosts={2: remote(2, t), 3: remote(3, 70)})
    # Host 3 last changed at 70. At 140 the liveness snapshot is the one of
    # 70 (70 + 60 < 140), which already had ts 70: host 3 is dead.
    assert data.alive_hosts == (2,)


def test_dead_host_detection_time():
    data = history(70, peers={2: 3400})
    died = 70   # host 2's last write
    t = 70
    while 2 in data.alive_hosts:
        t += 10
        data = advance(data, t, hosts={2: remote(2, died)})
    assert t - died == 70


def test_new_host_is_alive_when_not_in_the_old_snapshot():
    data = history(70)
    data = advance(data, 80, hosts={5: remote(5, 1)})
    assert data.alive_hosts == (5,)


def test_best_engine_prefers_local_on_ties_and_first_higher_rank():
    stats = snapshot(100, GOOD, {2: remote(2, 1, engine=GOOD), 3: remote(3, 1, engine=BAD)})
    assert refresh.best_engine(stats, (2, 3), MY_ID) == (MY_ID, None)
    stats = snapshot(100, DOWN, {2: remote(2, 1, engine=BAD), 3: remote(3, 1, engine=GOOD)})
    assert refresh.best_engine(stats, (2, 3), MY_ID)[0] == 3
    stats = snapshot(100, UNKNOWN, {2: remote(2, 1, engine=PAUSED), 3: remote(3, 1, engine=DOWN)})
    assert refresh.best_engine(stats, (2, 3), MY_ID)[0] == 2
    assert refresh.best_engine(stats, (), MY_ID) == (MY_ID, None)


def test_best_score_host_ignores_zero_and_takes_the_first_maximum():
    stats = snapshot(100, DOWN, {2: remote(2, 1, 3000), 3: remote(3, 1, 3400),
                                 4: remote(4, 1, 3400)})
    best = refresh.best_score_host(stats, (2, 3, 4))
    assert best is not None and best.host_id == 3
    zero = snapshot(100, DOWN, {2: remote(2, 1, 0)})
    assert refresh.best_score_host(zero, (2,)) is None


def test_retry_count_expires_600_s_after_the_last_attempt_on_one_clock():
    data = history(100).replace(retry_count=4, retry_time=100)
    data = advance(data, 700)
    assert data.retry_count == 4
    data = advance(data, 710)
    assert (data.retry_count, data.retry_time) == (0, None)


def test_bad_health_penalty_expires_after_600_s():
    data = history(100).replace(bad_health_time=100)
    assert advance(data, 700).bad_health_time == 100
    assert advance(data, 701).bad_health_time is None


def test_history_keeps_900_s_newest_first():
    data = history(1000)
    starts = [s.collect_start for s in data.history]
    assert starts[0] == 1000 and starts[-1] == 110
    assert starts == sorted(starts, reverse=True)


def test_empty_record():
    assert AgentData().stats is None and AgentData().now == 0


def test_an_expired_lease_makes_a_peer_dead_at_once_whatever_its_timestamp():
    data = history(70, peers={2: 3400, 3: 3400})
    assert data.alive_hosts == (2, 3)
    stats = dataclasses.replace(snapshot(80, hosts={2: remote(2, 80), 3: remote(3, 80)}),
                                expired_leases=frozenset({3}))
    data = refresh.refresh(data, stats, MY_ID, 4096)
    assert data.alive_hosts == (2,)


def test_a_live_lease_does_not_keep_a_silent_peer_alive():
    # The lockspace says nothing expired; host 3 stopped writing at 70: the
    # timestamp rule still ages it out (design.md §7).
    data = history(70, peers={2: 3400, 3: 3400})
    for t in range(80, 141, 10):
        data = advance(data, t, hosts={2: remote(2, t), 3: remote(3, 70)})
    assert data.alive_hosts == (2,)


def test_a_peer_whose_lease_renewals_fail_stays_alive_until_its_lease_expires():
    # Killed at 70: its slot stops changing; sanlock says FAIL, then DEAD at 200.
    data = history(70, peers={2: 3400, 3: 3400})
    for t in range(80, 201, 10):
        stats = dataclasses.replace(
            snapshot(t, hosts={2: remote(2, t), 3: remote(3, 70)}),
            failing_leases=frozenset({3}) if t < 200 else frozenset(),
            expired_leases=frozenset({3}) if t >= 200 else frozenset())
        data = refresh.refresh(data, stats, MY_ID, 4096)
        assert data.alive_hosts == ((2, 3) if t < 200 else (2,)), t


def test_a_failing_lease_does_not_resurrect_a_peer_already_aged_out():
    data = history(70, peers={2: 3400, 3: 3400})
    for t in range(80, 141, 10):
        data = advance(data, t, hosts={2: remote(2, t), 3: remote(3, 70)})
    assert data.alive_hosts == (2,)
    stats = dataclasses.replace(snapshot(150, hosts={2: remote(2, 150), 3: remote(3, 70)}),
                                failing_leases=frozenset({3}))
    assert refresh.refresh(data, stats, MY_ID, 4096).alive_hosts == (2,)
