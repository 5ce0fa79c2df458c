"""The campaign's seeded draw and its invariant checkers, on recorded (made-up) data."""

import argparse
import os

import pytest

from ovirt_hosted_engine_ha.lab import cli
from ovirt_hosted_engine_ha.lab.campaign import (
    bounds,
    catalogue,
    invariants,
    journal,
    plan,
    report,
    sampler,
)
from ovirt_hosted_engine_ha.lab.campaign.invariants import Episode
from ovirt_hosted_engine_ha.lab.campaign.result import Result
from ovirt_hosted_engine_ha.lab.campaign.runner import Settings
from ovirt_hosted_engine_ha.lab.campaign.sampler import Sample
from ovirt_hosted_engine_ha.lib import metadata

KINDS = catalogue.catalogue(storage=False)


def draw(seed: int, count: int = 30, kinds=KINDS) -> list[plan.PlannedFault]:
    return plan.draw(seed, count, 3, kinds, 2.0, 8.0)


def test_same_seed_same_sequence():
    assert draw(42) == draw(42)
    assert draw(42)[:10] == draw(42, count=10)


def test_other_seed_other_sequence():
    assert draw(42) != draw(43)


def test_draws_stay_within_the_arguments():
    names = {k.name for k in KINDS}
    for p in draw(7, count=200):
        assert p.kind in names
        assert p.target == plan.ENGINE or p.target in ("1", "2", "3")
        assert 2.0 <= p.gap <= 8.0 and 2.0 <= p.hold <= 8.0
    assert {p.kind for p in draw(7, count=200)} == names


def test_storage_faults_only_when_the_lab_has_them():
    assert not any(k.name.startswith("storage") for k in catalogue.catalogue(False))
    storage = [p for p in draw(5, count=200, kinds=catalogue.catalogue(True))
               if p.kind.startswith("storage")]
    assert storage and all(p.target == "cluster" for p in storage)
    assert not catalogue.storage_faults_available(object())

    class Refusing:
        @property
        def storage_faults(self):
            raise RuntimeError("the lab runs without faultfs")

    class Fuse:
        storage_faults = object()

    assert not catalogue.storage_faults_available(Refusing())
    assert catalogue.storage_faults_available(Fuse())


@pytest.mark.parametrize("args", [(-1, 3, 1, 2), (5, 0, 1, 2), (5, 3, 3, 2), (5, 3, -1, 2)])
def test_draw_refuses_bad_arguments(args):
    count, hosts, lo, hi = args
    with pytest.raises(ValueError):
        plan.draw(1, count, hosts, KINDS, lo, hi)


def test_exempt_hosts():
    kinds = catalogue.by_name(storage=True)
    assert kinds["kill-host"].exempt(2, [1, 2, 3]) == [2]
    assert kinds["local-maintenance"].exempt(2, [1, 2, 3]) == []
    assert kinds["storage-hang"].exempt(None, [1, 2, 3]) == [1, 2, 3]


def s(t, vms=None, slots=None, up=True):
    return Sample(t, vms or {}, slots or {}, up)


def test_overlap_in_two_samples_is_a_double_run():
    samples = [s(0, {1: "Up", 2: "Down"}), s(1, {1: "Up", 2: "Powering up"}),
               s(2, {1: "Up", 2: "Up"}), s(3, {2: "Up"})]
    confirmed, single, described = invariants.overlaps(samples)
    assert (confirmed, single) == (1, 0)
    assert "hosts [1, 2]" in described[0]


def test_one_sample_overlap_is_counted_apart():
    samples = [s(0, {1: "Up"}), s(1, {1: "Up", 2: "Up"}), s(2, {1: "Migration Source", 2: "Up"})]
    assert invariants.overlaps(samples)[:2] == (0, 1)


def test_host_ts_going_back_is_a_lost_write():
    samples = [s(0, slots={1: 100, 2: 50}), s(1, slots={1: 110}), s(2, slots={1: 105, 2: 60})]
    found = invariants.regressions(samples)
    assert len(found) == 1 and "host1" in found[0] and "110" in found[0]
    assert invariants.regressions(samples[:2]) == []


def test_recovery_times_after_the_end():
    samples = [s(0, slots={1: 10}, up=True), s(5, slots={1: 10}, up=False),
               s(12, slots={1: 10}, up=False), s(20, slots={1: 30}, up=False),
               s(31, slots={1: 30}, up=True)]
    assert invariants.first_change_after(samples, 1, 10) == 10
    assert invariants.first_db_up_after(samples, 10) == 21
    assert invariants.fresh_after(samples, [1, 2], 10) is None
    assert invariants.first_change_after(samples, 1, 25) is None


def test_staleness_outside_faults():
    samples = [s(t, slots={1: t // 10 * 10, 2: 0}) for t in range(0, 100)]
    kill = Episode(1, "kill-host", 2, start=0, end=5, settled=95, exempt=[2])
    worst, violations = invariants.staleness(samples, [kill])
    assert worst[1] == 9 and violations == []
    worst, violations = invariants.staleness(samples, [])
    assert worst[2] == 99 and len(violations) == 1 and "host2" in violations[0]


def test_recovery_violations():
    ok = Episode(1, "kill-host", 2, 0, end=10, settled=50, exempt=[2],
                 engine_up_after=40, slot_fresh_after=12)
    slow = Episode(2, "stop-vdsm", 1, 60, end=70, settled=300, exempt=[1],
                   engine_up_after=bounds.ENGINE_UP_BOUND + 1, slot_fresh_after=None)
    stuck = Episode(3, "restart-broker", 3, 300, end=None, note="end failed: x")
    assert invariants.recovery_violations([ok]) == []
    found = invariants.recovery_violations([ok, slow, stuck])
    assert len(found) == 3
    assert "engine not 'DB Up'" in found[0] and "host1" in found[1]
    assert "could not be ended" in found[2]


def result(episodes, samples, events=()) -> Result:
    settings = Settings(root="/var/tmp/x", hosts=2, faults=len(episodes), seed=9,
                        min_wait=1, max_wait=2)
    planned = [plan.PlannedFault(e.index, e.kind, str(e.target), 1, 1) for e in episodes]
    return Result(settings, [k.name for k in KINDS], False, planned, episodes, samples,
                  1.0, list(events))


def test_report_pass_and_fail():
    samples = [s(t, {1: "Up"}, {1: t // 10 * 10, 2: t // 10 * 10}) for t in range(0, 60)]
    episode = Episode(1, "kill-host", 2, 5, end=10, settled=21, exempt=[2],
                      engine_up_after=0.0, slot_fresh_after=10.0)
    good = result([episode], samples)
    text = report.format_report(good)
    assert good.passed and "verdict: PASS (seed 9)" in text
    assert "--seed 9" in text and "kill-host" in text
    assert "double runs: 0" in text
    events = [{"event": "acquired", "pid": 1, "host": 1, "version": 1, "owners": [1]},
              {"event": "acquired", "pid": 2, "host": 2, "version": 2, "owners": [2]}]
    bad = result([episode], samples, events)
    assert not bad.passed and bad.double_runs == 1
    assert "verdict: FAIL" in report.format_report(bad)
    assert "FAIL" in report.summary(bad)


def test_cli_parses_the_campaign():
    args = cli.parse_args(["campaign", "--root", "/var/tmp/x", "--hosts", "3", "--faults", "8",
                           "--seed", "5", "--min-wait", "1", "--max-wait", "3"])
    assert isinstance(args, argparse.Namespace)
    assert (args.faults, args.seed, args.min_wait, args.max_wait) == (8, 5, 1.0, 3.0)
    assert cli.COMMANDS["campaign"] is not None


def test_longest_outage():
    samples = [s(0), s(1, up=False), s(2, up=False), s(4), s(5, up=False), s(6)]
    assert invariants.longest_outage(samples, 0, 6) == 3
    assert invariants.longest_outage(samples, 4.5, 5.5) == 0.5
    assert invariants.longest_outage([s(0), s(1)], 0, 1) == 0


class _Volume:
    """What read_slots needs of a cluster: host ids and the metadata volume."""

    def __init__(self, path, hosts):
        self.metadata_path = path
        self.hosts = dict.fromkeys(hosts)


def test_read_slots_from_the_volume(lab_dir):
    path = os.path.join(lab_dir, "metadata")
    image = bytearray(4 * metadata.SLOT_BYTES)
    for host_id, ts in ((1, 1234), (3, 99)):
        slot = metadata.HostSlot(host_id, ts, 3400, '{"vm": "up"}', f"host{host_id}")
        image[host_id * metadata.SLOT_BYTES:(host_id + 1) * metadata.SLOT_BYTES] = \
            metadata.build_host_slot(slot)
    image[3 * metadata.SLOT_BYTES + 5] = ord("x")          # slot 3 fails its checksum
    with open(path, "wb") as f:
        f.write(bytes(image))
    assert sampler.read_slots(_Volume(path, [1, 2, 3])) == {1: 1234}


def test_record_round_trip(lab_dir):
    samples = [s(t, {1: "Up"}, {1: t // 10 * 10, 2: t // 10 * 10}) for t in range(0, 60)]
    episode = Episode(1, "kill-host", 2, 5, end=10, settled=21, exempt=[2],
                      engine_up_after=0.0, slot_fresh_after=10.0)
    events = [{"event": "acquired", "pid": 1, "host": 1, "version": 1, "owners": [1]},
              {"event": "acquired", "pid": 2, "host": 2, "version": 2, "owners": [2]}]
    original = result([episode], samples, events)
    path = os.path.join(lab_dir, "campaign-9.json")
    journal.save(original, path)
    again = journal.load(path)
    assert again.samples == original.samples and again.episodes == original.episodes
    assert again.plan == original.plan and again.settings == original.settings
    assert report.format_report(again) == report.format_report(original)
    assert not again.passed and again.double_runs == 1


def test_check_exit_status(lab_dir, capsys):
    samples = [s(t, {1: "Up"}, {1: t // 10 * 10}) for t in range(0, 30)]
    episode = Episode(1, "kill-host", 1, 5, end=10, settled=21, exempt=[1],
                      engine_up_after=0.0, slot_fresh_after=10.0)
    good, bad = (os.path.join(lab_dir, name) for name in ("good.json", "bad.json"))
    journal.save(result([episode], samples), good)
    journal.save(result([episode], samples + [s(31, {1: "Up"}, {1: 5})]), bad)
    assert cli.main(["campaign", "--check", good]) == 0
    assert cli.main(["campaign", "--check", bad]) == 1
    assert "host1 host-ts went from 20" in capsys.readouterr().out
