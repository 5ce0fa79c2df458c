"""The lab's storage directory seen as vdsm file storage domains.

A domain is ``<storage>/<sdUUID>/`` with ``dom_md/metadata`` (vdsm's
``KEY=value`` format) and volumes at ``images/<imgUUID>/<volUUID>``, each
with a ``<volUUID>.meta`` file (``KEY=value`` lines ending with ``EOF``).
The lab writes them (lab/storage.py); the simulator only reads them, at
every call, so several simulators share one storage directory.
"""

import os
import stat
from pathlib import Path

from . import errors

DOMAIN_MD = "dom_md/metadata"
IMAGES = "images"
NOT_VOLUMES = (".meta", ".lease")


def is_volume(path: Path) -> bool:
    """A regular file (file domain) or a block device (block domain: a link to /dev/...)."""
    try:
        mode = path.stat().st_mode
    except OSError:
        return False
    return stat.S_ISREG(mode) or stat.S_ISBLK(mode)


def format_key_values(values: dict[str, object], eof: bool = False) -> str:
    lines = [f"{key}={value}" for key, value in values.items()]
    return "\n".join(lines + (["EOF"] if eof else [])) + "\n"


def parse_key_values(text: str) -> dict[str, str]:
    values = {}
    for line in text.splitlines():
        if line == "EOF":
            break
        key, sep, value = line.partition("=")
        if sep:
            values[key.strip()] = value.strip()
    return values


class Storage:
    def __init__(self, storage_dir: str | os.PathLike[str], host_root: str | None = None) -> None:
        self.dir = Path(os.path.realpath(storage_dir))
        self.host_root = host_root

    def metadata(self, sd_uuid: str) -> dict[str, str]:
        """The domain's metadata; StorageDomainDoesNotExist if there is none."""
        if not sd_uuid or "/" in sd_uuid or sd_uuid.startswith("."):
            raise errors.StorageDomainDoesNotExist((sd_uuid,))
        try:
            return parse_key_values((self.dir / sd_uuid / DOMAIN_MD).read_text())
        except FileNotFoundError:
            raise errors.StorageDomainDoesNotExist((sd_uuid,)) from None

    def domains(self) -> list[str]:
        return sorted(p.parent.parent.name for p in self.dir.glob(f"*/{DOMAIN_MD}"))

    def remote_paths(self) -> set[str]:
        return {self.metadata(sd).get("REMOTE_PATH", "") for sd in self.domains()}

    def info(self, sd_uuid: str) -> dict[str, object]:
        md = self.metadata(sd_uuid)
        return {
            "uuid": sd_uuid,
            "type": md.get("TYPE", "NFS"),
            "class": md.get("CLASS", "Data"),
            "name": md.get("DESCRIPTION", ""),
            "role": md.get("ROLE", "Regular"),
            "pool": [p for p in md.get("POOL_UUID", "").split(",") if p],
            "version": int(md.get("VERSION", "5")),
            "block_size": int(md.get("BLOCK_SIZE", "512")),
            "alignment": int(md.get("ALIGNMENT", "1048576")),
            "remotePath": md.get("REMOTE_PATH", ""),
            "lver": -1,
            "spm_id": -1,
            "master_ver": 0,
            "isoprefix": "",
        }

    def stats(self, sd_uuid: str) -> dict[str, object]:
        self.metadata(sd_uuid)
        st = os.statvfs(self.dir / sd_uuid)
        return {
            "disktotal": str(st.f_blocks * st.f_frsize),
            "diskfree": str(st.f_bavail * st.f_frsize),
            "mdasize": 0,
            "mdafree": 0,
            "mdavalid": True,
            "mdathreshold": True,
            "alerts": [],
        }

    def images(self, sd_uuid: str) -> list[str]:
        self.metadata(sd_uuid)
        root = self.dir / sd_uuid / IMAGES
        return sorted(p.name for p in root.iterdir() if p.is_dir()) if root.is_dir() else []

    def volumes(self, sd_uuid: str, img_uuid: str) -> list[str]:
        self.metadata(sd_uuid)
        image = self.dir / sd_uuid / IMAGES / img_uuid
        if not image.is_dir():
            return []
        return sorted(p.name for p in image.iterdir()
                      if is_volume(p) and not p.name.endswith(NOT_VOLUMES))

    def volume_path(self, sd_uuid: str, img_uuid: str, vol_uuid: str) -> Path:
        """The volume file; VolumeDoesNotExist when it is missing."""
        self.metadata(sd_uuid)
        for part in (img_uuid, vol_uuid):
            if not part or "/" in part or part.startswith("."):
                raise errors.VolumeDoesNotExist((vol_uuid,))
        path = self.dir / sd_uuid / IMAGES / img_uuid / vol_uuid
        if not is_volume(path):
            raise errors.VolumeDoesNotExist((vol_uuid,))
        return path

    def volume_info(self, sd_uuid: str, img_uuid: str, vol_uuid: str) -> dict[str, object]:
        path = self.volume_path(sd_uuid, img_uuid, vol_uuid)
        meta_file = path.with_name(path.name + ".meta")
        meta = parse_key_values(meta_file.read_text()) if meta_file.exists() else {}
        st = path.stat()
        return {
            "uuid": vol_uuid,
            "image": img_uuid,
            "domain": sd_uuid,
            "description": meta.get("DESCRIPTION", ""),
            "format": meta.get("FORMAT", "RAW"),
            "type": meta.get("TYPE", "PREALLOCATED"),
            "voltype": meta.get("VOLTYPE", "LEAF"),
            "disktype": meta.get("DISKTYPE", "DATA"),
            "legality": meta.get("LEGALITY", "LEGAL"),
            "parent": meta.get("PUUID", "00000000-0000-0000-0000-000000000000"),
            "capacity": str(meta.get("CAP", st.st_size)),
            "apparentsize": str(st.st_size),
            "truesize": str(st.st_blocks * 512),
            "status": "OK",
            "ctime": meta.get("CTIME", str(int(st.st_ctime))),
        }

    def prepare(self, sd_uuid: str, img_uuid: str, vol_uuid: str) -> str:
        """Check the volume, link its image under the host's /run/vdsm/storage.

        On a block domain the volume is a link to its device (/dev/loopN);
        the path returned is that link, as vdsm returns a link to the LV.
        """
        path = self.volume_path(sd_uuid, img_uuid, vol_uuid)
        if self.host_root:
            self._link_run_image(sd_uuid, img_uuid, path.parent)
        return str(path)

    def _link_run_image(self, sd_uuid: str, img_uuid: str, image_dir: Path) -> None:
        run_dir = Path(self.host_root or "/", "run/vdsm/storage", sd_uuid)
        run_dir.mkdir(parents=True, exist_ok=True)
        link = run_dir / img_uuid
        tmp = run_dir / f".{img_uuid}.{os.getpid()}.tmp"
        tmp.unlink(missing_ok=True)
        os.symlink(image_dir, tmp)
        os.replace(tmp, link)
