"""One lab host: its processes (sanlock, probe, vdsm simulator, broker, agent).

    host = cluster.hosts[2]
    host.link().get_stats_from_storage()       # its broker
    host.sim.set(bridge_up=False)              # its vdsm simulator's knobs
    host.stop_agent(); host.start_agent()      # SIGTERM / start and wait for READY=1
    host.kill()                                # power loss: SIGKILL everything, sanlock first
    host.degrade("network"); host.restore()    # hostfaults.py
"""

import logging
from pathlib import Path
from typing import Protocol

from ..lib.brokerlink import BrokerLink
from . import agentproc, brokerproc, errors, hostfaults, procs, sanlockd
from .layout import HostLayout, Layout
from .notify import NotifyListener
from .procs import ProcRecord
from .record import HostRecord, LabIds
from .simctl import SimControl

log = logging.getLogger(__name__)


class ClusterContext(Protocol):
    """What a host uses of its cluster (lab/cluster.py's Cluster is one).

    A protocol rather than an import, so that cluster.py imports host.py
    and not the other way round.
    """

    @property
    def layout(self) -> Layout: ...

    @property
    def ids(self) -> LabIds: ...

    @property
    def watchdog(self) -> bool: ...

    def save(self) -> None: ...


class Host:
    def __init__(self, cluster: ClusterContext, record: HostRecord) -> None:
        self._cluster = cluster
        self.record = record
        self.id = record.host_id
        self.layout: HostLayout = cluster.layout.host(self.id)
        self.root: Path = self.layout.root
        self.socket_path: Path = self.layout.broker_socket
        self.sanlock_run_dir: Path = self.layout.sanlock_run_dir
        self.sim = SimControl(self.layout.sim_socket)
        self._listener: NotifyListener | None = None
        self._agent_listener: NotifyListener | None = None

    def __repr__(self) -> str:
        return f"<lab Host {self.id} root={self.root}>"

    @property
    def cluster(self) -> ClusterContext:
        return self._cluster

    @property
    def env(self) -> dict[str, str]:
        """Environment for a child process of this host (OVIRT_HA_ROOT, ...)."""
        return brokerproc.host_env(self.layout)

    def link(self, timeout: float = 10) -> BrokerLink:
        return BrokerLink(timeout=timeout, socket_path=self.socket_path)

    # Processes

    def process(self, kind: str) -> ProcRecord | None:
        return self.record.processes.get(kind)

    def pid(self, kind: str) -> int | None:
        """The pid of this host's `kind` process (sanlock, probe, sim, broker, agent) if it runs."""
        record = self.process(kind)
        return record.pid if record is not None and procs.running(record) else None

    @property
    def broker_pid(self) -> int | None:
        return self.pid("broker")

    @property
    def agent_pid(self) -> int | None:
        return self.pid("agent")

    @property
    def broker_status(self) -> str | None:
        """The broker's last STATUS= notification (while this object listens)."""
        return self._listener.status if self._listener else None

    @property
    def agent_status(self) -> str | None:
        """The agent's last STATUS= notification (while this object listens)."""
        return self._agent_listener.status if self._agent_listener else None

    @property
    def watchdogs(self) -> int:
        """WATCHDOG=1 notifications received from the broker (while this object listens)."""
        return self._listener.watchdogs if self._listener else 0

    def listener(self) -> NotifyListener:
        if self._listener is None:
            self._listener = NotifyListener(self.layout.notify_socket)
        return self._listener

    def agent_listener(self) -> NotifyListener:
        if self._agent_listener is None:
            self._agent_listener = NotifyListener(self.layout.agent_notify_socket)
        return self._agent_listener

    def _refuse_running(self, kind: str) -> None:
        current = self.process(kind)
        if current is not None and procs.running(current):
            raise errors.LabDetailError(f"host{self.id}: {kind} already runs (pid {current.pid})")

    def _record(self, kind: str, record: ProcRecord) -> ProcRecord:
        self.record.processes[kind] = record
        self._cluster.save()
        return record

    # Broker

    def spawn_broker(self) -> ProcRecord:
        """Start the broker without waiting (see wait_broker)."""
        self._refuse_running("broker")
        return self._record("broker", brokerproc.spawn(self.layout, self.listener(),
                                                       self._cluster.watchdog))

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

    # Agent

    def spawn_agent(self) -> ProcRecord:
        """Start the agent without waiting (see wait_agent); needs a running broker."""
        self._refuse_running("agent")
        return self._record("agent", agentproc.spawn(self.layout, self.agent_listener(),
                                                     self._cluster.watchdog))

    def wait_agent(self, timeout: float = agentproc.READY_TIMEOUT) -> None:
        record = self.process("agent")
        if record is None:
            raise errors.LabDetailError(f"host{self.id}: no agent was started")
        agentproc.wait_ready(record, self.agent_listener(), timeout)

    def start_agent(self, timeout: float = agentproc.READY_TIMEOUT) -> int:
        """Start the agent and wait for READY=1; return its pid."""
        record = self.spawn_agent()
        self.wait_agent(timeout)
        return record.pid

    def stop_agent(self, grace: float = agentproc.STOP_GRACE) -> None:
        """SIGTERM (it publishes stopped=1, releases its host id), SIGKILL after `grace`."""
        record = self.process("agent")
        if record is not None:
            agentproc.stop(record, grace)

    def kill_agent(self) -> None:
        """SIGKILL the agent (its slot stops changing; its host id stays held)."""
        record = self.process("agent")
        if record is not None:
            agentproc.kill(record)

    # sanlock

    def kill_sanlock(self) -> None:
        """SIGKILL this host's sanlock daemon (other hosts see it FAIL, then DEAD)."""
        record = self.process("sanlock")
        if record is not None:
            sanlockd.kill(record)

    def start_sanlock(self) -> None:
        """Restart the daemon with the same name (it gets its old id back in ~3 s)."""
        self._refuse_running("sanlock")
        self._record("sanlock", sanlockd.start(self.layout, self.record.sanlock_name))

    # Faults (hostfaults.py)

    def kill(self) -> list[str]:
        """Power loss: SIGKILL sanlock first, then the VM, agent, broker, simulator, probe."""
        return hostfaults.kill_host(self)

    def start(self, agent: bool | None = None) -> None:
        """Start what is not running (after `kill`); the agent if `agent` or it ran before."""
        hostfaults.start_host(self, agent)

    def stop_vdsm(self) -> bool:
        """SIGTERM the vdsm simulator, its engine VM stand-ins with it; `start` restarts it."""
        return hostfaults.stop_vdsm(self)

    def degrade(self, kind: str) -> None:
        """network: probe target stops; storage: domain invalid; load: low memory, high CPU."""
        hostfaults.degrade(self, kind)

    def restore(self) -> list[str]:
        """Undo every degradation; name them."""
        return hostfaults.restore(self)

    # Engine VM

    def vm_status(self) -> str | None:
        """The engine VM's status on this host's vdsm (None: unknown here or no answer)."""
        try:
            return self.sim.get()["vms"].get(self._cluster.ids.vm_id)
        except Exception:
            return None

    def close(self) -> None:
        for listener in (self._listener, self._agent_listener):
            if listener is not None:
                listener.close()
        self._listener = self._agent_listener = None
