"""The hosted-engine configuration volume: a tar archive at the volume's start.

Members (spec/broker.md §9.2): `version`, `fhanswers.conf`,
`hosted-engine.conf`, `broker.conf`, `vm.conf`. The volume is
``/run/vdsm/storage/<sd>/<image>/<volume>`` when that exists, else the path
vdsm's `Image.prepare` returns. A member is replaced by rebuilding the
archive (same members, order and owners) and writing it over the start of
the volume, after checking that nobody changed the archive meanwhile (md5
of the region read, as upstream).
"""

import hashlib
import io
import logging
import os
import tarfile
import time
from pathlib import Path

from ..env import constants, paths
from ..env.config import HostedEngineConf
from ..lib import exceptions

log = logging.getLogger(__name__)

ARCHIVE_REGION = 1024 * 1024  # the archive is a few KiB; the volume is 1 GiB


class ConfVolumeError(exceptions.SharedConfigError):
    """The configuration volume cannot be read or written."""


def volume_path(conf: HostedEngineConf) -> Path:
    if conf.conf is None:
        raise ConfVolumeError(
            f"{conf.path} names no configuration volume (conf_image_UUID, conf_volume_UUID)")
    image, volume = conf.conf.image_uuid, conf.conf.volume_uuid
    run_path = paths.resolve(f"{constants.SD_RUN_DIR}/{conf.sd_uuid}/{image}/{volume}")
    if run_path.exists():
        return run_path
    from ..lib import vdsm_util

    try:
        result = vdsm_util.call("Image", "prepare", storagepoolID=conf.sp_uuid,
                                storagedomainID=conf.sd_uuid, imageID=image, volumeID=volume)
        return Path(result["path"])  # type: ignore[index]
    except (exceptions.Error, KeyError, TypeError) as e:
        raise ConfVolumeError(f"cannot prepare the configuration volume: {e}") from e


def _read_region(path: Path) -> bytes:
    try:
        with open(path, "rb") as f:
            return f.read(ARCHIVE_REGION)
    except OSError as e:
        raise ConfVolumeError(f"cannot read configuration volume {path}: {e.strerror}") from e


def _members(path: Path, region: bytes) -> list[tuple[tarfile.TarInfo, bytes]]:
    try:
        with tarfile.open(fileobj=io.BytesIO(region), mode="r:") as tar:
            result = []
            for info in tar.getmembers():
                stream = tar.extractfile(info) if info.isfile() else None
                result.append((info, stream.read() if stream else b""))
    except tarfile.TarError as e:
        raise ConfVolumeError(f"configuration volume {path} is not a tar archive: {e}") from e
    names = {info.name.removeprefix("./") for info, _ in result}
    missing = [n for n in constants.CONF_ARCHIVE_MEMBERS if n not in names]
    if missing:
        raise ConfVolumeError(f"configuration volume {path} lacks {', '.join(missing)}")
    return result


def read_member(path: Path, member: str) -> str:
    """The text of one member of the archive in volume `path`."""
    for info, data in _members(path, _read_region(path)):
        if info.name.removeprefix("./") == member:
            return data.decode("utf-8")
    raise ConfVolumeError(f"configuration volume {path} has no member {member}")


def replace_member(path: Path, member: str, text: str) -> None:
    """Rewrite the archive in volume `path` with `member` holding `text`."""
    region = _read_region(path)
    digest = hashlib.md5(region, usedforsecurity=False).hexdigest()
    out = io.BytesIO()
    with tarfile.open(fileobj=out, mode="w:", format=tarfile.USTAR_FORMAT) as tar:
        for info, data in _members(path, region):
            if info.name.removeprefix("./") == member:
                data = text.encode("utf-8")
                info.mtime = int(time.time())
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data) if info.isfile() else None)
    archive = out.getvalue()
    if len(archive) > ARCHIVE_REGION:
        raise ConfVolumeError(f"the new archive is {len(archive)} bytes, too large")
    if hashlib.md5(_read_region(path), usedforsecurity=False).hexdigest() != digest:
        raise ConfVolumeError(f"configuration volume {path} changed meanwhile; try again")
    try:
        fd = os.open(path, os.O_WRONLY)
        try:
            os.pwrite(fd, archive, 0)
            os.fsync(fd)
        finally:
            os.close(fd)
    except OSError as e:
        raise ConfVolumeError(f"cannot write configuration volume {path}: {e.strerror}") from e
    log.info("Updated %s in configuration volume %s", member, path)
