"""vm.conf: parsing it as `hosted-engine --vm-start` does, and reading the local copy."""

import base64

import pytest

from ovirt_hosted_engine_ha.agent import vm_conf
from ovirt_hosted_engine_ha.agent.vm_conf import VmConf, VmConfError
from ovirt_hosted_engine_ha.agent.vm_conf_store import VmConfStore
from ovirt_hosted_engine_ha.env import config, paths
from ovirt_hosted_engine_ha.lab import conffiles
from ovirt_hosted_engine_ha.lab.record import LabIds
from ovirt_hosted_engine_ha.lib import local_copies

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
def conf(tmp_path, monkeypatch):
    monkeypatch.setenv(paths.ROOT_ENV, str(tmp_path))
    conf_path = tmp_path / "hosted-engine.conf"
    conf_path.write_text(conffiles.hosted_engine_conf(IDS, 1))
    return config.load_hosted_engine_conf(conf_path)


def test_the_agent_reads_the_local_copy_the_broker_writes(conf):
    store = VmConfStore(conf)
    assert store.path == paths.resolve("/var/run/ovirt-hosted-engine-ha/vm.conf")
    assert local_copies.write_vm_conf(store.path, conffiles.vm_conf(IDS))
    assert store.path.read_text().startswith("# Editing the hosted engine VM is only possible")
    vm = store.refresh(now=100, epoch=5)
    assert (vm.vm_id, vm.mem_size, vm.refreshed) == (IDS.vm_id, 4096, 100)
    # Same content: the file is left alone; new content replaces it.
    assert not local_copies.write_vm_conf(store.path, conffiles.vm_conf(IDS))
    assert local_copies.write_vm_conf(
        store.path, conffiles.vm_conf(IDS).replace("memSize=4096", "memSize=8192"))
    assert store.refresh(now=110, epoch=5).mem_size == 8192


def test_without_a_local_copy_there_is_no_vm_conf(conf):
    with pytest.raises(VmConfError) as e:
        VmConfStore(conf).refresh(now=1, epoch=0)
    assert str(e.value).startswith("no usable vm.conf: cannot read ")
