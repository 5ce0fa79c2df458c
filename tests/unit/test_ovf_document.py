"""OVF documents as the engine writes them, and hostile ones, into vm.conf."""

import base64
from pathlib import Path

import pytest

from ovirt_hosted_engine_ha.agent.vm_conf import VmConf, parse
from ovirt_hosted_engine_ha.lab import ovf_template
from ovirt_hosted_engine_ha.lab.record import LabIds
from ovirt_hosted_engine_ha.lib.ovf import document, vm_params
from ovirt_hosted_engine_ha.lib.ovf.document import OvfError

DATA = Path(__file__).parent / "ovf_data"
VM_ID = "3f8c2a1e-7b6d-4c5e-9a8f-1e2d3c4b5a69"


def realistic() -> bytes:
    return (DATA / "hosted_engine.ovf").read_bytes()


def test_a_realistic_engine_ovf():
    vm = document.parse(realistic())
    assert (vm.vm_id, vm.name, vm.memory_mib, vm.vcpus, vm.max_vcpus) == \
        (VM_ID, "HostedEngine", 16384, 4, 64)
    assert vm.cpu_type == "Skylake-Server,+spec-ctrl,+ssbd,+md-clear"
    assert vm.emulated_machine == "pc-q35-rhel8.6.0"
    assert [(d.type, d.device) for d in vm.devices] == [
        ("disk", "disk"), ("interface", "bridge"), ("video", "qxl"), ("graphics", "spice"),
        ("disk", "cdrom"), ("console", "console"), ("rng", "virtio")]
    disk = vm.disks["5c2b1a6e-9f3d-4e8a-b7c1-0d2e3f4a5b6c"]
    assert (disk.volume_format, disk.interface, disk.shareable) == ("RAW", "VirtIO", False)
    assert vm.engine_xml.startswith('<?xml version="1.0"') and "<lease>" in vm.engine_xml


def test_vm_conf_from_a_realistic_ovf_is_what_the_agent_reads():
    text = vm_params.to_vm_conf(document.parse(realistic()))
    head = dict(line.split("=", 1) for line in text.splitlines()[:9])
    assert head == {
        "vmId": VM_ID, "memSize": "16384", "display": "qxl", "vmName": "HostedEngine",
        "cpuType": "Skylake-Server,+spec-ctrl,+ssbd,+md-clear",
        "emulatedMachine": "pc-q35-rhel8.6.0", "smp": "4", "maxVCpus": "64",
        "spiceSecureChannels": vm_params.SPICE_CHANNELS}
    parsed = parse(text)
    xml = parsed["xml"]
    assert xml == document.parse(realistic()).engine_xml
    disk, nic, video, graphics, cdrom, console, rng = parsed["devices"]
    assert disk == {
        "device": "disk", "type": "disk", "deviceId": "5c2b1a6e-9f3d-4e8a-b7c1-0d2e3f4a5b6c",
        "domainID": "8d1e5b2c-3a4f-4e6d-9c7b-2a1f0e9d8c7b",
        "poolID": "00000000-0000-0000-0000-000000000000",
        "imageID": "a6b0d36b-0c6e-4b0e-9d6e-2b4c8e1f7a10",
        "volumeID": "5c2b1a6e-9f3d-4e8a-b7c1-0d2e3f4a5b6c", "format": "raw",
        "iface": "virtio", "shared": "exclusive", "propagateErrors": "off",
        "optional": "false", "bootOrder": "1", "readonly": "false",
        "alias": "ua-5c2b1a6e-9f3d-4e8a-b7c1-0d2e3f4a5b6c", "specParams": {},
        "address": {"type": "pci", "slot": "0x00", "bus": "0x04", "domain": "0x0000",
                    "function": "0x0"}}
    assert (nic["macAddr"], nic["network"], nic["nicModel"], nic["linkActive"]) == \
        ("00:16:3e:5a:7b:01", "ovirtmgmt", "pv", "true")
    assert video["specParams"] == {"vram": "8192", "vgamem": "16384", "heads": "1",
                                   "ram": "65536"}
    assert graphics["device"] == "spice" and "address" not in graphics
    assert (cdrom["device"], cdrom["readonly"], cdrom["iface"]) == ("cdrom", "true", "ide")
    assert cdrom["address"]["unit"] == "2"
    assert console["specParams"]["consoleType"] == "serial" and rng["device"] == "virtio"
    vm = VmConf.from_text(text)
    assert (vm.vm_id, vm.mem_size, vm.params) == (VM_ID, 16384, {"xml": xml})


def test_the_libvirt_xml_only_for_an_exclusive_disk_with_a_lease():
    shared = realistic().replace(b'ovf:shareable="false"', b'ovf:shareable="true"')
    assert "xmlBase64=" not in vm_params.to_vm_conf(document.parse(shared))
    no_lease = realistic().replace(b"&lt;lease&gt;", b"&lt;nolease&gt;").replace(
        b"&lt;/lease&gt;", b"&lt;/nolease&gt;")
    text = vm_params.to_vm_conf(document.parse(no_lease))
    assert "xmlBase64=" not in text
    assert parse(text)["devices"][0]["shared"] == "exclusive"
    assert VmConf.from_text(text).params["memSize"] == "16384"


def test_the_labs_engine_ovf():
    ids = LabIds()
    definition = ovf_template.VmDefinition(memory_mib=6144, vcpus=3)
    vm = document.parse(ovf_template.ovf_document(ids, definition).encode())
    assert (vm.vm_id, vm.memory_mib, vm.vcpus, vm.max_vcpus) == (ids.vm_id, 6144, 3, 16)
    text = vm_params.to_vm_conf(vm)
    assert "display=vnc\n" in text
    xml = base64.b64decode(parse(text.replace("xml", "xmlX"))["xmlXBase64"]).decode()
    assert f"<memory>{6144 * 1024}</memory>" in xml


BILLION_LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE lolz [
 <!ENTITY lol "lol">
 <!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
 <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
 <!ENTITY lol9 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
]>
<ovf:Envelope xmlns:ovf="http://schemas.dmtf.org/ovf/envelope/1/"><Content>
<Name>&lol9;</Name></Content></ovf:Envelope>"""

EXTERNAL_ENTITY = b"""<?xml version="1.0"?>
<!DOCTYPE foo [ <!ENTITY xxe SYSTEM "file:///etc/passwd"> ]>
<ovf:Envelope xmlns:ovf="http://schemas.dmtf.org/ovf/envelope/1/"><Content>
<Name>&xxe;</Name></Content></ovf:Envelope>"""

EXTERNAL_DTD = b"""<?xml version="1.0"?>
<!DOCTYPE ovf SYSTEM "http://127.0.0.1:9/evil.dtd">
<ovf:Envelope xmlns:ovf="http://schemas.dmtf.org/ovf/envelope/1/"/>"""


@pytest.mark.parametrize("data", [BILLION_LAUGHS, EXTERNAL_ENTITY, EXTERNAL_DTD],
                         ids=["billion-laughs", "external-entity", "external-dtd"])
def test_entity_tricks_are_refused(data):
    with pytest.raises(OvfError, match="OVF document refused: DTDForbidden"):
        document.parse(data)


def test_a_huge_document_is_refused_before_parsing():
    data = realistic().replace(b"<Comment></Comment>",
                               b"<Comment>" + b"x" * document.MAX_DOCUMENT_BYTES + b"</Comment>")
    with pytest.raises(OvfError, match="exceeds"):
        document.parse(data)


@pytest.mark.parametrize(("change", "message"), [
    ((b"<rasd:ResourceType>4</rasd:ResourceType>", b"<rasd:ResourceType>44</rasd:ResourceType>"),
     "no memory item"),
    ((b"<rasd:VirtualQuantity>16384</rasd:VirtualQuantity>",
      b"<rasd:VirtualQuantity>lots</rasd:VirtualQuantity>"), "memory size 'lots'"),
    ((b"OperatingSystemSection_Type", b"OtherSection_Type"), "names no VM id"),
    ((b"</ovf:Envelope>", b""), "not well-formed"),
    ((b"<rasd:num_of_sockets>2</rasd:num_of_sockets>",
      b"<rasd:num_of_sockets>-2</rasd:num_of_sockets>"), "negative"),
])
def test_unusable_documents(change, message):
    with pytest.raises(OvfError, match=message):
        document.parse(realistic().replace(*change))


def test_values_cannot_inject_vm_conf_lines_or_device_keys():
    hostile = realistic().replace(
        b"<Name>HostedEngine</Name>", b"<Name>Evil&#10;xmlBase64=AAAA&#10;memSize=1</Name>"
    ).replace(b"<rasd:Connection>ovirtmgmt</rasd:Connection>",
              b"<rasd:Connection>ovirtmgmt,device:evil}</rasd:Connection>")
    text = vm_params.to_vm_conf(document.parse(hostile))
    lines = text.splitlines()
    assert "vmName=EvilxmlBase64=AAAAmemSize=1" in lines
    assert [line for line in lines if line.startswith(("memSize=", "xmlBase64="))] == \
        ["memSize=16384", "xmlBase64=" + base64.b64encode(
            document.parse(realistic()).engine_xml.encode()).decode()]
    nic = parse(text)["devices"][1]
    assert "network" not in nic and nic["device"] == "bridge"
    assert VmConf.from_text(text).mem_size == 16384
