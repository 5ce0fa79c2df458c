"""Reading the hosted-engine configuration volume (a tar archive).

Used by the broker: its notifications read `broker.conf` from it, its
configuration refresher `vm.conf` (when there is no usable OVF_STORE),
`hosted-engine.conf` and `broker.conf`. The volume is
``/run/vdsm/storage/<sd>/<image>/<volume>`` when that exists, else the path
vdsm's `Image.prepare` returns. A member is returned only from a complete
archive: every member setup writes (`CONF_ARCHIVE_MEMBERS`) must be there.
"""

import tarfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

from ..env import config, constants, paths
from . import exceptions
from .directio_reader import DirectReader

MAX_MEMBER_BYTES = 1024 * 1024
MAX_ARCHIVE_READ = 16 * 1024 * 1024

# `call(namespace, verb, **kwargs)`: a vdsm call raising `VdsmError`.
VdsmCall = Callable[..., Any]


class ConfVolumeError(exceptions.DetailError):
    """The configuration volume could not be read."""


def volume_path(conf: config.HostedEngineConf, call: VdsmCall) -> Path | None:
    """Where the configuration volume can be read; None if the conf names none."""
    if conf.conf is None:
        return None
    image, volume = conf.conf.image_uuid, conf.conf.volume_uuid
    run_path = paths.resolve(f"{constants.SD_RUN_DIR}/{conf.sd_uuid}/{image}/{volume}")
    if run_path.exists():
        return run_path
    try:
        result = call("Image", "prepare", storagepoolID=conf.sp_uuid,
                      storagedomainID=conf.sd_uuid, imageID=image, volumeID=volume)
        return Path(result["path"])
    except (exceptions.Error, KeyError, TypeError) as e:
        raise ConfVolumeError(f"cannot prepare the configuration volume: {e}") from e


def read_members(archive: Path, names: tuple[str, ...]) -> dict[str, bytes]:
    """Members `names` of the configuration archive, after checking the archive is complete.

    The volume is read with O_DIRECT (lib/directio_reader.py): other hosts
    write it, so this host's page cache may hold an older copy.
    """
    try:
        with DirectReader(archive, limit=MAX_ARCHIVE_READ) as raw, \
                tarfile.open(fileobj=raw, mode="r:") as tar:  # type: ignore[arg-type]
            members = {m.name.removeprefix("./"): m for m in tar.getmembers()}
            missing = [n for n in constants.CONF_ARCHIVE_MEMBERS if n not in members]
            if missing:
                raise ConfVolumeError(
                    f"configuration volume {archive} lacks {', '.join(missing)}")
            result = {}
            for name in names:
                info = members[name]
                if not info.isfile() or info.size > MAX_MEMBER_BYTES:
                    raise ConfVolumeError(f"{name} in {archive} is not a small regular file")
                stream = tar.extractfile(info)
                assert stream is not None
                result[name] = stream.read()
            return result
    except (OSError, tarfile.TarError, exceptions.StorageError) as e:
        raise ConfVolumeError(f"cannot read configuration volume {archive}: {e}") from e


def read_member(archive: Path, member: str) -> bytes:
    """One member of the configuration archive, after checking the archive is complete."""
    return read_members(archive, (member,))[member]
