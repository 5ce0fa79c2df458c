"""The OVF document ovirt-engine writes for the hosted-engine VM, filled from a `VmDefinition`.

A reduced but faithful shape of what the engine puts in its OVF_STORE:
the References and DiskSection for the VM's disk, the Content with the
engine-level settings, the engine's libvirt XML (``Engine_Xml``, with the
VM lease), the OperatingSystemSection carrying the VM id and the virtual
hardware items (CPU, memory, disk, NIC, video, graphics, console).
"""

from __future__ import annotations

import dataclasses
from xml.sax.saxutils import escape

from ..env import constants
from .record import LabIds


@dataclasses.dataclass(frozen=True)
class VmDefinition:
    """What an administrator edits in the engine; the OVF follows it."""

    memory_mib: int = 4096
    vcpus: int = 2
    max_vcpus: int = 16
    generation: int = 1


def libvirt_xml(ids: LabIds, vm: VmDefinition) -> str:
    return (
        '<?xml version="1.0" encoding="UTF-8"?>'
        '<domain type="kvm" xmlns:ovirt-vm="http://ovirt.org/vm/1.0">'
        f"<name>HostedEngine</name><uuid>{ids.vm_id}</uuid>"
        f"<memory>{vm.memory_mib * 1024}</memory>"
        f"<currentMemory>{vm.memory_mib * 1024}</currentMemory>"
        f'<vcpu current="{vm.vcpus}">{vm.max_vcpus}</vcpu>'
        "<devices>"
        f"<lease><key>{ids.vm_id}</key><lockspace>{ids.sd_uuid}</lockspace>"
        f'<target offset="LEASE-OFFSET:{ids.vm_id}:{ids.sd_uuid}" '
        f'path="LEASE-PATH:{ids.vm_id}:{ids.sd_uuid}"/></lease>'
        '<disk type="file" device="disk" snapshot="no">'
        '<driver name="qemu" type="raw" cache="none" error_policy="stop" io="threads"/>'
        f'<source file="/rhev/data-center/mnt/localhost:_lab/{ids.sd_uuid}/images/'
        f'{ids.vm_disk_id}/{ids.vm_disk_vol_id}"/><target dev="vda" bus="virtio"/></disk>'
        "</devices></domain>"
    )


def _item(body: str) -> str:
    return f"      <Item>\n{body}      </Item>\n"


def _hardware(ids: LabIds, vm: VmDefinition) -> str:
    disk = f"{ids.vm_disk_id}/{ids.vm_disk_vol_id}"
    return "".join([
        _item(f"        <rasd:Caption>{vm.vcpus} virtual cpu</rasd:Caption>\n"
              "        <rasd:InstanceId>1</rasd:InstanceId>\n"
              "        <rasd:ResourceType>3</rasd:ResourceType>\n"
              f"        <rasd:num_of_sockets>{vm.vcpus}</rasd:num_of_sockets>\n"
              "        <rasd:cpu_per_socket>1</rasd:cpu_per_socket>\n"
              "        <rasd:threads_per_cpu>1</rasd:threads_per_cpu>\n"
              f"        <rasd:max_num_of_vcpus>{vm.max_vcpus}</rasd:max_num_of_vcpus>\n"
              f"        <rasd:VirtualQuantity>{vm.vcpus}</rasd:VirtualQuantity>\n"),
        _item(f"        <rasd:Caption>{vm.memory_mib} MB of memory</rasd:Caption>\n"
              "        <rasd:InstanceId>2</rasd:InstanceId>\n"
              "        <rasd:ResourceType>4</rasd:ResourceType>\n"
              "        <rasd:AllocationUnits>MegaBytes</rasd:AllocationUnits>\n"
              f"        <rasd:VirtualQuantity>{vm.memory_mib}</rasd:VirtualQuantity>\n"),
        _item("        <rasd:Caption>he_virtio_disk</rasd:Caption>\n"
              f"        <rasd:InstanceId>{ids.vm_disk_vol_id}</rasd:InstanceId>\n"
              "        <rasd:ResourceType>17</rasd:ResourceType>\n"
              f"        <rasd:HostResource>{disk}</rasd:HostResource>\n"
              f"        <rasd:StorageId>{ids.sd_uuid}</rasd:StorageId>\n"
              f"        <rasd:StoragePoolId>{ids.sp_uuid}</rasd:StoragePoolId>\n"
              "        <Type>disk</Type>\n        <Device>disk</Device>\n"
              "        <rasd:Address>{type=pci, slot=0x00, bus=0x04, domain=0x0000, "
              "function=0x0}</rasd:Address>\n"
              "        <BootOrder>1</BootOrder>\n        <IsPlugged>true</IsPlugged>\n"
              "        <IsReadOnly>false</IsReadOnly>\n"
              f"        <Alias>ua-{ids.vm_disk_vol_id}</Alias>\n"),
        _item("        <rasd:Caption>Ethernet adapter on ovirtmgmt</rasd:Caption>\n"
              f"        <rasd:InstanceId>{ids.vm_id[:24]}00000000a001</rasd:InstanceId>\n"
              "        <rasd:ResourceType>10</rasd:ResourceType>\n"
              "        <rasd:ResourceSubType>3</rasd:ResourceSubType>\n"
              "        <rasd:Connection>ovirtmgmt</rasd:Connection>\n"
              "        <rasd:Linked>true</rasd:Linked>\n"
              "        <rasd:MACAddress>00:16:3e:1a:b2:c3</rasd:MACAddress>\n"
              "        <Type>interface</Type>\n        <Device>bridge</Device>\n"
              "        <IsPlugged>true</IsPlugged>\n"),
        _item("        <rasd:Caption>Graphical Controller</rasd:Caption>\n"
              f"        <rasd:InstanceId>{ids.vm_id[:24]}00000000a002</rasd:InstanceId>\n"
              "        <rasd:ResourceType>20</rasd:ResourceType>\n"
              "        <Type>video</Type>\n        <Device>vga</Device>\n"
              "        <SpecParams>\n          <vram>16384</vram>\n        </SpecParams>\n"),
        _item("        <rasd:Caption>Graphical Framebuffer</rasd:Caption>\n"
              f"        <rasd:InstanceId>{ids.vm_id[:24]}00000000a003</rasd:InstanceId>\n"
              "        <rasd:ResourceType>26</rasd:ResourceType>\n"
              "        <Type>graphics</Type>\n        <Device>vnc</Device>\n"),
        _item(f"        <rasd:InstanceId>{ids.vm_id[:24]}00000000a004</rasd:InstanceId>\n"
              "        <rasd:ResourceType>0</rasd:ResourceType>\n"
              "        <Type>console</Type>\n        <Device>console</Device>\n"
              "        <SpecParams>\n          <consoleType>serial</consoleType>\n"
              "        </SpecParams>\n"),
    ])


def ovf_document(ids: LabIds, vm: VmDefinition) -> str:
    disk = f"{ids.vm_disk_id}/{ids.vm_disk_vol_id}"
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        '<ovf:Envelope xmlns:ovf="http://schemas.dmtf.org/ovf/envelope/1/" '
        'xmlns:rasd="http://schemas.dmtf.org/wbem/wscim/1/cim-schema/2/'
        'CIM_ResourceAllocationSettingData" '
        'xmlns:vssd="http://schemas.dmtf.org/wbem/wscim/1/cim-schema/2/'
        'CIM_VirtualSystemSettingData" '
        'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" ovf:version="4.5.0.0">\n'
        f'  <References>\n    <File ovf:href="{disk}" ovf:id="{ids.vm_disk_vol_id}" '
        'ovf:description="Hosted-Engine disk" ovf:disk_storage_type="IMAGE"></File>\n'
        "  </References>\n"
        '  <Section xsi:type="ovf:DiskSection_Type">\n    <Info>List of Virtual Disks</Info>\n'
        f'    <Disk ovf:diskId="{ids.vm_disk_vol_id}" ovf:fileRef="{disk}" '
        'ovf:volume-format="RAW" ovf:volume-type="Sparse" ovf:disk-interface="VirtIO" '
        'ovf:read-only="false" ovf:shareable="false" ovf:boot="true" '
        'ovf:disk-alias="he_virtio_disk"></Disk>\n  </Section>\n'
        '  <Content ovf:id="out" xsi:type="ovf:VirtualSystem_Type">\n'
        "    <Name>HostedEngine</Name>\n"
        f"    <Generation>{vm.generation}</Generation>\n"
        f"    <MinAllocatedMem>{vm.memory_mib}</MinAllocatedMem>\n"
        "    <CustomEmulatedMachine>pc</CustomEmulatedMachine>\n"
        "    <CustomCpuName>qemu64</CustomCpuName>\n"
        f"    <MaxMemorySizeMb>{vm.memory_mib * 4}</MaxMemorySizeMb>\n"
        f"    <TemplateId>{constants.BLANK_UUID}</TemplateId>\n"
        f"    <Engine_Xml>{escape(libvirt_xml(ids, vm))}</Engine_Xml>\n"
        f'    <Section ovf:id="{ids.vm_id}" ovf:required="false" '
        'xsi:type="ovf:OperatingSystemSection_Type">\n'
        "      <Info>Guest Operating System</Info>\n"
        "      <Description>rhel_8x64</Description>\n    </Section>\n"
        '    <Section xsi:type="ovf:VirtualHardwareSection_Type">\n'
        f"      <Info>{vm.vcpus} CPU, {vm.memory_mib} Memory</Info>\n"
        + _hardware(ids, vm)
        + "    </Section>\n  </Content>\n</ovf:Envelope>\n"
    )
