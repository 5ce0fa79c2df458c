"""Finding the OVF_STORE volumes and reading `<vmid>.ovf` over direct I/O; the fallback."""

import io
import json
import tarfile
from pathlib import Path

import pytest

from ovirt_hosted_engine_ha.broker import vm_config
from ovirt_hosted_engine_ha.env import paths
from ovirt_hosted_engine_ha.lab import engine_ovf
from ovirt_hosted_engine_ha.lib import directio_reader
from ovirt_hosted_engine_ha.lib.ovf import store
from tests.ovfsupport.domain import make_domain


@pytest.fixture
def domain(disk_tmp, monkeypatch):
    return make_domain(Path(disk_tmp), monkeypatch)


def write_archive(path, members: dict[str, bytes]) -> None:
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w", format=tarfile.USTAR_FORMAT) as tar:
        for name, data in members.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    with open(path, "r+b") as f:
        f.write(buf.getvalue())
        f.truncate(max(len(buf.getvalue()), 4096))


def test_description_marks_an_ovf_store():
    assert store.is_ovf_store(engine_ovf.description("sd", 10))
    assert store.is_ovf_store('{"Disk Description":"OVF_STORE","Updated":false}')
    for other in ("OVF_STORE", '{"Disk Description":"other"}', "[1]", "", None, "{bad"):
        assert not store.is_ovf_store(other)


def test_the_scan_finds_both_ovf_stores_with_upstreams_verbs(domain):
    found = store.find_volumes(domain.call, domain.ids.sd_uuid, domain.ids.sp_uuid)
    assert {(v.image, v.volume) for v in found} == set(engine_ovf.volumes(domain.ids))
    assert {v.path for v in found} == {domain.volume("ovf_store_1"),
                                       domain.volume("ovf_store_2")}
    names = set(domain.call.calls)
    assert names == {"StorageDomain.getImages", "StorageDomain.getVolumes",
                     "Volume.getInfo", "Image.prepare"}
    assert domain.call.calls.count("Image.prepare") == 2


def test_the_member_is_read_with_o_direct(domain, monkeypatch):
    reads = []
    real = directio_reader.directio.read

    def spy(path, offset, length):
        reads.append((offset, length))
        return real(path, offset, length)

    monkeypatch.setattr(directio_reader.directio, "read", spy)
    data = store.read_member(domain.volume("ovf_store_1"), f"{domain.ids.vm_id}.ovf")
    assert data.startswith(b'<?xml version="1.0"') and domain.ids.vm_id.encode() in data
    assert reads and all(offset % 4096 == 0 and length % 4096 == 0 for offset, length in reads)


def test_read_limits_and_bad_archives(domain):
    path = domain.volume("ovf_store_1")
    name = f"{domain.ids.vm_id}.ovf"
    with pytest.raises(store.OvfStoreError, match="beyond 4096 bytes"):
        store.read_member(path, name, max_read=4096)
    with pytest.raises(store.OvfStoreError, match="has no other.ovf"):
        store.read_member(path, "other.ovf")
    write_archive(path, {name: b"x" * (store.MAX_MEMBER_BYTES + 1)})
    with pytest.raises(store.OvfStoreError, match="not a regular file of at most"):
        store.read_member(path, name)
    with open(path, "r+b") as f:
        f.write(b"\xff" * 4096)
    with pytest.raises(store.OvfStoreError, match="cannot read OVF_STORE volume"):
        store.read_member(path, name)


def test_the_ovf_store_is_the_source(domain):
    got = vm_config.VmConfigSource(domain.conf, domain.call).read()
    assert got.source == "ovf" and got.ovf_problem is None
    assert f"vmId={domain.ids.vm_id}\nmemSize=4096\n" in got.body
    engine_ovf.change(domain.layout, domain.ids, memory_mib=8192)
    assert "memSize=8192" in vm_config.VmConfigSource(domain.conf, domain.call).read().body


def break_all_stores(domain):
    for image, volume in engine_ovf.volumes(domain.ids):
        with open(domain.layout.volume(domain.ids.sd_uuid, image, volume), "r+b") as f:
            f.write(b"\0" * engine_ovf.VOLUME_SIZE)


def test_fallback_to_the_configuration_volume_then_rescan(domain):
    source = vm_config.VmConfigSource(domain.conf, domain.call)
    assert source.read().source == "ovf"
    break_all_stores(domain)
    got = source.read()
    assert got.source == "conf-volume" and "memSize=4096" in got.body
    assert f"has no {domain.ids.vm_id}.ovf" in got.ovf_problem
    domain.call.calls.clear()
    engine_ovf.publish(domain.layout, domain.ids, engine_ovf.load_definition(domain.layout))
    assert source.read().source == "ovf"
    assert "StorageDomain.getImages" in domain.call.calls   # rescanned after the failure
    domain.call.calls.clear()
    assert source.read().source == "ovf"
    assert "StorageDomain.getImages" not in domain.call.calls   # the volumes are kept


def test_fallback_when_no_volume_is_an_ovf_store(domain):
    for n in (1, 2):
        meta = domain.volume(f"ovf_store_{n}").with_name(
            domain.volume(f"ovf_store_{n}").name + ".meta")
        meta.write_text(meta.read_text().replace("OVF_STORE", "something else"))
    got = vm_config.VmConfigSource(domain.conf, domain.call).read()
    assert got.source == "conf-volume"
    assert got.ovf_problem == f"no OVF_STORE volume in storage domain {domain.ids.sd_uuid}"


def test_when_vdsm_cannot_list_images_the_mount_is_listed(domain):
    domain.call.failing.add("StorageDomain.getImages")
    got = vm_config.VmConfigSource(domain.conf, domain.call).read()
    assert got.source == "conf-volume" and "cannot list the images" in got.ovf_problem
    mount = paths.resolve("/rhev/data-center/mnt/localhost:_lab")
    mount.parent.mkdir(parents=True)
    mount.symlink_to(domain.layout.storage)
    assert vm_config.VmConfigSource(domain.conf, domain.call).read().source == "ovf"


def test_an_ovf_for_another_vm_is_refused(domain):
    path = domain.volume("ovf_store_1")
    data = store.read_member(path, f"{domain.ids.vm_id}.ovf").replace(
        domain.ids.vm_id.encode(), b"11111111-2222-3333-4444-555555555555")
    for n in (1, 2):
        write_archive(domain.volume(f"ovf_store_{n}"), {f"{domain.ids.vm_id}.ovf": data})
    got = vm_config.VmConfigSource(domain.conf, domain.call).read()
    assert got.source == "conf-volume"
    assert "describes VM 11111111-2222-3333-4444-555555555555" in got.ovf_problem


def test_both_sources_broken(domain):
    break_all_stores(domain)
    with open(domain.volume("conf"), "r+b") as f:
        f.write(b"\0" * 20480)
    with pytest.raises(vm_config.VmConfigError) as e:
        vm_config.VmConfigSource(domain.conf, domain.call).read()
    assert str(e.value).startswith("no OVF_STORE (") and "configuration volume" in str(e.value)


def test_the_info_file_is_in_the_archive(domain):
    info = json.loads(store.read_member(domain.volume("ovf_store_2"), "info.json"))
    assert info["Storage Domains"] == [{"uuid": domain.ids.sd_uuid}]
