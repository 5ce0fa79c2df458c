"""The lease journal and its exclusivity check."""

from ovirt_hosted_engine_ha.lab import leaselog


def acquired(pid: int, host: int, version: int, owners: list[int] | None = None) -> dict:
    return {"event": "acquired", "pid": pid, "host": host, "version": version,
            "owners": [host] if owners is None else owners}


def test_append_and_read(tmp_path):
    path = tmp_path / "lease.jsonl"
    assert leaselog.read(path) == []
    leaselog.append(path, "acquired", pid=10, host=1, version=1, owners=[1])
    leaselog.append(path, "releasing", pid=10, host=1, version=1, why="migration")
    events = leaselog.read(path)
    assert [e["event"] for e in events] == ["acquired", "releasing"]
    assert events[0]["owners"] == [1] and "t" in events[0] and "mono" in events[0]


def test_one_holder_at_a_time_passes():
    events = [
        acquired(10, 1, 1),
        {"event": "failed", "pid": 11, "errno": -243},
        {"event": "releasing", "pid": 10, "host": 1},
        acquired(12, 2, 2),
        {"event": "host-killed", "host": 2},
        acquired(13, 3, 3),
        {"event": "killing", "pid": 13},
        acquired(14, 1, 4),
    ]
    assert leaselog.check_exclusive(events) == []
    assert leaselog.holders(events) == {14: 1}


def test_overlap_is_reported():
    events = [acquired(10, 1, 1), acquired(12, 2, 2)]
    assert leaselog.check_exclusive(events) == [
        "pid 12 on host 2 acquired lease version 2 while pid 10 on host 1 held version 1"]


def test_version_must_grow_and_owner_must_be_the_acquirer():
    events = [acquired(10, 1, 3), {"event": "exited", "pid": 10, "code": 0},
              acquired(12, 2, 3, owners=[1, 2])]
    problems = leaselog.check_exclusive(events)
    assert problems == ["lease version went from 3 to 3 (pid 12 on host 2)",
                        "pid 12 on host 2 acquired but sanlock reads owners [1, 2]"]
