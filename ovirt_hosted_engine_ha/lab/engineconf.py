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
import random
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


PORTS_FROM = 20000
EPHEMERAL = "/proc/sys/net/ipv4/ip_local_port_range"


def free_port() -> int:
    """A TCP port on 127.0.0.1 that is free now, below the kernel's ephemeral range.

    Outside that range, no outgoing connection takes the port as its source
    port while the lab's listener on it is stopped (a degraded probe target,
    the engine between two VMs), so it can always be bound again.
    """
    try:
        low = int(Path(EPHEMERAL).read_text().split()[0])
    except (OSError, ValueError, IndexError):
        low = 32768
    rng = random.Random()
    for _ in range(200):
        port = rng.randrange(PORTS_FROM, max(low, PORTS_FROM + 1000))
        with contextlib.closing(socket.socket(socket.AF_INET, socket.SOCK_STREAM)) as s:
            try:
                s.bind((HOST, port))
            except OSError:
                continue
            return port
    raise OSError(f"no free TCP port on {HOST} in {PORTS_FROM}..{low - 1}")
