"""vm.conf: parsing it as `hosted-engine --vm-start` does, and reading it from the volume."""

import base64

import pytest

from ovirt_hosted_engine_ha.agent import vm_conf
from ovirt_hosted_engine_ha.agent.vm_conf import VmConf, VmConfError
from ovirt_hosted_engine_ha.agent.vm_conf_store import VmConfStore
from ovirt_hosted_engine_ha.env import config, paths
from ovirt_hosted_engine_ha.lab import conffiles
from ovirt_hosted_engine_ha.lab.record import LabIds
from ovirt_hosted_engine_ha.lib import exceptions

IDS = LabIds()


def test_parse_the_lab_vm_conf():
    params = vm_conf.parse(conffiles.vm_conf(IDS))
    assert params["vmId"] == IDS.vm_id and params["memSize"] == "4096"
    [disk] = params["devices"]
    assert disk["device"] == "disk" and disk["specParams"] == {}
    assert disk["volumeID"] == IDS.vm_disk_vol_id and disk["bootOrder"] == "1"
    vm = VmConf.from_text(conffiles.vm_conf(IDS), refreshed=5, epoch=7)
    assert (vm.vm_id, vm.mem_size, vm.refreshed, vm.epoch) == (IDS.vm_id, 4096, 5, 7)
    assert vm.params == params


def test_parse_details():
    text = (
        "# a comment\n"
        "vmId = abc  # trailing comment\n"
        "devices={device:console,specParams:{consoleType:serial,n:{a:1}},type:console}\n"
        "devices=device:cdrom,domain:d1,pool:p1\n"
        "custom_foo=bar\n"
        "cpuPinning={0:1,1:2}\n"
        "flag\n"
    )
    params = vm_conf.parse(text)
    assert params["vmId"] == "abc"
    assert params["devices"] == [
        {"device": "console", "specParams": {"consoleType": "serial", "n": {"a": "1"}},
         "type": "console"},
        {"device": "cdrom", "domainID": "d1", "poolID": "p1"},
    ]
    assert params["custom"] == {"foo": "bar"}
    assert params["cpuPinning"] == {"0": "1", "1": "2"}
    assert params["flag"] == ""


def test_xml_is_decoded_and_becomes_the_create_parameters():
    xml = "<domain type='kvm'><name>HostedEngine</name></domain>"
    text = f"vmId=abc\nmemSize=1024\nxmlBase64={base64.b64encode(xml.encode()).decode()}\n"
    vm = VmConf.from_text(text)
    assert vm.params == {"xml": xml}


@pytest.mark.parametrize("text,message", [
    ("memSize=1\n", "vm.conf has no vmId"),
    ("vmId=a\nmemSize=lots\n", "vm.conf memSize 'lots' is not an integer"),
    ("vmId=a\ndevices={device:disk\n", "nested spec not terminated with '}': '{device:disk'"),
])
def test_bad_vm_conf(text, message):
    with pytest.raises(VmConfError) as e:
        VmConf.from_text(text)
    assert str(e.value) == message


@pytest.fixture
def host(tmp_path, monkeypatch):
    """A host root with hosted-engine.conf and the configuration volume at its run path."""
    monkeypatch.setenv(paths.ROOT_ENV, str(tmp_path))
    conf_path = tmp_path / "hosted-engine.conf"
    conf_path.write_text(conffiles.hosted_engine_conf(IDS, 1))
    conf = config.load_hosted_engine_conf(conf_path)
    volume = paths.resolve(f"/run/vdsm/storage/{IDS.sd_uuid}/{IDS.conf_image}/{IDS.conf_volume}")
    volume.parent.mkdir(parents=True)
    volume.write_bytes(conffiles.conf_archive(IDS))
    return conf, volume


def no_vdsm(*args, **kwargs):
    raise exceptions.VdsmError("vdsm is not there")


def test_refresh_from_the_volume_writes_the_local_copy(host):
    conf, _ = host
    store = VmConfStore(conf, no_vdsm)
    vm = store.refresh(now=100, epoch=5)
    assert (vm.vm_id, vm.mem_size, vm.refreshed) == (IDS.vm_id, 4096, 100)
    assert store.path == paths.resolve("/var/run/ovirt-hosted-engine-ha/vm.conf")
    copy = store.path.read_text()
    assert copy.startswith("# Editing the hosted engine VM is only possible via the manager")
    assert copy.endswith(conffiles.vm_conf(IDS))


def test_refresh_falls_back_to_the_local_copy(host):
    conf, volume = host
    store = VmConfStore(conf, no_vdsm)
    store.refresh(now=100, epoch=5)
    volume.write_bytes(b"not a tar archive")
    vm = store.refresh(now=110, epoch=5)
    assert (vm.vm_id, vm.refreshed) == (IDS.vm_id, 110)


def test_refresh_without_volume_or_copy(host):
    conf, volume = host
    volume.unlink()
    with pytest.raises(VmConfError) as e:
        VmConfStore(conf, no_vdsm).refresh(now=1, epoch=0)
    assert str(e.value).startswith("no usable vm.conf: cannot read ")


def test_volume_prepared_by_vdsm_when_not_at_the_run_path(host, tmp_path):
    conf, volume = host
    elsewhere = tmp_path / "prepared"
    volume.rename(elsewhere)
    calls = []

    def vdsm(namespace, verb, **kwargs):
        calls.append((f"{namespace}.{verb}", kwargs))
        return {"path": str(elsewhere)}

    assert VmConfStore(conf, vdsm).refresh(now=1, epoch=0).vm_id == IDS.vm_id
    assert calls == [("Image.prepare", {"storagepoolID": IDS.sp_uuid,
                                        "storagedomainID": IDS.sd_uuid,
                                        "imageID": IDS.conf_image,
                                        "volumeID": IDS.conf_volume})]
