"""The shared storage domain and a host root, as the lab lays them out."""

import configparser
import io
import os
import subprocess
import tarfile

from labsupport import make_domain

from ovirt_hosted_engine_ha.env import config
from ovirt_hosted_engine_ha.lab import conffiles, hostroot
from ovirt_hosted_engine_ha.lab.vdsm_sim.domains import Storage

GiB = 1024**3


def test_volume_files(domain):
    ids, vols = domain.ids, domain.volumes
    base = domain.layout.storage / ids.sd_uuid / "images"
    assert vols["metadata"] == base / ids.metadata_image / ids.metadata_volume
    assert vols["lockspace"] == base / ids.lockspace_image / ids.lockspace_volume
    assert vols["conf"] == base / ids.conf_image / ids.conf_volume
    assert os.path.getsize(vols["metadata"]) == GiB
    assert os.stat(vols["metadata"]).st_blocks == 0  # sparse
    assert os.path.getsize(vols["lockspace"]) == 1024 * 1024
    for path in vols.values():
        assert path.with_name(path.name + ".meta").read_text().endswith("EOF\n")


def test_domain_metadata(domain, lab_dir):
    info = Storage(domain.layout.storage).info(domain.ids.sd_uuid)
    assert (info["block_size"], info["alignment"]) == (512, 1048576)
    other = make_domain(lab_dir / "other", sector=4096)
    assert Storage(other.layout.storage).info(other.ids.sd_uuid)["block_size"] == 4096


def test_conf_archive_members(domain):
    data = domain.volumes["conf"].read_bytes()
    assert len(data) % 10240 == 0
    with tarfile.open(fileobj=io.BytesIO(data)) as tar:
        assert tar.getnames() == list(conffiles.CONF_MEMBERS)
        members = {name: tar.extractfile(name).read().decode() for name in tar.getnames()}
    broker = configparser.ConfigParser()
    broker.read_string(members["broker.conf"])
    assert broker["email"]["smtp-server"] == "localhost"
    assert broker["email"]["smtp-port"] == "25"
    assert broker["email"]["destination-emails"] == "root@localhost"
    assert broker["notify"]["state_transition"] == "maintenance|start|stop|up|down"
    assert f"vmId={domain.ids.vm_id}\n" in members["vm.conf"]
    shared = config.parse_key_values(members["hosted-engine.conf"])
    assert shared["sdUUID"] == domain.ids.sd_uuid


def test_conf_archive_readable_by_dd_and_tar(domain):
    # What upstream's broker and agent run (spec/broker.md §9.2).
    path = domain.volumes["conf"]
    listing = subprocess.run(f"dd if={path} bs=4k status=none | tar -tf -", shell=True,
                             capture_output=True, text=True, check=True)
    assert listing.stdout.split() == list(conffiles.CONF_MEMBERS)
    extract = subprocess.run(f"dd if={path} bs=4k status=none | tar -xOf - broker.conf",
                             shell=True, capture_output=True, text=True, check=True)
    assert extract.stdout == conffiles.broker_conf()


def test_host_root(domain):
    host = hostroot.create(domain.layout, domain.ids, 2)
    conf = config.load_hosted_engine_conf(host.hosted_engine_conf)
    ids = domain.ids
    assert conf.host_id == 2
    assert conf.sd_uuid == ids.sd_uuid
    assert conf.sp_uuid == "00000000-0000-0000-0000-000000000000"
    assert conf.domain_type == "nfs"
    assert conf.storage == "localhost:/lab"
    assert (conf.metadata.image_uuid, conf.metadata.volume_uuid) == (
        ids.metadata_image, ids.metadata_volume)
    assert (conf.lockspace.image_uuid, conf.lockspace.volume_uuid) == (
        ids.lockspace_image, ids.lockspace_volume)
    assert conf.conf is not None and conf.conf.volume_uuid == ids.conf_volume
    for key in ("connectionUUID", "vmid", "fqdn", "gateway", "bridge", "network_test",
                "vm_disk_id", "vm_disk_vol_id", "conf", "ca_cert", "vdsm_use_ssl"):
        assert conf.get(key), key
    assert conf.get("network_test") == "ping" and conf.get("vdsm_use_ssl") == "true"
    # The broker finds the domain as vdsm mounted it.
    mount = host.root / "rhev/data-center/mnt/localhost:_lab"
    assert (mount / ids.sd_uuid).is_dir()
    assert os.path.realpath(mount) == os.path.realpath(domain.layout.storage)
    assert os.readlink(host.root / "var/run") == "../run"
    assert (host.root / "var/run/ovirt-hosted-engine-ha").is_dir()
    assert (host.root / "var/lib/ovirt-hosted-engine-ha/broker.conf").exists()
