"""An oVirt OVF document (what the engine writes into the OVF_STORE), parsed.

The document comes from shared storage that every host and the engine
write, so it is parsed with defusedxml with DTDs forbidden (no entity
expansion, no external entities) and only after a size check. What is
taken (spec/agent.md §6.4):

- `Content/Section[OperatingSystemSection_Type]/@ovf:id`: the VM id;
  `Content/Name`, `Content/CustomCpuName`, `Content/CustomEmulatedMachine`;
- `Content/Engine_Xml`: the engine's libvirt domain XML, when present;
- the virtual hardware items (`rasd:ResourceType` 3 = CPU, 4 = memory) and
  every item naming a device (`Type`, `Device`): disks, NICs, CD-ROM,
  video, graphics, controllers, console, ...;
- `DiskSection/Disk`: the format, interface and shareability of each disk.
"""

from __future__ import annotations

import dataclasses
import re
from xml.etree.ElementTree import Element

import defusedxml.ElementTree as SafeET  # type: ignore[import-untyped]
from defusedxml import DefusedXmlException  # type: ignore[import-untyped]

from .. import exceptions

OVF = "http://schemas.dmtf.org/ovf/envelope/1/"
RASD = "http://schemas.dmtf.org/wbem/wscim/1/cim-schema/2/CIM_ResourceAllocationSettingData"
XSI = "http://www.w3.org/2001/XMLSchema-instance"
MAX_DOCUMENT_BYTES = 4 * 1024 * 1024

RESOURCE_CPU = "3"
RESOURCE_MEMORY = "4"
_ADDRESS_ITEM = re.compile(r"\s*([A-Za-z_][\w]*)\s*=\s*([^,]*?)\s*(?:,|$)")


class OvfError(exceptions.DetailError):
    """The OVF document is unusable (malformed, hostile, or lacking a field)."""


@dataclasses.dataclass(frozen=True)
class OvfDisk:
    """DiskSection facts about one disk, keyed by its volume id."""

    volume_format: str = ""     # RAW, COW
    interface: str = ""         # VirtIO, VirtIO_SCSI, IDE, ...
    shareable: bool = False


@dataclasses.dataclass(frozen=True)
class OvfDevice:
    """One hardware item that names a device; `rasd` holds its rasd:* texts."""

    type: str
    device: str
    rasd: dict[str, str]
    extra: dict[str, str]                   # un-namespaced children: BootOrder, Alias, ...
    spec_params: dict[str, str]


@dataclasses.dataclass(frozen=True)
class OvfVm:
    vm_id: str
    name: str
    memory_mib: int
    vcpus: int
    max_vcpus: int
    cpu_type: str
    emulated_machine: str
    devices: tuple[OvfDevice, ...]
    disks: dict[str, OvfDisk]
    engine_xml: str = ""


def _q(ns: str, tag: str) -> str:
    return f"{{{ns}}}{tag}"


def _text(element: Element | None) -> str:
    return (element.text or "").strip() if element is not None else ""


def parse_address(text: str) -> dict[str, str]:
    """``{type=drive, bus=0, unit=0}`` (the engine's address form) as a dict."""
    body = text.strip()
    if not (body.startswith("{") and body.endswith("}")):
        return {}
    return {m.group(1): m.group(2) for m in _ADDRESS_ITEM.finditer(body[1:-1])}


def _int(text: str, what: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise OvfError(f"OVF {what} {text!r} is not an integer") from None
    if value < 0:
        raise OvfError(f"OVF {what} {value} is negative")
    return value


def _root(data: bytes) -> Element:
    if len(data) > MAX_DOCUMENT_BYTES:
        raise OvfError(f"OVF document of {len(data)} bytes exceeds {MAX_DOCUMENT_BYTES}")
    try:
        return SafeET.fromstring(data, forbid_dtd=True, forbid_entities=True,
                                 forbid_external=True)
    except DefusedXmlException as e:
        raise OvfError(f"OVF document refused: {type(e).__name__}: {e}") from None
    except SafeET.ParseError as e:
        raise OvfError(f"OVF document is not well-formed XML: {e}") from None


def _device(item: Element) -> OvfDevice | None:
    dev_type, device = _text(item.find("Type")), _text(item.find("Device"))
    if not dev_type or not device:
        return None
    rasd = {child.tag[len(RASD) + 2:]: _text(child) for child in item
            if child.tag.startswith(f"{{{RASD}}}")}
    extra = {child.tag: _text(child) for child in item
             if not child.tag.startswith("{") and len(child) == 0}
    params = item.find("SpecParams")
    spec = {child.tag: _text(child) for child in params} if params is not None else {}
    return OvfDevice(dev_type, device, rasd, extra, spec)


def _disks(root: Element) -> dict[str, OvfDisk]:
    disks = {}
    for section in root.iter("Section"):
        if section.get(_q(XSI, "type"), "").endswith("DiskSection_Type"):
            for disk in section.iter("Disk"):
                disk_id = disk.get(_q(OVF, "diskId"), "")
                disks[disk_id] = OvfDisk(
                    volume_format=disk.get(_q(OVF, "volume-format"), ""),
                    interface=disk.get(_q(OVF, "disk-interface"), ""),
                    shareable=disk.get(_q(OVF, "shareable"), "false").lower() == "true")
    return disks


def _vm_id(content: Element) -> str:
    for section in content.findall("Section"):
        if section.get(_q(XSI, "type"), "").endswith("OperatingSystemSection_Type"):
            return section.get(_q(OVF, "id"), "")
    return ""


def _cpus(items: list[Element]) -> tuple[int, int]:
    for item in items:
        if _text(item.find(_q(RASD, "ResourceType"))) == RESOURCE_CPU:
            counts = [_text(item.find(_q(RASD, k)))
                      for k in ("num_of_sockets", "cpu_per_socket", "threads_per_cpu")]
            if all(counts):
                vcpus = 1
                for count in counts:
                    vcpus *= _int(count, "CPU topology")
            else:
                vcpus = _int(_text(item.find(_q(RASD, "VirtualQuantity"))), "CPU count")
            max_text = _text(item.find(_q(RASD, "max_num_of_vcpus")))
            return vcpus, _int(max_text, "max vCPUs") if max_text else vcpus
    raise OvfError("OVF has no CPU item (rasd:ResourceType 3)")


def _memory(items: list[Element]) -> int:
    for item in items:
        if _text(item.find(_q(RASD, "ResourceType"))) == RESOURCE_MEMORY:
            return _int(_text(item.find(_q(RASD, "VirtualQuantity"))), "memory size")
    raise OvfError("OVF has no memory item (rasd:ResourceType 4)")


def parse(data: bytes) -> OvfVm:
    """Parse an OVF document; raise OvfError for anything unusable or hostile."""
    root = _root(data)
    content = root.find("Content")
    if content is None:
        raise OvfError("OVF has no Content element")
    vm_id = _vm_id(content)
    if not vm_id:
        raise OvfError("OVF names no VM id (OperatingSystemSection ovf:id)")
    hardware = [s for s in content.findall("Section")
                if s.get(_q(XSI, "type"), "").endswith("VirtualHardwareSection_Type")]
    items = hardware[0].findall("Item") if hardware else []
    vcpus, max_vcpus = _cpus(items)
    devices = tuple(d for d in map(_device, items) if d is not None)
    return OvfVm(
        vm_id=vm_id,
        name=_text(content.find("Name")),
        memory_mib=_memory(items),
        vcpus=vcpus,
        max_vcpus=max_vcpus,
        cpu_type=_text(content.find("CustomCpuName")),
        emulated_machine=_text(content.find("CustomEmulatedMachine")),
        devices=devices,
        disks=_disks(root),
        engine_xml=(content.findtext("Engine_Xml") or "").strip(),
    )


def has_lease(domain_xml: str) -> bool:
    """Whether a libvirt domain XML defines a VM lease (``devices/lease``)."""
    try:
        return _root(domain_xml.encode("utf-8")).find("devices/lease") is not None
    except OvfError:
        return False
