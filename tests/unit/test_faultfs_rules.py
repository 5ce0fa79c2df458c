"""The fault table of lab/faultfs: which operation a fault touches and what it does."""

import errno
import threading
import time

import pytest

from ovirt_hosted_engine_ha.lab.faultfs.rules import Fault, FaultError, FaultTable, normalize_path


@pytest.mark.parametrize("data, message", [
    ({"kind": "melt"}, "unknown fault 'melt'"),
    ({"kind": "slow", "seconds": 0}, "slow needs seconds"),
    ({"kind": "slow", "seconds": 3, "op": "stat"}, "op must be read or write"),
    ({"kind": "fail", "error": "EPERM"}, "fail needs one of EIO, ENOSPC"),
    ({"kind": "vanish", "op": "read"}, "vanish applies to lookups"),
    ({"kind": "hang", "colour": "red"}, "unknown fault fields: colour"),
])
def test_bad_faults_refused_with_a_sentence(data, message):
    with pytest.raises(FaultError, match=message):
        Fault.from_json(data)


def test_paths_are_relative_to_the_mount():
    assert normalize_path("/sd/images/a/") == "sd/images/a"
    assert normalize_path("") is None and normalize_path("/") is None
    assert normalize_path("../../etc/passwd") == "etc/passwd"


def test_a_path_covers_itself_and_what_is_below_it():
    fault = Fault("hang", path="sd/images/a")
    assert fault.covers("sd/images/a") and fault.covers("sd/images/a/vol")
    assert not fault.covers("sd/images/ab") and not fault.covers("sd/images")
    assert Fault("hang").covers("anything/at/all")


def test_op_restricts_the_fault():
    table = FaultTable()
    table.add(Fault("fail", "write", "md", error="ENOSPC"))
    table.before("read", "md")                  # reads pass
    table.before("write", "other")              # other files pass
    with pytest.raises(OSError) as e:
        table.before("write", "md")
    assert e.value.errno == errno.ENOSPC


def test_same_fault_again_replaces_it():
    table = FaultTable()
    table.add(Fault("slow", seconds=3))
    table.add(Fault("slow", seconds=0.01))
    assert [f.seconds for f in table.faults()] == [0.01]


def test_slow_sleeps_then_fail_raises():
    table = FaultTable()
    table.add(Fault("slow", "read", seconds=0.05))
    table.add(Fault("fail", "read", error="EIO"))
    start = time.monotonic()
    with pytest.raises(OSError) as e:
        table.before("read", "x")
    assert e.value.errno == errno.EIO
    assert time.monotonic() - start >= 0.05


def test_hang_holds_until_heal():
    table = FaultTable()
    table.add(Fault("hang", "read"))
    done = threading.Event()
    worker = threading.Thread(target=lambda: (table.before("read", "md"), done.set()))
    worker.start()
    try:
        deadline = time.monotonic() + 5
        while table.held != 1 and time.monotonic() < deadline:
            time.sleep(0.01)
        assert table.held == 1 and not done.is_set()
        table.before("write", "md")             # writes are not held
        assert table.heal() == 1
        assert done.wait(5)
        assert table.held == 0 and table.faults() == []
    finally:
        table.heal()
        worker.join(5)


def test_vanish_hides_lookups_only_where_it_applies():
    table = FaultTable()
    table.add(Fault("vanish", path="sd/images/a"))
    assert table.vanished("sd/images/a/vol") and not table.vanished("sd/images/b")
    table.before("read", "sd/images/a/vol")     # I/O on an open file is not a lookup


def test_description_reads_as_a_sentence():
    assert Fault("fail", "write", "md", error="EIO").describe() == "fail EIO on write of md"
    assert Fault("slow", seconds=3).describe() == "slow 3 s on read+write of every file"
