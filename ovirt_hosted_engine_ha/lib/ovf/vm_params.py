"""An `OvfVm` written as vm.conf (the format `agent/vm_conf.py` reads).

Lines, in this order: `vmId`, `memSize` (MiB), `display` (``vnc`` for a
VNC framebuffer, else ``qxl``), `vmName`, `cpuType`, `emulatedMachine`
(when the OVF names them), `smp`, `maxVCpus`, `spiceSecureChannels`,
`xmlBase64` (the engine's libvirt XML, when the hosted-engine disk is
exclusive and that XML defines a VM lease: then vdsm gets the XML, as
upstream), and one ``devices={...}`` line per device.

vm.conf is line based and its reader drops all whitespace, so every value
taken from the OVF is stripped of whitespace, and a device value holding
one of ``,{}=`` (which would change the line's structure) is left out.
"""

from __future__ import annotations

import base64
import logging
import re

from .document import OvfDevice, OvfDisk, OvfVm, has_lease, parse_address

log = logging.getLogger(__name__)

SPICE_CHANNELS = "smain,sdisplay,sinputs,scursor,splayback,srecord,ssmartcard,susbredir"
INTERFACES = {"VirtIO": "virtio", "VirtIO_SCSI": "scsi", "IDE": "ide", "SATA": "sata",
              "SPAPR_VSCSI": "scsi"}
NIC_MODELS = {"0": "rtl8139_pv", "1": "rtl8139", "2": "e1000", "3": "pv", "4": "spaprVlan"}
_WHITESPACE = re.compile(r"\s+")
_UNSAFE = re.compile(r"[,{}=]")
_KEY = re.compile(r"^[A-Za-z][A-Za-z0-9_]*$")


def _clean(value: str) -> str:
    return _WHITESPACE.sub("", value)


def _safe(values: dict[str, str]) -> dict[str, str]:
    out = {}
    for key, value in values.items():
        value = _clean(value)
        if not _KEY.match(key) or _UNSAFE.search(value):
            log.warning("Leaving %s=%r out of a vm.conf device", key, value[:80])
            continue
        out[key] = value
    return out


def _spec(values: dict[str, str | dict[str, str]]) -> str:
    parts = []
    for key, value in values.items():
        if isinstance(value, dict):
            parts.append(f"{key}:{_spec(dict(_safe(value)))}")
        else:
            parts.append(f"{key}:{value}")
    return "{" + ",".join(parts) + "}"


def _disk_fields(dev: OvfDevice, disks: dict[str, OvfDisk]) -> dict[str, str]:
    image, _, volume = dev.rasd.get("HostResource", "").partition("/")
    disk = disks.get(volume, OvfDisk())
    return {
        "domainID": dev.rasd.get("StorageId", ""),
        "poolID": dev.rasd.get("StoragePoolId", ""),
        "imageID": image,
        "volumeID": volume,
        "format": "cow" if disk.volume_format.upper() == "COW" else "raw",
        "iface": INTERFACES.get(disk.interface, "virtio"),
        "shared": "shared" if disk.shareable else "exclusive",
        "propagateErrors": "off",
        "optional": "false",
    }


def device_fields(dev: OvfDevice, disks: dict[str, OvfDisk]) -> dict[str, str | dict[str, str]]:
    fields: dict[str, str] = {"device": dev.device, "type": dev.type,
                              "deviceId": dev.rasd.get("InstanceId", "")}
    if dev.type == "disk" and dev.device == "disk":
        fields.update(_disk_fields(dev, disks))
    elif dev.type == "disk" and dev.device == "cdrom":
        fields.update(path="", iface="ide", readonly="true")
    elif dev.type == "interface":
        fields.update(macAddr=dev.rasd.get("MACAddress", ""),
                      network=dev.rasd.get("Connection", ""),
                      linkActive=dev.rasd.get("Linked", "true"),
                      nicModel=NIC_MODELS.get(dev.rasd.get("ResourceSubType", ""), "pv"))
    if dev.extra.get("BootOrder", "0") not in ("", "0"):
        fields["bootOrder"] = dev.extra["BootOrder"]
    if dev.extra.get("IsReadOnly"):
        fields.setdefault("readonly", dev.extra["IsReadOnly"])
    if dev.extra.get("Alias"):
        fields["alias"] = dev.extra["Alias"]
    result: dict[str, str | dict[str, str]] = dict(_safe(fields))
    result["specParams"] = dev.spec_params
    address = parse_address(dev.rasd.get("Address", ""))
    if address:
        result["address"] = address
    return result


def display(vm: OvfVm) -> str:
    graphics = [d.device for d in vm.devices if d.type == "graphics"]
    return "vnc" if "vnc" in graphics else "qxl"


def use_engine_xml(vm: OvfVm, devices: list[dict[str, str | dict[str, str]]]) -> bool:
    exclusive = any(d.get("device") == "disk" and d.get("shared") == "exclusive"
                    for d in devices)
    return bool(vm.engine_xml) and exclusive and has_lease(vm.engine_xml)


def to_vm_conf(vm: OvfVm) -> str:
    devices = [device_fields(d, vm.disks) for d in vm.devices]
    lines = [("vmId", vm.vm_id), ("memSize", str(vm.memory_mib)), ("display", display(vm)),
             ("vmName", vm.name), ("cpuType", vm.cpu_type),
             ("emulatedMachine", vm.emulated_machine), ("smp", str(vm.vcpus)),
             ("maxVCpus", str(vm.max_vcpus)), ("spiceSecureChannels", SPICE_CHANNELS)]
    if use_engine_xml(vm, devices):
        encoded = base64.standard_b64encode(vm.engine_xml.encode("utf-8")).decode("ascii")
        lines.append(("xmlBase64", encoded))
    text = "".join(f"{key}={_clean(value)}\n" for key, value in lines if _clean(value))
    return text + "".join(f"devices={_spec(d)}\n" for d in devices)
