"""The lab as a Python object: what tests and `ovirt-ha-lab` drive.

    cluster = Cluster.up("/var/tmp/x/lab", hosts=3, start_agents=True)
    cluster.hosts[1].link().get_stats_from_storage()     # hosts by host id, 1..N
    cluster.hosts[2].sim.set(bridge_up=False)
    cluster.engine_hosts()                               # where the engine VM is Up
    cluster.hosts[1].kill()                              # power loss (host.py)
    cluster.down()

`Cluster.attach(root)` rebuilds the object from lab.json (CLI status/down).
"""

import logging
import os
from pathlib import Path

from . import agentproc, blockdomain, brokerproc, engine_health, errors, lifecycle, sanlock_child
from .engineconf import HOST, EngineConfig
from .faultfs.api import StorageFaults
from .host import Host
from .layout import Layout
from .procs import ProcRecord
from .record import LabIds, LabRecord

log = logging.getLogger(__name__)

__all__ = ["Cluster", "Host"]


class Cluster:
    def __init__(self, layout: Layout, record: LabRecord, watchdog: bool = True) -> None:
        self.layout = layout
        self.record = record
        self.watchdog = watchdog  # brokers send WATCHDOG=1 (this object keeps listening)
        self.root: Path = layout.root
        self.hosts: dict[int, Host] = {h.host_id: Host(self, h) for h in record.hosts}

    def __repr__(self) -> str:
        return f"<lab Cluster root={self.root} hosts={len(self.hosts)}>"

    def __enter__(self) -> "Cluster":
        return self

    def __exit__(self, *exc: object) -> None:
        self.down()

    @classmethod
    def up(cls, root: str | os.PathLike[str], hosts: int = 2, sector: int = 512,
           start_brokers: bool = True, ready_timeout: float = brokerproc.READY_TIMEOUT,
           sim_knobs: dict[str, object] | None = None, watchdog: bool = True,
           start_agents: bool = False,
           agent_timeout: float = agentproc.READY_TIMEOUT,
           faultfs: bool = False, domain: str = "file") -> "Cluster":
        """Create the lab at `root` and start every host; see lifecycle.prepare_root.

        Per host: sanlock daemon, network probe target, vdsm simulator,
        broker (unless not `start_brokers`), and with `start_agents` the HA
        agent once every broker is ready (LabDetailError if the agent is
        not installed). `sim_knobs` are the simulators' initial knobs;
        `watchdog` False when the caller will not keep this object (and its
        notify sockets) alive. With `faultfs` the storage directory is a
        FUSE mount whose faults `storage_faults` changes (LabDetailError
        when FUSE is unavailable here); `domain` "block" puts the metadata
        and lockspace volumes on loop devices (blockdomain.py).
        """
        if not 1 <= hosts <= 250:
            raise errors.LabDetailError(f"hosts must be in 1..250, got {hosts}")
        layout = lifecycle.prepare_root(root, hosts)
        record = lifecycle.new_record(layout, hosts, sector, domain)
        cluster = cls(layout, record, watchdog)
        try:
            lifecycle.build(layout, record, sim_knobs, faultfs)
            if start_brokers or start_agents:
                cluster.start_brokers(ready_timeout)
            if start_agents:
                cluster.start_agents(agent_timeout)
        except BaseException:
            cluster.down()
            raise
        return cluster

    @classmethod
    def attach(cls, root: str | os.PathLike[str], watchdog: bool = False) -> "Cluster":
        """The lab recorded at `root`, as left by an earlier `up`."""
        layout = Layout(Path(os.path.abspath(root)))
        if not layout.lab_json.exists():
            raise errors.NoLab(str(layout.root))
        return cls(layout, LabRecord.load(layout.lab_json), watchdog)

    def start_brokers(self, timeout: float = brokerproc.READY_TIMEOUT) -> None:
        """Start every broker at once, then wait for each READY=1."""
        for host in self.hosts.values():
            host.spawn_broker()
        for host in self.hosts.values():
            host.wait_broker(timeout)

    def start_agents(self, timeout: float = agentproc.READY_TIMEOUT) -> None:
        """Start every agent at once (brokers must be ready), then wait for each READY=1."""
        for host in self.hosts.values():
            host.spawn_agent()
        for host in self.hosts.values():
            host.wait_agent(timeout)

    def save(self) -> None:
        self.record.save(self.layout.lab_json)

    def processes(self) -> list[ProcRecord]:
        return self.record.all_processes()

    def down(self) -> None:
        """Stop every process of the lab (files stay); raise if one survives."""
        try:
            lifecycle.down(self.record)
        finally:
            for host in self.hosts.values():
                host.close()

    # Storage

    @property
    def ids(self) -> LabIds:
        return self.record.ids

    @property
    def sector(self) -> int:
        return self.record.sector

    @property
    def storage_dir(self) -> Path:
        return self.layout.storage

    @property
    def domain(self) -> str:
        """file or block."""
        return self.record.domain

    @property
    def storage_faults(self) -> StorageFaults:
        """Faults of the storage directory (faultfs/api.py); the lab must run with faultfs."""
        if self.record.faultfs is None:
            raise errors.LabDetailError(
                f"the lab at {self.root} runs without faultfs: start it with "
                "Cluster.up(..., faultfs=True) or ovirt-ha-lab up --faultfs")
        return StorageFaults(self.storage_dir, str(self.layout.faultfs_socket),
                             blockdomain.aliases(self.layout, self.record,
                                                 (self.metadata_path, self.lockspace_path)))

    @property
    def domain_dir(self) -> Path:
        return self.layout.domain(self.ids.sd_uuid)

    @property
    def metadata_path(self) -> Path:
        return self.layout.volume(self.ids.sd_uuid, self.ids.metadata_image,
                                  self.ids.metadata_volume)

    @property
    def lockspace_path(self) -> Path:
        return self.layout.volume(self.ids.sd_uuid, self.ids.lockspace_image,
                                  self.ids.lockspace_volume)

    @property
    def conf_volume_path(self) -> Path:
        return self.layout.volume(self.ids.sd_uuid, self.ids.conf_image, self.ids.conf_volume)

    # The engine VM

    @property
    def engine(self) -> EngineConfig:
        return EngineConfig.load(self.layout.engine_json)

    @property
    def engine_url(self) -> str:
        return f"http://{HOST}:{self.record.engine_port}{engine_health.PATH}"

    def engine_hosts(self, status: str = "Up") -> list[int]:
        """The hosts whose vdsm reports the engine VM with `status`."""
        return [k for k, h in self.hosts.items() if h.vm_status() == status]

    def read_lease(self) -> dict:
        """The engine VM lease on disk: {"version": N, "owners": [host id, ...]}.

        Read through the first host whose sanlock daemon runs.
        """
        for host in self.hosts.values():
            if host.pid("sanlock") is not None:
                return sanlock_child.read_lease(host.env, self.engine.lease_path,
                                                self.ids.sd_uuid, self.ids.vm_id, self.sector)
        raise errors.LabDetailError("no sanlock daemon runs: cannot read the VM lease")
