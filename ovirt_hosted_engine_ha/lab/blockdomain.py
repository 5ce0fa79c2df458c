"""A block storage domain (iSCSI, FC) made of loop devices.

On a block domain vdsm's prepared volume is a link to a device node
(``/dev/<vg>/<lv>``); the lab gets the same shape with loop devices:
the metadata and lockspace volumes move to ``DIR/storage/block/<vol>.img``,
each goes behind a loop device with the domain's sector size, and the
volume's place in the domain becomes a symbolic link to ``/dev/loopN``,
which is what the simulator's ``Image.prepare`` returns.

When faultfs covers DIR/storage the backing files are reached through it,
so storage faults reach the block devices too.
"""

import os
from collections.abc import Callable
from pathlib import Path

from ..env import constants
from . import blockdev
from .layout import Layout
from .record import LabRecord

BLOCK_VOLUMES = ("metadata", "lockspace")
# the lab's domain kinds -> hosted-engine.conf's domainType
DOMAIN_TYPES = {"file": constants.DOMAIN_TYPE_NFS, "block": constants.DOMAIN_TYPE_FC}


def make(layout: Layout, record: LabRecord, paths: dict[str, Path],
         save: Callable[[], None]) -> None:
    """Turn the metadata and lockspace volumes into links to loop devices."""
    for name in BLOCK_VOLUMES:
        volume = paths[name]
        backing = layout.block_backing(volume.name)
        backing.parent.mkdir(exist_ok=True)
        os.rename(volume, backing)
        device = blockdev.attach(backing, record.sector)
        record.loops[device] = str(backing)
        save()
        os.symlink(device, volume)


def release(record: LabRecord) -> list[str]:
    """Detach the lab's loop devices (those still backed by its files); name them."""
    detached = [dev for dev, backing in record.loops.items() if blockdev.detach(dev, backing)]
    record.loops.clear()
    return detached


def aliases(layout: Layout, record: LabRecord, volumes: tuple[Path, ...]) -> dict[str, str]:
    """{volume link: its loop device's backing file}, both relative to DIR/storage."""
    result = {}
    for volume in volumes:
        try:
            device = os.readlink(volume)
        except OSError:
            continue
        backing = record.loops.get(device)
        if backing is not None:
            result[str(volume.relative_to(layout.storage))] = \
                str(Path(backing).relative_to(layout.storage))
    return result
