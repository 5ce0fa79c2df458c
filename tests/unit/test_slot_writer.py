import threading

import pytest

from ovirt_hosted_engine_ha.broker.slot_writer import SlotWriter
from ovirt_hosted_engine_ha.lib import exceptions


class Storage:
    """Records writes; a write can be held until released."""

    def __init__(self):
        self.writes = []
        self.entered = threading.Event()
        self.release = threading.Event()
        self.release.set()
        self.fail_with = None

    def write(self, slot, payload):
        self.entered.set()
        self.release.wait()
        if self.fail_with:
            raise self.fail_with
        self.writes.append((slot, payload))


@pytest.fixture
def storage():
    return Storage()


def make_writer(storage, allowed=lambda slot: None, timeout=5.0):
    written = []
    writer = SlotWriter(storage.write, allowed, lambda s, p: written.append((s, p)), timeout)
    writer.start()
    return writer, written


def test_put_returns_after_write(storage):
    writer, written = make_writer(storage)
    writer.put(1, b"a")
    assert storage.writes == [(1, b"a")]
    assert written == [(1, b"a")]
    writer.stop(1)


def test_puts_to_one_slot_coalesce_latest_wins(storage):
    writer, written = make_writer(storage)
    storage.release.clear()
    first = threading.Thread(target=writer.put, args=(1, b"first"))
    first.start()
    storage.entered.wait(5)  # "first" is being written and held
    results = []
    waiters = [threading.Thread(target=lambda p=p: results.append(writer.put(1, p)))
               for p in (b"second", b"third")]
    for w in waiters:
        w.start()
    # both wait on one pending request of slot 1, while slot 2 queues separately
    other = threading.Thread(target=writer.put, args=(2, b"other"))
    other.start()
    storage.release.set()
    for t in [first, other, *waiters]:
        t.join(5)
    assert storage.writes[0] == (1, b"first")
    assert (2, b"other") in storage.writes
    slot1 = [p for s, p in storage.writes if s == 1]
    assert slot1[-1] in (b"second", b"third")
    assert b"first" in slot1 and len(slot1) <= 3
    writer.stop(1)


def test_write_error_reaches_caller(storage):
    writer, written = make_writer(storage)
    storage.fail_with = exceptions.StorageError("disk on fire")
    with pytest.raises(exceptions.StorageError, match="disk on fire"):
        writer.put(1, b"a")
    assert written == []
    writer.stop(1)


def test_not_allowed_is_refused_without_write(storage):
    def allowed(slot):
        if slot:
            raise exceptions.HostIdNotLockedError("no host id held")

    writer, written = make_writer(storage, allowed)
    with pytest.raises(exceptions.HostIdNotLockedError):
        writer.put(1, b"a")
    writer.put(0, b"maintenance=1")
    assert storage.writes == [(0, b"maintenance=1")]
    writer.stop(1)


def test_hung_storage_times_out(storage):
    writer, written = make_writer(storage, timeout=0.2)
    storage.release.clear()
    with pytest.raises(exceptions.StorageTimeout, match="did not finish within 0.2 s"):
        writer.put(1, b"a")
    storage.release.set()
    writer.stop(1)


def test_unexpected_write_error_logged_once_per_change(storage, caplog):
    writer, _ = make_writer(storage)
    storage.fail_with = RuntimeError("boom")
    for _ in range(3):
        with pytest.raises(exceptions.StorageError, match="writing slot 1 failed: boom"):
            writer.put(1, b"a")
    tracebacks = [r for r in caplog.records if r.exc_info]
    assert len(tracebacks) == 1
    storage.fail_with = None
    writer.put(1, b"b")
    assert "Writing slots fails unexpectedly: boom (repeated 2 times" in caplog.text
    writer.stop(1)
