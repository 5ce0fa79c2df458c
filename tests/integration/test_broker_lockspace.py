"""Host ids in the hosted-engine lockspace, against real sanlock daemons."""

import threading

import pytest

from ovirt_hosted_engine_ha.broker.sanlock_watch import DaemonWatch
from ovirt_hosted_engine_ha.lib import exceptions
from tests.brokersupport import host_slot, inquire, sanlock_in_host, wait_for

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def lab(shared_cluster):
    return shared_cluster(hosts=2)


def test_lock_release_cycle(lab):
    host, link = lab.hosts[1], lab.hosts[1].link(60)
    assert inquire(host, 1, lab.lockspace_path) == "False"
    link.lock_host_id(1)
    assert inquire(host, 1, lab.lockspace_path) == "True"
    status = sanlock_in_host(host, "print(sanlock.get_lockspaces())")
    assert "hosted-engine" in status and str(lab.lockspace_path) in status
    link.lock_host_id(1)  # idempotent
    link.put_stats_on_storage(1, host_slot(1))
    link.release_host_id()
    assert inquire(host, 1, lab.lockspace_path) == "False"
    with pytest.raises(exceptions.RequestError, match="no host id is held"):
        link.put_stats_on_storage(1, host_slot(1))
    with pytest.raises(exceptions.RequestError, match="no host id is held"):
        link.release_host_id()
    link.put_stats_on_storage(0, "maintenance=0")  # the global slot needs no host id


def test_reset_refused_while_held_then_rewrites(lab):
    host, link = lab.hosts[2], lab.hosts[2].link(60)
    link.lock_host_id(2)
    with pytest.raises(exceptions.RequestError, match="refusing to reset the lockspace"):
        link.reset_lockspace()
    link.release_host_id()
    link.reset_lockspace()
    info = sanlock_in_host(host, f"print(sanlock.read_lockspace({str(lab.lockspace_path)!r}))")
    assert "hosted-engine" in info
    assert "'iotimeout': 1" in info  # the lab's OVIRT_HA_SANLOCK_IO_TIMEOUT, not the default 10
    link.lock_host_id(2)  # the fresh lockspace takes ids again
    assert inquire(host, 2, lab.lockspace_path) == "True"
    link.release_host_id()


def test_slow_lock_does_not_block_get_stats(lab):
    """lock_host_id waits for sanlock's delta lease (seconds); others are answered meanwhile."""
    events = []
    link = lab.hosts[1].link(60)

    def lock():
        link.lock_host_id(1)
        events.append("locked")

    thread = threading.Thread(target=lock)
    thread.start()
    try:
        # answered while the lock is still being acquired
        lab.hosts[1].link(5).get_stats_from_storage()
        events.append("get_stats")
        lab.hosts[1].link(5).is_host_alive(1)
        events.append("is_host_alive")
    finally:
        thread.join(60)
    assert events == ["get_stats", "is_host_alive", "locked"]
    link.release_host_id()


def test_4096_sector_domain(cluster):
    lab = cluster(hosts=1, sector=4096)
    link = lab.hosts[1].link(60)
    with pytest.raises(exceptions.RequestError, match=r"must be an integer in 1\.\.250"):
        link.lock_host_id(251)  # a 4 KiB lockspace with 1 MiB alignment holds 250 ids
    link.lock_host_id(1)
    link.put_stats_on_storage(1, host_slot(1, ts=4096))
    with open(lab.metadata_path, "rb") as f:
        f.seek(4096)
        assert f.read(4096).startswith(host_slot(1, ts=4096).encode())
    assert link.get_stats_from_storage()[1] == host_slot(1, ts=4096).ljust(4096, "\0")
    link.release_host_id()
    link.reset_lockspace()
    info = sanlock_in_host(lab.hosts[1], f"print(sanlock.read_lockspace("
                                         f"{str(lab.lockspace_path)!r}, sector=4096))")
    assert "hosted-engine" in info
    # a lockspace written with 2 MiB alignment holds 500 ids: read from the volume
    sanlock_in_host(lab.hosts[1], f"sanlock.write_lockspace(b'hosted-engine', "
                                  f"{str(lab.lockspace_path)!r}, iotimeout=1, "
                                  f"align=2097152, sector=4096)")
    with pytest.raises(exceptions.RequestError, match=r"must be an integer in 1\.\.500"):
        link.lock_host_id(501)
    link.lock_host_id(400)
    assert inquire(lab.hosts[1], 400, lab.lockspace_path) == "True"
    link.release_host_id()


def test_lost_host_id_after_sanlock_restart_is_reacquired(lab):
    host, link = lab.hosts[2], lab.hosts[2].link(60)
    link.lock_host_id(2)
    host.kill_sanlock()
    host.start_sanlock()  # same host name: the id can come back in ~3 s
    # no own-slot write while the id is not held ...
    with pytest.raises(exceptions.RequestError, match="host id 2 is not held"):
        link.put_stats_on_storage(2, host_slot(2))

    def published():
        try:
            link.put_stats_on_storage(2, host_slot(2, ts=2))
            return True
        except exceptions.RequestError:
            return False

    # ... until the status thread noticed the loss and joined again by itself
    wait_for(published, timeout=60, interval=0.5)
    assert inquire(host, 2, lab.lockspace_path) == "True"
    log = host.layout.broker_log.read_text()
    assert "Host id 2 was lost from the lockspace; re-acquiring" in log
    link.release_host_id()


def daemon_connections(host) -> int:
    """Client connections the host's sanlock daemon has open now (/proc/net/unix:
    the sockets it accepted carry its socket's path and state 03, connected)."""
    path = str(host.sanlock_run_dir / "sanlock.sock")
    with open("/proc/net/unix") as f:
        return sum(1 for line in f
                   if line.split()[-1] == path and line.split()[5] == "03")


def test_the_broker_leaves_no_connection_open_at_its_sanlock_daemon(lab):
    """The daemon's main thread reads a new connection's first header with a
    blocking read; sanlock 3.8 sometimes reads one that has not sent yet (a new
    client in the poll slot of its wake-up eventfd). A connection that never sends
    then stalls the daemon for good: every inquiry of that host hangs (a faultfs
    lab start left an agent without READY so). Between calls, no broker
    connection may stay open at the daemon."""
    host, link = lab.hosts[1], lab.hosts[1].link(60)
    link.lock_host_id(1)
    try:
        for ts in range(3):   # writes check the id; a held answer is trusted briefly
            link.put_stats_on_storage(1, host_slot(1, ts=ts))
        wait_for(lambda: daemon_connections(host) == 0, timeout=20, interval=0.05)
    finally:
        link.release_host_id()


def test_daemon_watch_sees_the_daemon_die_and_a_new_one_start(lab):
    """The premise of the held-state trust (lockspace.py, sanlock_watch.py): the
    daemon noted before an answer is known to still run, or not, without asking it."""
    host = lab.hosts[2]
    watch = DaemonWatch(str(host.sanlock_run_dir / "sanlock.pid"))
    assert watch.ensure()
    for _ in range(3):  # clients come and go; the daemon stays
        inquire(host, 2, lab.lockspace_path)
        assert watch.unbroken()
    host.kill_sanlock()
    assert not watch.unbroken()
    assert not watch.ensure()  # no daemon runs
    host.start_sanlock()
    wait_for(watch.ensure, timeout=30, interval=0.2)
    assert watch.unbroken() and watch.sightings == 2
    watch.close()
    assert not watch.unbroken()
