"""The vdsm storage backend: the only backend the broker uses.

`VdsmBackend.connect()` connects the storage server, finds the storage
domain directory under /rhev/data-center/mnt, reads the domain's sector
size, prepares the metadata and lockspace volumes with `Image.prepare` and
(re)creates the compatibility links in ``<domain>/ha_agent``. The broker
does its I/O on the prepared paths, not through the links.
"""

import dataclasses
import logging
import os

from ..env import constants, paths
from ..env.config import HostedEngineConf, VolumeRef
from . import exceptions, storage_server, vdsm_util

log = logging.getLogger(__name__)


@dataclasses.dataclass(frozen=True)
class PreparedStorage:
    domain_path: str
    sector_size: int
    metadata_path: str
    lockspace_path: str


def find_domain_path(sd_uuid: str, domain_type: str) -> str:
    parent = paths.resolve(constants.SD_MOUNT_PARENT)
    if domain_type == constants.DOMAIN_TYPE_GLUSTERFS:
        parent = parent / constants.SD_GLUSTER_PREFIX
    try:
        entries = sorted(os.listdir(parent))
    except OSError as e:
        raise exceptions.BackendFailureException(
            f"cannot list {parent}: {e.strerror}") from e
    for entry in entries:
        candidate = parent / entry / sd_uuid
        if candidate.is_dir():
            return str(candidate)
    raise exceptions.BackendFailureException(
        f"path to storage domain {sd_uuid} not found in {parent}")


def sector_size(sd_uuid: str) -> int:
    info = vdsm_util.call("StorageDomain", "getInfo", storagedomainID=sd_uuid)
    size = info.get("block_size") if isinstance(info, dict) else None
    if size not in (512, 4096):
        raise exceptions.StorageError(
            f"storage domain {sd_uuid} reports no usable block_size: {size!r}")
    return int(size)


def prepare_volume(sd_uuid: str, volume: VolumeRef) -> str:
    result = vdsm_util.call(
        "Image", "prepare",
        storagepoolID=constants.BLANK_UUID,
        storagedomainID=sd_uuid,
        imageID=volume.image_uuid,
        volumeID=volume.volume_uuid,
    )
    if not isinstance(result, dict) or not result.get("path"):
        raise exceptions.StorageError(f"Image.prepare returned no path: {result!r}")
    return str(result["path"])


def replace_link(link: str, target: str) -> None:
    """Point `link` at `target` atomically (other hosts may race on it)."""
    os.makedirs(os.path.dirname(link), exist_ok=True)
    tmp = f"{link}.tmp-{os.getpid()}"
    try:
        os.unlink(tmp)
    except FileNotFoundError:
        pass
    os.symlink(target, tmp)
    os.replace(tmp, link)


class VdsmBackend:
    def __init__(self, conf: HostedEngineConf) -> None:
        self._conf = conf

    def connect(self) -> PreparedStorage:
        conf = self._conf
        storage_server.connect_storage_server(conf)
        domain_path = find_domain_path(conf.sd_uuid, conf.domain_type)
        sector = sector_size(conf.sd_uuid)
        metadata = prepare_volume(conf.sd_uuid, conf.metadata)
        lockspace = prepare_volume(conf.sd_uuid, conf.lockspace)
        ha_agent = os.path.join(domain_path, constants.SD_METADATA_DIR)
        for service, path in ((constants.MD_IMAGE, metadata),
                              (constants.LOCKSPACE_IMAGE, lockspace)):
            replace_link(os.path.join(ha_agent, service), path)
        log.info("Storage prepared domain=%s sector=%d metadata=%s lockspace=%s",
                 domain_path, sector, metadata, lockspace)
        return PreparedStorage(domain_path, sector, metadata, lockspace)
