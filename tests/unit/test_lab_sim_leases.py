"""Simulated hosts' delta leases on a lockspace file (no daemon): only their sectors change."""

import os

import pytest

from ovirt_hosted_engine_ha.lab import delta_lease, errors, fill, sim_leases
from ovirt_hosted_engine_ha.lab.delta_lease import Leader
from ovirt_hosted_engine_ha.lib import directio

SPACE = b"hosted-engine"


def name_of(host_id: int) -> str:
    return sim_leases.sim_name("t", host_id)


def lockspace(directory: str, sector: int, taken: dict[int, bytes]) -> str:
    """A 1 MiB lockspace as write_lockspace leaves it, `taken` ids held by other names."""
    capacity = 2000 if sector == 512 else 250
    free = Leader(version=0x30004, flags=0x10, sector_size=sector, space_name=SPACE,
                  io_timeout=1)
    sectors = []
    for host_id in range(1, capacity + 1):
        record = free
        if host_id in taken:
            record = free.replace(owner_id=host_id, owner_generation=3, timestamp=500,
                                  resource_name=taken[host_id])
        sectors.append(delta_lease.sector(record))
    path = os.path.join(directory, "lockspace")
    with open(path, "wb") as f:
        f.write(b"".join(sectors).ljust(1024 * 1024, b"\0"))
    return path


def records(path: str, sector: int, ids) -> dict[int, bytes]:
    area = directio.read(path, 0, 1024 * 1024)
    return {i: area[(i - 1) * sector:i * sector] for i in ids}


class Clock:
    def __init__(self, now: float = 1000.0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.now += seconds


@pytest.mark.parametrize("sector", [512, 4096])
def test_join_renew_release_touch_only_the_simulated_sectors(disk_tmp, sector):
    real = {1: b"lab-t-host1", 2: b"lab-t-host2"}
    path = lockspace(disk_tmp, sector, real)
    others = [1, 2, 6, 7, 8]
    before = records(path, sector, others)
    clock = Clock()
    leases = sim_leases.SimulatedLeases(path, [3, 4, 5, 9], name_of, io_timeout=1, clock=clock)
    assert leases.join() == [3, 4, 5, 9]
    assert leases.renew_interval == 2.0
    for host_id, data in records(path, sector, [3, 4, 5, 9]).items():
        assert delta_lease.valid(data)
        record = delta_lease.decode(data)
        assert (record.owner_id, record.owner_generation, record.timestamp) == (host_id, 1, 1000)
        assert record.resource_name == name_of(host_id).encode()
        assert (record.space_name, record.io_timeout, record.sector_size) == (SPACE, 1, sector)
    clock.now = 1002.7
    leases.renew()
    assert delta_lease.decode(records(path, sector, [9])[9]).timestamp == 1002
    leases.release()
    after = records(path, sector, [3, 9])
    assert all(delta_lease.valid(d) for d in after.values())
    assert all(delta_lease.decode(d).timestamp == 0 for d in after.values())
    assert delta_lease.decode(after[3]).resource_name == name_of(3).encode()   # kept, as sanlock
    assert records(path, sector, others) == before


def test_rejoin_raises_the_generation_and_release_finds_leftovers(disk_tmp):
    path = lockspace(disk_tmp, 512, {})
    sim_leases.SimulatedLeases(path, [5], name_of, clock=Clock()).join()
    again = sim_leases.SimulatedLeases(path, [5], name_of, clock=Clock())
    again.join()
    assert delta_lease.decode(records(path, 512, [5])[5]).owner_generation == 2
    # another process (ovirt-ha-lab fill --clear) releases what this one left held
    sim_leases.SimulatedLeases(path, [5, 6], name_of).release()
    assert delta_lease.decode(records(path, 512, [5])[5]).timestamp == 0


def test_an_id_held_under_another_name_is_refused(disk_tmp):
    path = lockspace(disk_tmp, 512, {4: b"somebody-else"})
    with pytest.raises(errors.LabDetailError, match="somebody-else"):
        sim_leases.SimulatedLeases(path, [3, 4], name_of).join()


def test_ids_beyond_the_capacity_are_left_out(disk_tmp):
    path = lockspace(disk_tmp, 4096, {})
    leases = sim_leases.SimulatedLeases(path, range(240, 300), name_of, clock=Clock())
    assert leases.join() == list(range(240, 251))


def test_no_lockspace(disk_tmp):
    path = os.path.join(disk_tmp, "empty")
    with open(path, "wb") as f:
        f.write(bytes(1024 * 1024))
    with pytest.raises(errors.LabDetailError, match="no sanlock lockspace"):
        sim_leases.SimulatedLeases(path, [3], name_of).join()


def test_runs_split_at_gaps_and_limits():
    assert sim_leases.runs([1, 2, 3, 5, 6, 9], 2) == [(1, 2), (3, 1), (5, 2), (9, 1)]


class Recorder:
    def __init__(self, renew_interval):
        self.renew_interval = renew_interval
        self.calls: list[str] = []

    def advance(self):
        self.calls.append("advance")

    def renew(self):
        self.calls.append("renew")


def test_follow_renews_at_sanlocks_cadence_between_cycles():
    clock = Clock()
    filler = Recorder(renew_interval=2.0)
    fill.follow(filler, period=10.0, rounds=2, sleep=clock.sleep, clock=clock)  # type: ignore[arg-type]
    assert filler.calls == ["renew"] * 4 + ["advance"] + ["renew"] * 4 + ["advance"]
    unjoined = Recorder(renew_interval=None)
    fill.follow(unjoined, period=10.0, rounds=2, sleep=clock.sleep, clock=clock)  # type: ignore[arg-type]
    assert unjoined.calls == ["advance", "advance"]


def test_follow_stops_when_sleep_says_so():
    filler = Recorder(renew_interval=2.0)
    answers = iter([None, None, True])
    fill.follow(filler, period=10.0, sleep=lambda _: next(answers))  # type: ignore[arg-type]
    assert filler.calls == ["renew", "renew"]


def test_status_lists_runs_of_ids_as_ranges():
    from ovirt_hosted_engine_ha.lab import status

    assert status.id_list([]) == "-"
    assert status.id_list([1, 2]) == "1,2"
    assert status.id_list([1, 2, 4, 5, 6, 7, 9]) == "1,2,4-7,9"
    assert status.id_list(list(range(1, 2001))) == "1-2000"
