"""A block storage domain (FC) on loop devices: the broker on device nodes."""

import os
import stat

import pytest

from ovirt_hosted_engine_ha.lab import blockdev, sanlockd
from ovirt_hosted_engine_ha.lib import directio, exceptions
from tests.brokersupport import SLOT, host_slot, wait_for

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def lab(shared_cluster):
    reason = blockdev.unavailable()
    if reason:
        pytest.skip(reason)
    cluster = shared_cluster(hosts=2, domain="block")
    for host_id, host in cluster.hosts.items():
        host.link(60).lock_host_id(host_id)
    return cluster


def test_volumes_are_links_to_loop_devices(lab):
    for volume in (lab.metadata_path, lab.lockspace_path):
        assert os.readlink(volume).startswith("/dev/loop")
        assert stat.S_ISBLK(os.stat(volume).st_mode)
        assert os.stat(volume).st_size == 0           # what used to stop every write
    assert "domainType=fc" in lab.hosts[1].layout.hosted_engine_conf.read_text()
    ha_agent = lab.domain_dir / "ha_agent"
    assert (ha_agent / "hosted-engine.metadata").resolve() == lab.metadata_path.resolve()


def test_device_sized_by_ioctl(lab):
    fd = os.open(lab.lockspace_path, os.O_RDONLY)
    try:
        assert directio.size_of(fd) == 1024 * 1024
    finally:
        os.close(fd)
    with pytest.raises(exceptions.StorageError, match="beyond its size 1048576"):
        directio.write(str(lab.lockspace_path), 1024 * 1024, b"\0" * 4096)


def test_brokers_publish_and_read_each_other_on_block(lab):
    one, two = lab.hosts[1].link(), lab.hosts[2].link()
    one.put_stats_on_storage(1, host_slot(1, ts=301))
    two.put_stats_on_storage(2, host_slot(2, ts=302))
    on_disk = directio.read(str(lab.metadata_path), 0, 3 * SLOT)
    assert on_disk[SLOT:2 * SLOT] == host_slot(1, ts=301).encode().ljust(SLOT, b"\0")
    seen = wait_for(lambda: two.get_stats_from_storage().get(1), timeout=30)
    assert seen.rstrip("\0") == host_slot(1, ts=301).rstrip("\0")
    # both ids are held on the loop device's lockspace, each seen by the other daemon
    view = wait_for(lambda: (v := sanlockd.lockspace_view(lab.hosts[1].layout)).hosts.get(2)
                    and v, timeout=30)
    assert view.host_id == 1 and view.hosts[2] == "LIVE", view


def test_down_detaches_the_loop_devices(cluster):
    if blockdev.unavailable():
        pytest.skip(blockdev.unavailable())
    lab = cluster(hosts=1, domain="block", start_brokers=False)
    devices = dict(lab.record.loops)
    assert len(devices) == 2
    lab.down()
    assert all(blockdev.backing_file(dev) != backing for dev, backing in devices.items())
    assert blockdev.backed_under(lab.root) == {}
