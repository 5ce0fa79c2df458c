"""A lab whose storage is a faultfs mount: sanlock and brokers through it, the CLI."""

import os

import pytest

from ovirt_hosted_engine_ha.lab import cli, errors
from ovirt_hosted_engine_ha.lab.faultfs import mount
from ovirt_hosted_engine_ha.lib import directio
from ovirt_hosted_engine_ha.lib.exceptions import RequestError
from tests.brokersupport import host_slot, wait_for

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def lab(shared_cluster):
    reason = mount.unavailable()
    if reason:
        pytest.skip(reason)
    cluster = shared_cluster(hosts=2, faultfs=True)
    for host_id, host in cluster.hosts.items():
        host.link(60).lock_host_id(host_id)
    return cluster


def test_storage_is_the_mount_and_sanlock_renews_through_it(lab):
    assert mount.mounted(lab.storage_dir)
    assert directio.filesystem_type(lab.metadata_path) == mount.FSTYPE
    # each daemon renews its delta lease (host K's sector) through the mount
    def lease() -> bytes:
        return directio.read(str(lab.lockspace_path), 0, 4096)[:512]

    first = lease()
    wait_for(lambda: lease() != first, timeout=15, interval=0.2)   # renewed (io timeout 1)


def test_cli_fault_reaches_the_broker_and_heal_ends_it(lab, capsys):
    root = str(lab.root)
    link = lab.hosts[1].link()
    assert cli.main(["storage", "--root", root, "fail", "ENOSPC", "--op", "write",
                     "--path", "metadata"]) == 0
    assert "fail ENOSPC on write of" in capsys.readouterr().out
    try:
        with pytest.raises(RequestError, match="ENOSPC"):
            link.put_stats_on_storage(1, host_slot(1, ts=5))
    finally:
        assert cli.main(["storage", "--root", root, "heal"]) == 0
    assert "healed: 1 faults cleared" in capsys.readouterr().out
    link.put_stats_on_storage(1, host_slot(1, ts=6))


def test_cli_refuses_a_lab_without_faultfs(cluster, capsys):
    plain = cluster(hosts=1, start_brokers=False)
    assert cli.main(["storage", "--root", str(plain.root), "show"]) == 1
    assert "runs without faultfs" in capsys.readouterr().err
    with pytest.raises(errors.LabDetailError, match="runs without faultfs"):
        plain.storage_faults  # noqa: B018


def test_down_leaves_nothing_mounted(cluster):
    if mount.unavailable():
        pytest.skip(mount.unavailable())
    lab = cluster(hosts=1, faultfs=True)
    lab.down()
    assert not mount.mounted(lab.storage_dir)
    assert lab.record.faultfs is not None and not os.path.exists(lab.layout.faultfs_socket)
    assert (lab.metadata_path).is_file()      # the real files are there again
