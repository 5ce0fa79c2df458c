"""The lab as a Python object: what tests and `ovirt-ha-lab` drive.

    cluster = Cluster.up("/var/tmp/x/lab", hosts=2)
    cluster.hosts[1].link().get_stats_from_storage()     # hosts by host id, 1..N
    cluster.hosts[2].sim.set(bridge_up=False)
    cluster.hosts[2].kill_broker(); cluster.hosts[2].start_broker()
    cluster.down()

`Cluster.attach(root)` rebuilds the object from lab.json (CLI status/down).
"""

import logging
import os
from pathlib import Path

from ..lib.brokerlink import BrokerLink
from . import brokerproc, errors, lifecycle, procs, sanlockd
from .layout import HostLayout, Layout
from .notify import NotifyListener
from .procs import ProcRecord
from .record import HostRecord, LabIds, LabRecord
from .simctl import SimControl

log = logging.getLogger(__name__)


class Host:
    def __init__(self, cluster: "Cluster", record: HostRecord) -> None:
        self._cluster = cluster
        self.record = record
        self.id = record.host_id
        self.layout: HostLayout = cluster.layout.host(self.id)
        self.root: Path = self.layout.root
        self.socket_path: Path = self.layout.broker_socket
        self.sanlock_run_dir: Path = self.layout.sanlock_run_dir
        self.sim = SimControl(self.layout.sim_socket)
        self._listener: NotifyListener | None = None

    def __repr__(self) -> str:
        return f"<lab Host {self.id} root={self.root}>"

    @property
    def env(self) -> dict[str, str]:
        """Environment for a child process of this host (OVIRT_HA_ROOT, ...)."""
        return brokerproc.host_env(self.layout)

    def link(self, timeout: float = 10) -> BrokerLink:
        return BrokerLink(timeout=timeout, socket_path=self.socket_path)

    # Processes

    def process(self, kind: str) -> ProcRecord | None:
        return self.record.processes.get(kind)

    @property
    def broker_pid(self) -> int | None:
        record = self.process("broker")
        return record.pid if record is not None and procs.running(record) else None

    @property
    def broker_status(self) -> str | None:
        """The broker's last STATUS= notification (while this object listens)."""
        return self._listener.status if self._listener else None

    @property
    def watchdogs(self) -> int:
        """WATCHDOG=1 notifications received (while this object listens)."""
        return self._listener.watchdogs if self._listener else 0

    def listener(self) -> NotifyListener:
        if self._listener is None:
            self._listener = NotifyListener(self.layout.notify_socket)
        return self._listener

    def spawn_broker(self) -> ProcRecord:
        """Start the broker without waiting (see wait_broker)."""
        current = self.process("broker")
        if current is not None and procs.running(current):
            raise errors.LabDetailError(f"host{self.id}: broker already runs (pid {current.pid})")
        record = brokerproc.spawn(self.layout, self.listener(), self._cluster.watchdog)
        self.record.processes["broker"] = record
        self._cluster.save()
        return record

    def wait_broker(self, timeout: float = brokerproc.READY_TIMEOUT) -> None:
        record = self.process("broker")
        if record is None:
            raise errors.LabDetailError(f"host{self.id}: no broker was started")
        brokerproc.wait_ready(record, self.listener(), timeout)

    def start_broker(self, timeout: float = brokerproc.READY_TIMEOUT) -> int:
        """Start the broker and wait for READY=1; return its pid."""
        record = self.spawn_broker()
        self.wait_broker(timeout)
        return record.pid

    def stop_broker(self, grace: float = brokerproc.STOP_GRACE) -> None:
        """SIGTERM, then SIGKILL after `grace` seconds."""
        record = self.process("broker")
        if record is not None:
            brokerproc.stop(record, grace)

    def kill_broker(self) -> None:
        """SIGKILL (its sanlock host id stays held by the daemon)."""
        record = self.process("broker")
        if record is not None:
            brokerproc.kill(record)

    def kill_sanlock(self) -> None:
        """SIGKILL this host's sanlock daemon (other hosts see it FAIL, then DEAD)."""
        record = self.process("sanlock")
        if record is not None:
            sanlockd.kill(record)

    def start_sanlock(self) -> None:
        """Restart the daemon with the same name (it gets its old id back in ~3 s)."""
        record = self.process("sanlock")
        if record is not None and procs.running(record):
            raise errors.LabDetailError(f"host{self.id}: sanlock already runs (pid {record.pid})")
        self.record.processes["sanlock"] = sanlockd.start(self.layout, self.record.sanlock_name)
        self._cluster.save()

    def close(self) -> None:
        if self._listener is not None:
            self._listener.close()
            self._listener = None


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
           sim_knobs: dict[str, object] | None = None, watchdog: bool = True) -> "Cluster":
        """Create the lab at `root` and start every host; see lifecycle.prepare_root.

        `sim_knobs` are the simulators' initial knobs; `watchdog` False when
        the caller will not keep this object (and its notify sockets) alive.
        """
        if not 1 <= hosts <= 250:
            raise errors.LabDetailError(f"hosts must be in 1..250, got {hosts}")
        layout = lifecycle.prepare_root(root, hosts)
        record = lifecycle.new_record(layout, hosts, sector)
        cluster = cls(layout, record, watchdog)
        try:
            lifecycle.build(layout, record, sim_knobs)
            if start_brokers:
                cluster.start_brokers(ready_timeout)
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
