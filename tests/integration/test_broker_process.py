"""The broker as a process: start-up, readiness, signals, crashes."""

import os
import signal
import threading

import pytest

from ovirt_hosted_engine_ha.lib import exceptions, metadata
from tests.brokersupport import SLOT, BrokerProcess, host_slot, inquire, read_volume, wait_for

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def lab(shared_cluster):
    return shared_cluster(hosts=2)


@pytest.fixture
def host2(lab, tmp_path):
    """Host 2 with its lab broker stopped; restarted after the test."""
    host = lab.hosts[2]
    host.stop_broker()
    conf = host.layout.hosted_engine_conf
    saved = conf.read_text()
    yield host, str(tmp_path / "notify")
    conf.write_text(saved)
    host.sim.set_verb("Image.prepare", "normal")
    host.start_broker()


def test_ready_after_socket_and_storage_then_clean_sigterm(lab, host2):
    host, notify = host2
    broker = BrokerProcess(host, notify)
    broker.wait_ready()
    # READY=1 means serving: the socket answers at once, storage was read
    link = host.link(60)
    assert isinstance(link.get_stats_from_storage(), dict)
    wait_for(lambda: broker.notify.watchdogs > 0, timeout=10)
    link.lock_host_id(2)
    link.put_stats_on_storage(2, host_slot(2))
    out = broker.terminate()
    assert broker.proc.returncode == 0, out
    assert broker.notify.stopping
    assert not os.path.exists(host.socket_path)
    assert inquire(host, 2, lab.lockspace_path) == "False"
    assert "Released host id host_id=2" in out


@pytest.mark.parametrize("edit,message", [
    (lambda text: "\n".join(line for line in text.splitlines()
                            if not line.startswith("sdUUID=")),
     "hosted-engine.conf: missing required key 'sdUUID'"),
    (lambda text: text.replace("domainType=nfs", "domainType=floppy"),
     "hosted-engine.conf: key 'domainType' has invalid value 'floppy'"),
    (lambda text: text.replace("metadata_volume_UUID=", "metadata_volume_UUID=x"),
     "key 'metadata_volume_UUID' has invalid value"),
])
def test_broken_config_exits_nonzero_naming_file_and_key(host2, edit, message):
    host, notify = host2
    conf = host.layout.hosted_engine_conf
    conf.write_text(edit(conf.read_text()))
    broker = BrokerProcess(host, notify)
    out = broker.finish()
    assert broker.proc.returncode == 1
    assert message in out
    assert not broker.notify.ready
    assert not os.path.exists(host.socket_path)


def test_storage_that_cannot_be_prepared_exits_nonzero(host2):
    host, notify = host2
    host.sim.fail("Image.prepare", code=201, message="Volume does not exist")
    broker = BrokerProcess(host, notify)
    out = broker.finish()
    assert broker.proc.returncode == 1
    assert "Image.prepare failed with code 201: Volume does not exist" in out
    assert not broker.notify.ready


def test_second_broker_refused_first_keeps_serving(lab, tmp_path):
    host = lab.hosts[1]
    inode = os.stat(host.socket_path).st_ino
    broker = BrokerProcess(host, str(tmp_path / "notify"))
    out = broker.finish()
    assert broker.proc.returncode == 1
    assert "another broker" in out
    assert os.stat(host.socket_path).st_ino == inode
    host.link().get_stats_from_storage()


def test_sigkill_in_write_storm_leaves_no_torn_slot(lab):
    host = lab.hosts[1]
    host.link(60).lock_host_id(1)
    stop = threading.Event()
    errors = []

    def storm(slot):
        link = host.link(10)
        ts = 0
        while not stop.is_set():
            ts += 1
            try:
                link.put_stats_on_storage(slot, host_slot(1, ts=ts, score=ts % 3400)
                                          if slot else f"maintenance={ts % 2}")
            except (exceptions.RequestError, OSError) as e:
                errors.append(e)
                return

    writers = [threading.Thread(target=storm, args=(slot,)) for slot in (1, 1, 0)]
    for w in writers:
        w.start()
    def written_many():
        image = read_volume(lab.metadata_path)[SLOT:2 * SLOT]
        return image[0] and metadata.parse_host_slot(1, image).host_ts > 50

    wait_for(written_many, timeout=30)
    os.kill(host.broker_pid, signal.SIGKILL)
    for w in writers:
        w.join(30)
    stop.set()
    assert errors  # the storm was cut by the kill
    volume = read_volume(lab.metadata_path)
    for slot in range(2001):
        image = volume[slot * SLOT:(slot + 1) * SLOT]
        assert metadata.slot_checksum_ok(slot, image), f"slot {slot} torn"
    metadata.parse_host_slot(1, volume[SLOT:2 * SLOT])
    # the stale socket is replaced, the id still held by sanlock is taken over
    host.start_broker()
    link = host.link(60)
    link.lock_host_id(1)
    link.put_stats_on_storage(1, host_slot(1, ts=1))
    link.release_host_id()
