import threading

import pytest

from ovirt_hosted_engine_ha.broker import early_answer, slot_writer
from ovirt_hosted_engine_ha.broker.slot_writer import SlotWriter
from ovirt_hosted_engine_ha.lib import exceptions
from tests.monitorsupport.wait import wait_for


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


def test_every_caller_merged_into_one_write_gets_its_answer(storage):
    """Callers merged into one write all wake (each passes the wake-up on), and an
    error reaches each of them; none waits for the timeout."""
    writer, _ = make_writer(storage, timeout=30.0)
    storage.release.clear()
    outcomes: list[object] = []

    def call(payload: bytes) -> None:
        try:
            writer.put(1, payload)
            outcomes.append("ok")
        except Exception as e:
            outcomes.append(e)

    first = threading.Thread(target=call, args=(b"held",))
    first.start()
    assert storage.entered.wait(5)  # the writer is stuck in slot 1's first write
    storage.fail_with = exceptions.StorageError("disk on fire")
    callers = [threading.Thread(target=call, args=(b"p%d" % i,)) for i in range(6)]
    for c in callers:
        c.start()
    wait_for(lambda: 1 in writer._pending, timeout=5)
    storage.release.set()
    for c in [first, *callers]:
        c.join(20)
    assert not any(c.is_alive() for c in callers)
    assert len(outcomes) == 7
    assert all(isinstance(o, exceptions.StorageError) and not isinstance(
        o, exceptions.StorageTimeout) for o in outcomes)
    writer.stop(1)


class Answers:
    """Early answers (as a server worker sets them) and the Faults they sent."""

    def __init__(self):
        self.sent = []

    def serving(self):
        answer = early_answer.EarlyAnswer(lambda a, error: self.sent.append((a, error)))
        early_answer.serving(answer)
        return answer


def put_as_worker(writer, answers, slot, payload, results):
    answers.serving()
    try:
        writer.put(slot, payload)
        results.append((payload, "ok"))
    except exceptions.Error as e:
        results.append((payload, e))
    finally:
        early_answer.serving(None)


def test_server_worker_writes_itself_when_idle(storage):
    threads = []
    storage.write = lambda slot, payload, w=storage.write: (
        threads.append(threading.current_thread().name), w(slot, payload))[1]
    writer, written = make_writer(storage)
    wait_for(lambda: writer._asleep, timeout=5)
    results = []
    put_as_worker(writer, Answers(), 1, b"direct", results)
    writer.put(1, b"queued")  # no early answer (not a server worker): the writer thread
    assert results == [(b"direct", "ok")]
    assert storage.writes == [(1, b"direct"), (1, b"queued")]
    assert written == storage.writes
    assert threads == [threading.current_thread().name, "SlotWriter"]
    writer.stop(1)


def test_hung_direct_write_answered_by_watchdog_later_puts_queue(storage, monkeypatch):
    monkeypatch.setattr(slot_writer, "WATCH_INTERVAL", 0.05)
    writer, written = make_writer(storage, timeout=0.5)
    wait_for(lambda: writer._asleep, timeout=5)
    storage.release.clear()
    answers, results = Answers(), []
    hung = threading.Thread(target=put_as_worker, args=(writer, answers, 1, b"old", results))
    hung.start()
    storage.entered.wait(5)
    wait_for(lambda: answers.sent, timeout=5)
    assert isinstance(answers.sent[0][1], exceptions.StorageTimeout)
    assert "writing slot 1 did not finish within 0.5 s" in str(answers.sent[0][1])
    # the hung worker stays; a later put queues behind it, and its caller times out
    later = threading.Thread(target=put_as_worker, args=(writer, Answers(), 1, b"new", results))
    later.start()
    later.join(5)
    assert not later.is_alive() and isinstance(results[0][1], exceptions.StorageTimeout)
    assert results[0][0] == b"new" and hung.is_alive() and storage.writes == []
    storage.release.set()  # storage returns: old first, then the queued new one
    hung.join(5)
    wait_for(lambda: len(storage.writes) == 2, timeout=5)
    assert storage.writes == [(1, b"old"), (1, b"new")]
    assert len(answers.sent) == 1
    writer.stop(1)
