"""The engine's OVF_STORE in the lab: the volumes, and publishing the VM's OVF into them.

ovirt-engine keeps two OVF_STORE volumes on the storage domain (vdsm
description: JSON with ``"Disk Description": "OVF_STORE"``) and rewrites
them when a VM changes: a tar archive with ``info.json`` and one
``<vmid>.ovf`` per VM (ovf_template.py). The lab creates them with the
domain (storage.py) and publishes the engine VM's definition, kept in
``DIR/engine-vm.json``: at `up`, and at ``ovirt-ha-lab engine set-memory``
/ ``set-cpus``, which play an administrator editing the VM in the engine.
"""

from __future__ import annotations

import dataclasses
import io
import json
import os
import tarfile
import time
from pathlib import Path

from .layout import Layout
from .ovf_template import VmDefinition, ovf_document
from .record import LabIds
from .vdsm_sim.domains import format_key_values, parse_key_values

VOLUME_SIZE = 1024 * 1024     # the engine's are 128 MiB; the archive is a few KiB
DEFINITION_FILE = "engine-vm.json"


def description(sd_uuid: str, size: int, updated: str = "") -> str:
    """The vdsm volume description the engine gives an OVF_STORE volume."""
    return json.dumps({"Updated": True, "Size": size, "Last Updated": updated or time.ctime(),
                       "Storage Domains": [{"uuid": sd_uuid}],
                       "Disk Description": "OVF_STORE"}, separators=(",", ":"))


def archive(ids: LabIds, vm: VmDefinition) -> bytes:
    """The OVF_STORE tar: info.json and `<vmid>.ovf`."""
    members = {
        "info.json": json.dumps({"Last Updated": time.ctime(), "Storage Domains":
                                 [{"uuid": ids.sd_uuid}]}).encode(),
        f"{ids.vm_id}.ovf": ovf_document(ids, vm).encode("utf-8"),
    }
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w", format=tarfile.USTAR_FORMAT) as tar:
        for name, data in members.items():
            info = tarfile.TarInfo(name)
            info.size, info.mtime, info.mode = len(data), int(time.time()), 0o644
            tar.addfile(info, io.BytesIO(data))
    return buf.getvalue()


def volumes(ids: LabIds) -> list[tuple[str, str]]:
    return [(ids.ovf_store_image_1, ids.ovf_store_volume_1),
            (ids.ovf_store_image_2, ids.ovf_store_volume_2)]


def load_definition(layout: Layout) -> VmDefinition:
    try:
        return VmDefinition(**json.loads((layout.root / DEFINITION_FILE).read_text()))
    except FileNotFoundError:
        return VmDefinition()


def save_definition(layout: Layout, vm: VmDefinition) -> None:
    path = layout.root / DEFINITION_FILE
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(json.dumps(dataclasses.asdict(vm), indent=2) + "\n")
    os.replace(tmp, path)


def _write_volume(path: Path, data: bytes) -> None:
    if len(data) > VOLUME_SIZE:
        raise ValueError(f"OVF_STORE archive of {len(data)} bytes exceeds {VOLUME_SIZE}")
    fd = os.open(path, os.O_WRONLY)
    try:
        os.pwrite(fd, data + b"\0" * (VOLUME_SIZE - len(data)), 0)
        os.fsync(fd)
    finally:
        os.close(fd)


def publish(layout: Layout, ids: LabIds, vm: VmDefinition) -> list[Path]:
    """Write the VM's OVF into every OVF_STORE volume (and its description); return them."""
    data = archive(ids, vm)
    written = []
    for image, volume in volumes(ids):
        path = layout.volume(ids.sd_uuid, image, volume)
        _write_volume(path, data)
        meta_path = path.with_name(path.name + ".meta")
        meta: dict[str, object] = dict(parse_key_values(meta_path.read_text()))
        meta["DESCRIPTION"] = description(ids.sd_uuid, len(data))
        meta_path.write_text(format_key_values(meta, eof=True))
        written.append(path)
    save_definition(layout, vm)
    return written


def change(layout: Layout, ids: LabIds, memory_mib: int | None = None,
           vcpus: int | None = None) -> VmDefinition:
    """An administrator's edit: the new definition, published."""
    old = load_definition(layout)
    new = dataclasses.replace(
        old, memory_mib=old.memory_mib if memory_mib is None else memory_mib,
        vcpus=old.vcpus if vcpus is None else vcpus, generation=old.generation + 1)
    if new.memory_mib <= 0 or new.vcpus <= 0 or new.vcpus > new.max_vcpus:
        raise ValueError(f"memory must be > 0 MiB and vCPUs 1..{new.max_vcpus}")
    publish(layout, ids, new)
    return new
