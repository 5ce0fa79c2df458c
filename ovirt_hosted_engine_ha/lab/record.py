"""lab.json: what a lab is made of and every process it started.

Written when `up` starts (so a half-made lab is still recognised and can be
taken down) and after every process start; `down` and `status` read it.
"""

import dataclasses
import json
import os
import uuid
from pathlib import Path

from ..env import constants
from .procs import ProcRecord

VERSION = 1


def _uuid() -> str:
    return str(uuid.uuid4())


@dataclasses.dataclass(frozen=True)
class LabIds:
    """UUIDs of the storage domain, its volumes and the engine VM (made once at `up`)."""

    instance: str = dataclasses.field(default_factory=lambda: uuid.uuid4().hex[:8])
    sd_uuid: str = dataclasses.field(default_factory=_uuid)
    sp_uuid: str = constants.BLANK_UUID
    connection_uuid: str = dataclasses.field(default_factory=_uuid)
    metadata_image: str = dataclasses.field(default_factory=_uuid)
    metadata_volume: str = dataclasses.field(default_factory=_uuid)
    lockspace_image: str = dataclasses.field(default_factory=_uuid)
    lockspace_volume: str = dataclasses.field(default_factory=_uuid)
    conf_image: str = dataclasses.field(default_factory=_uuid)
    conf_volume: str = dataclasses.field(default_factory=_uuid)
    vm_id: str = dataclasses.field(default_factory=_uuid)
    vm_disk_id: str = dataclasses.field(default_factory=_uuid)
    vm_disk_vol_id: str = dataclasses.field(default_factory=_uuid)
    ovf_store_image_1: str = dataclasses.field(default_factory=_uuid)
    ovf_store_volume_1: str = dataclasses.field(default_factory=_uuid)
    ovf_store_image_2: str = dataclasses.field(default_factory=_uuid)
    ovf_store_volume_2: str = dataclasses.field(default_factory=_uuid)


@dataclasses.dataclass
class HostRecord:
    host_id: int
    root: str
    sanlock_name: str
    processes: dict[str, ProcRecord] = dataclasses.field(default_factory=dict)
    probe_port: int = 0          # its network probe target (127.0.0.1), 0: none
    degraded: list[str] = dataclasses.field(default_factory=list)  # network, storage, load

    def to_json(self) -> dict:
        return {"host_id": self.host_id, "root": self.root, "sanlock_name": self.sanlock_name,
                "processes": {k: p.to_json() for k, p in self.processes.items()},
                "probe_port": self.probe_port, "degraded": list(self.degraded)}

    @classmethod
    def from_json(cls, data: dict) -> "HostRecord":
        procs = {k: ProcRecord.from_json(p) for k, p in data.get("processes", {}).items()}
        return cls(data["host_id"], data["root"], data["sanlock_name"], procs,
                   int(data.get("probe_port", 0)), list(data.get("degraded", [])))


@dataclasses.dataclass
class LabRecord:
    root: str
    sector: int
    ids: LabIds
    hosts: list[HostRecord]
    engine_port: int = 0         # the engine's health page on 127.0.0.1, 0: none
    domain: str = "file"         # file (files on a directory) or block (loop devices)
    faultfs: ProcRecord | None = None   # the FUSE daemon over DIR/storage, if any
    loops: dict[str, str] = dataclasses.field(default_factory=dict)  # /dev/loopN -> backing

    def host(self, host_id: int) -> HostRecord:
        for h in self.hosts:
            if h.host_id == host_id:
                return h
        raise KeyError(host_id)

    def all_processes(self) -> list[ProcRecord]:
        """Every host's processes, and the faultfs daemon."""
        own = [self.faultfs] if self.faultfs is not None else []
        return [p for h in self.hosts for p in h.processes.values()] + own

    def save(self, path: Path) -> None:
        data = {"version": VERSION, "root": self.root, "sector": self.sector,
                "ids": dataclasses.asdict(self.ids),
                "hosts": [h.to_json() for h in self.hosts], "engine_port": self.engine_port,
                "domain": self.domain, "loops": dict(self.loops),
                "faultfs": self.faultfs.to_json() if self.faultfs else None}
        tmp = path.with_name(path.name + ".tmp")
        tmp.write_text(json.dumps(data, indent=2) + "\n")
        os.replace(tmp, path)

    @classmethod
    def load(cls, path: Path) -> "LabRecord":
        data = json.loads(path.read_text())
        if data.get("version") != VERSION:
            raise ValueError(f"{path}: unsupported lab.json version {data.get('version')!r}")
        return cls(data["root"], data["sector"], LabIds(**data["ids"]),
                   [HostRecord.from_json(h) for h in data["hosts"]],
                   int(data.get("engine_port", 0)), data.get("domain", "file"),
                   ProcRecord.from_json(data["faultfs"]) if data.get("faultfs") else None,
                   dict(data.get("loops", {})))
