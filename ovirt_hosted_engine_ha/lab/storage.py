"""The shared storage domain, laid out like a vdsm file domain (design.md §5).

    storage/<sdUUID>/dom_md/metadata              domain metadata (KEY=value)
    storage/<sdUUID>/images/<img>/<vol>           a volume
    storage/<sdUUID>/images/<img>/<vol>.meta      its vdsm volume metadata

Volumes: metadata (sparse, 1 GiB), lockspace (1 MiB, initialised through a
sanlock daemon by `sanlock_child`), configuration (tar archive), engine VM
disk (sparse, 1 GiB), the engine's two OVF_STORE volumes (1 MiB each, the
engine VM's OVF published into them: engine_ovf.py). `<sdUUID>/ha_agent/`
is left to the brokers, which (re)create its links to the prepared volumes.

As in vdsm, the domain also has its own sanlock lockspace ``dom_md/ids``
(joined by vdsm's domain monitor with the host id) and an external leases
volume ``dom_md/xleases`` holding the engine VM's resource lease; both are
created here (1 MiB each) and initialised through a daemon by
`sanlock_child init-domain`.
"""

import dataclasses
import os
import time
from pathlib import Path

from ..env import constants
from . import conffiles, engine_ovf
from .layout import REMOTE_PATH, Layout
from .ovf_template import VmDefinition
from .record import LabIds
from .vdsm_sim.domains import DOMAIN_MD, format_key_values

GiB = 1024**3
MiB = 1024**2
LOCKSPACE_ALIGN = MiB
SECTORS = (512, 4096)
VDSM_TYPES = {constants.DOMAIN_TYPE_FC: "FCP", constants.DOMAIN_TYPE_ISCSI: "ISCSI"}


@dataclasses.dataclass(frozen=True)
class Volume:
    image: str
    volume: str
    size: int | None         # None: the content's size
    description: str
    disk_type: str
    sparse: bool = True
    content: bytes | None = None


def volumes(ids: LabIds, fqdn: str = conffiles.DEFAULT_FQDN,
            domain_type: str = constants.DOMAIN_TYPE_NFS) -> dict[str, Volume]:
    return {
        "metadata": Volume(ids.metadata_image, ids.metadata_volume, GiB,
                           constants.MD_IMAGE, "HEMD"),
        "lockspace": Volume(ids.lockspace_image, ids.lockspace_volume, LOCKSPACE_ALIGN,
                            constants.LOCKSPACE_IMAGE, "HELS", sparse=False),
        "conf": Volume(ids.conf_image, ids.conf_volume, None,
                       "HostedEngineConfigurationImage", "HECI", sparse=False,
                       content=conffiles.conf_archive(ids, fqdn, domain_type)),
        "vm_disk": Volume(ids.vm_disk_id, ids.vm_disk_vol_id, GiB,
                          "hosted-engine VM disk", "DATA"),
        **{f"ovf_store_{n}": Volume(image, volume, engine_ovf.VOLUME_SIZE,
                                   engine_ovf.description(ids.sd_uuid, 0), "OVFS",
                                   sparse=False)
           for n, (image, volume) in enumerate(engine_ovf.volumes(ids), start=1)},
    }


def domain_metadata(ids: LabIds, sector: int, domain_type: str = constants.DOMAIN_TYPE_NFS
                    ) -> dict[str, object]:
    return {
        "ALIGNMENT": LOCKSPACE_ALIGN,
        "BLOCK_SIZE": sector,
        "CLASS": "Data",
        "DESCRIPTION": "hosted_storage",
        "IOOPTIMEOUTSEC": 10,
        "LEASERETRIES": 3,
        "LEASETIMESEC": 60,
        "LOCKPOLICY": "",
        "LOCKRENEWALINTERVALSEC": 5,
        "POOL_UUID": "",
        "REMOTE_PATH": REMOTE_PATH,
        "ROLE": "Regular",
        "SDUUID": ids.sd_uuid,
        "TYPE": VDSM_TYPES.get(domain_type, "NFS"),
        "VERSION": 5,
    }


def volume_metadata(ids: LabIds, vol: Volume, size: int) -> dict[str, object]:
    return {
        "CAP": size,
        "CTIME": int(time.time()),
        "DESCRIPTION": vol.description,
        "DISKTYPE": vol.disk_type,
        "DOMAIN": ids.sd_uuid,
        "FORMAT": "RAW",
        "GEN": 0,
        "IMAGE": vol.image,
        "LEGALITY": "LEGAL",
        "PUUID": constants.BLANK_UUID,
        "TYPE": "SPARSE" if vol.sparse else "PREALLOCATED",
        "VOLTYPE": "LEAF",
    }


def create(layout: Layout, ids: LabIds, sector: int, fqdn: str = conffiles.DEFAULT_FQDN,
           domain_type: str = constants.DOMAIN_TYPE_NFS) -> dict[str, Path]:
    """Create the domain (and its dom_md/ids and dom_md/xleases); return {volume name: path}."""
    if sector not in SECTORS:
        raise ValueError(f"sector must be 512 or 4096, got {sector}")
    domain = layout.domain(ids.sd_uuid)
    (domain / "dom_md").mkdir(parents=True)
    (domain / DOMAIN_MD).write_text(format_key_values(domain_metadata(ids, sector, domain_type)))
    for path in (layout.domain_ids(ids.sd_uuid), layout.domain_xleases(ids.sd_uuid)):
        with open(path, "wb") as f:
            f.truncate(LOCKSPACE_ALIGN)
    paths = {}
    for name, vol in volumes(ids, fqdn, domain_type).items():
        path = layout.volume(ids.sd_uuid, vol.image, vol.volume)
        path.parent.mkdir(parents=True, exist_ok=True)
        with open(path, "wb") as f:
            if vol.content is not None:
                f.write(vol.content)
            if vol.size is not None:
                f.truncate(vol.size)
            os.fsync(f.fileno())
        size = vol.size if vol.size is not None else len(vol.content or b"")
        meta = format_key_values(volume_metadata(ids, vol, size), eof=True)
        path.with_name(path.name + ".meta").write_text(meta)
        paths[name] = path
    engine_ovf.publish(layout, ids, VmDefinition())
    return paths
