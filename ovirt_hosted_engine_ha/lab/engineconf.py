"""The engine VM as the lab defines it: its lease, its address, its log.

Written once by `ovirt-ha-lab up` to ``DIR/engine.json``; each vdsm
simulator reads it at start (``--engine-config``) and passes it on to the
engine VM stand-ins it starts. A VM created with `vm_id` runs as a stand-in
process holding the sanlock resource `vm_id` in lockspace `sd_uuid` (the
storage domain's own lockspace, joined by vdsm's domain monitor) at
`lease_path`:`lease_offset`, and serves the engine's health page on
127.0.0.1:`port` while it is Up.
"""

import contextlib
import dataclasses
import json
import os
import socket
from pathlib import Path

LEASE_ALIGN = 1048576
HOST = "127.0.0.1"


@dataclasses.dataclass(frozen=True)
class EngineConfig:
    vm_id: str
    sd_uuid: str
    lease_path: str          # the domain's xleases file
    lease_offset: int
    ids_path: str            # the domain's ids file (its sanlock lockspace)
    sector: int
    port: int                # the engine's health page: http://127.0.0.1:<port>/...
    lease_log: str           # leaselog.py events
    lab_root: str            # to find other hosts' simulators (migration)

    @property
    def fqdn(self) -> str:
        """What hosted-engine.conf's `fqdn` says: where the health page answers."""
        return f"{HOST}:{self.port}"

    @property
    def disks(self) -> list[tuple[str, int]]:
        return [(self.lease_path, self.lease_offset)]

    def save(self, path: str | os.PathLike[str]) -> None:
        Path(path).write_text(json.dumps(dataclasses.asdict(self), indent=2) + "\n")

    @classmethod
    def load(cls, path: str | os.PathLike[str]) -> "EngineConfig":
        try:
            data = json.loads(Path(path).read_text())
            return cls(**data)
        except (OSError, ValueError, TypeError) as e:
            raise ValueError(f"engine config {path}: {e}") from None


def free_port() -> int:
    """A TCP port on 127.0.0.1 nobody listens on now (the kernel picks it)."""
    with contextlib.closing(socket.socket(socket.AF_INET, socket.SOCK_STREAM)) as s:
        s.bind((HOST, 0))
        return int(s.getsockname()[1])
