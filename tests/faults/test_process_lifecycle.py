"""F01, F03, F04, F05: the broker as a process under SIGTERM, a second
instance, a stale socket and readiness, on a real lab host.

Each test stops host 1's lab broker, runs its own broker in the foreground
(as systemd would, with a notify socket) and starts the lab broker again
at the end.
"""

import os
import time

import pytest

from benchmarks import procstats
from tests.brokersupport import host_slot, inquire
from tests.faults import procsupport
from tests.faults.procsupport import VerbLoad, ms, status_verbs
from tests.monitorsupport.lab import agent_monitors
from tests.monitorsupport.wait import wait_for

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def lab(shared_cluster):
    return shared_cluster(hosts=1)


@pytest.fixture
def host(lab, tmp_path):
    """Host 1 with its lab broker stopped; started again after the test."""
    host = lab.hosts[1]
    host.stop_broker()
    yield host
    procsupport.kill_leftovers()
    if host.broker_pid is None:
        if os.path.exists(host.socket_path) and not _answers(host):
            os.unlink(host.socket_path)
        host.start_broker()


def _answers(host) -> bool:
    try:
        host.link(2).get_stats_from_storage()
    except Exception:
        return False
    return True


@pytest.mark.row("F01")
def test_sigterm_with_monitors_and_host_id(lab, host, tmp_path, row):
    broker = procsupport.broker(host, tmp_path / "notify")
    broker.wait_ready()
    link = host.link(60)
    monitors = agent_monitors(lab)
    for type, options in monitors.items():
        link.start_monitor(type, options)
    link.lock_host_id(1)
    link.start_domain_monitor(1)
    link.put_stats_on_storage(1, host_slot(1))
    # every monitor has measured once: their threads are busy, not parked
    wait_for(lambda: all(link.get_monitor_status(t) != "None"
                         for t in ("mem-free", "storage-domain", "mgmt-bridge")), 30, 0.2)
    threads = procstats.snapshot(broker.pid).threads
    assert inquire(host, 1, lab.lockspace_path) == "True"

    start = time.monotonic()
    rc = broker.stop(timeout=30)
    took = time.monotonic() - start
    out = broker.output()
    held = inquire(host, 1, lab.lockspace_path)
    row.observe(f"stopped in {took:.2f} s with {threads} threads and {len(monitors)} "
                f"monitors running, rc {rc}; inq_lockspace after: {held}; socket "
                f"{'left' if os.path.exists(host.socket_path) else 'gone'}")
    assert rc == 0, out
    assert took <= 5.0, out
    assert not os.path.exists(host.socket_path)
    assert held == "False"
    assert "Released host id host_id=1" in out
    assert broker.notify.stopping
    # no thread was abandoned: every monitor and worker joined in time
    for abandoned in ("did not stop within", "still busy", "Traceback"):
        assert abandoned not in out, out
    assert not procsupport.alive(broker.pid)


@pytest.mark.row("F03")
def test_second_instance_refused_first_keeps_serving(lab, host, tmp_path, row):
    first = procsupport.broker(host, tmp_path / "notify1")
    first.wait_ready()
    inode = os.stat(host.socket_path).st_ino
    load = VerbLoad(status_verbs(host.link(5)), threads=2)
    try:
        time.sleep(0.2)  # let the callers get going before the second start
        second = procsupport.broker(host, tmp_path / "notify2")
        rc = second.wait(30)
        second.close()
        time.sleep(0.2)
    finally:
        load.stop()
    inode_after = os.stat(host.socket_path).st_ino
    row.observe(f"second broker exits rc {rc}; first: {len(load.failures)} failed of "
                f"{load.calls} calls, p99 {ms(procsupport.p99(load.all_latencies()))}; "
                f"socket inode {'unchanged' if inode == inode_after else 'CHANGED'}")
    assert rc != 0
    assert "another broker" in second.output(), second.output()
    assert not second.notify.ready
    assert load.failures == []
    assert load.calls > 0
    assert inode_after == inode
    assert first.proc.poll() is None
    assert first.stop() == 0


@pytest.mark.row("F04")
def test_stale_socket_after_kill9_is_replaced(lab, host, tmp_path, row):
    old = procsupport.broker(host, tmp_path / "notify1")
    old.wait_ready()
    link = host.link(60)
    link.lock_host_id(1)
    old.kill()
    old.close()
    assert os.path.exists(host.socket_path), "kill -9 must leave the socket file"
    stale_inode = os.stat(host.socket_path).st_ino

    new = procsupport.broker(host, tmp_path / "notify2")
    ready = new.wait_ready()
    assert os.stat(host.socket_path).st_ino != stale_inode
    assert isinstance(link.get_stats_from_storage(), dict)
    # the id sanlock still holds for the killed broker is taken over, the slot written
    link.lock_host_id(1)
    link.put_stats_on_storage(1, host_slot(1, ts=7))
    assert new.stop() == 0
    row.observe(f"stale socket replaced; READY {ready:.2f} s after start, serving; "
                "host id taken over")


@pytest.mark.row("F05")
def test_ready_after_socket_and_first_read(lab, host, tmp_path, row):
    link = host.link(60)
    daemon_side, totals = [], []
    for attempt in range(3):
        broker = procsupport.broker(host, tmp_path / f"notify{attempt}")
        broker.wait_ready()
        # READY=1 means serving: the socket answers at once with what storage holds
        assert os.path.exists(host.socket_path)
        stats = link.get_stats_from_storage()
        assert isinstance(stats, dict)
        assert broker.has("Serving on")
        totals.append(broker.ready_at - broker.started)
        daemon_side.append(broker.ready_at - broker.first_line_at())
        assert broker.stop() == 0
    best = min(daemon_side)
    row.observe(f"READY {ms(best)} after the daemon's first log line (best of 3; "
                f"{', '.join(ms(x) for x in daemon_side)}); {min(totals):.2f} s from exec "
                "including the interpreter; socket answering at READY")
    assert best <= 0.5
