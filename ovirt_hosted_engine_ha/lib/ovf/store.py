"""Finding the engine's OVF_STORE volumes and reading `<vmid>.ovf` from them.

The engine keeps, on every data domain, volumes whose vdsm description is
a JSON object with ``"Disk Description": "OVF_STORE"``; each holds a tar
archive with ``info.json`` and one ``<vmid>.ovf`` per VM of the domain.
Scan as upstream (spec/agent.md §6.4, spec/vdsm.md): the domain's images
(`StorageDomain.getImages`; when vdsm fails, the image directories under
the domain's mount, /rhev/data-center/mnt/[glusterSD/]*), each image's volumes
(`StorageDomain.getVolumes`), each volume's description (`Volume.getInfo`);
a matching volume is prepared (`Image.prepare`) for its path.

Reading: the standard library's tarfile over `DirectReader` (O_DIRECT
chunks, never the page cache), stopping at the member; the archive and the
member are size-capped since other hosts write them.
"""

from __future__ import annotations

import dataclasses
import json
import logging
import tarfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

from ...env import constants, paths
from .. import exceptions
from ..directio_reader import DirectReader

log = logging.getLogger(__name__)

OVF_STORE_DESCRIPTION = "OVF_STORE"
DESCRIPTION_KEY = "Disk Description"
MAX_MEMBER_BYTES = 4 * 1024 * 1024     # one OVF document
MAX_ARCHIVE_READ = 64 * 1024 * 1024    # what one extraction may read from storage
MAX_MEMBERS = 10000

VdsmCall = Callable[..., Any]


class OvfStoreError(exceptions.DetailError):
    """No OVF_STORE volume could be found or read."""


@dataclasses.dataclass(frozen=True)
class OvfStoreVolume:
    image: str
    volume: str
    path: Path


def is_ovf_store(description: object) -> bool:
    """Whether a vdsm volume description marks an OVF_STORE volume."""
    if not isinstance(description, str):
        return False
    try:
        value = json.loads(description)
    except ValueError:
        return False
    return isinstance(value, dict) and value.get(DESCRIPTION_KEY) == OVF_STORE_DESCRIPTION


def mounted_images(sd_uuid: str) -> list[str]:
    """Image ids from the domain's mount (upstream's fallback when vdsm cannot list them)."""
    parent = paths.resolve(constants.SD_MOUNT_PARENT)
    found: set[str] = set()
    for pattern in (f"*/{sd_uuid}/images/*-*-*-*-*",
                    f"{constants.SD_GLUSTER_PREFIX}/*/{sd_uuid}/images/*-*-*-*-*"):
        found.update(p.name for p in parent.glob(pattern) if p.is_dir())
    return sorted(found)


def find_volumes(call: VdsmCall, sd_uuid: str, sp_uuid: str) -> list[OvfStoreVolume]:
    """Every OVF_STORE volume of the domain, prepared; raise OvfStoreError if none can be listed.

    The images come from vdsm, else (vdsm fails) from the domain's mount
    directory, as upstream.
    """
    try:
        images = call("StorageDomain", "getImages", storagedomainID=sd_uuid)
    except exceptions.Error as e:
        images = mounted_images(sd_uuid)
        if not images:
            raise OvfStoreError(f"cannot list the images of domain {sd_uuid}: {e}") from e
        log.warning("vdsm cannot list the images of domain %s (%s): using the %d found "
                    "under its mount", sd_uuid, e, len(images))
    found = []
    for image in _strings(images):
        try:
            volumes = call("StorageDomain", "getVolumes", imageID=image,
                           storagepoolID=sp_uuid, storagedomainID=sd_uuid)
        except exceptions.Error as e:
            log.warning("Cannot list the volumes of image %s: %s", image, e)
            continue
        for volume in _strings(volumes):
            ref = _check_volume(call, sd_uuid, sp_uuid, image, volume)
            if ref is not None:
                found.append(ref)
    return found


def _strings(value: object) -> list[str]:
    return [v for v in value if isinstance(v, str)] if isinstance(value, list) else []


def _check_volume(call: VdsmCall, sd_uuid: str, sp_uuid: str, image: str,
                  volume: str) -> OvfStoreVolume | None:
    try:
        info = call("Volume", "getInfo", volumeID=volume, imageID=image,
                    storagepoolID=sp_uuid, storagedomainID=sd_uuid)
        if not isinstance(info, dict) or not is_ovf_store(info.get("description")):
            return None
        prepared = call("Image", "prepare", storagepoolID=sp_uuid, storagedomainID=sd_uuid,
                        imageID=image, volumeID=volume)
        return OvfStoreVolume(image, volume, Path(prepared["path"]))
    except (exceptions.Error, KeyError, TypeError) as e:
        log.warning("Cannot use volume %s/%s: %s", image, volume, e)
        return None


def read_member(path: Path, name: str, max_read: int = MAX_ARCHIVE_READ) -> bytes:
    """Member `name` (or ``./name``) of the tar archive at the start of volume `path`."""
    try:
        with DirectReader(path, limit=max_read) as raw, \
                tarfile.open(fileobj=raw, mode="r:") as tar:  # type: ignore[arg-type]
            for _ in range(MAX_MEMBERS):
                info = tar.next()
                if info is None:
                    break
                if info.name.removeprefix("./") != name:
                    continue
                if not info.isfile() or info.size > MAX_MEMBER_BYTES:
                    raise OvfStoreError(f"{name} in {path} is not a regular file of at most "
                                        f"{MAX_MEMBER_BYTES} bytes")
                stream = tar.extractfile(info)
                assert stream is not None
                return stream.read()
    except (OSError, tarfile.TarError, exceptions.StorageError) as e:
        raise OvfStoreError(f"cannot read OVF_STORE volume {path}: {e}") from e
    raise OvfStoreError(f"OVF_STORE volume {path} has no {name}")
