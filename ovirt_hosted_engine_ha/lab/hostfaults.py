"""What `ovirt-ha-lab kill-host | start-host | degrade | restore` do to one host.

- kill: a power loss. The sanlock daemon dies first, so nothing is released
  cleanly: the engine VM's lease stays on disk, owned by this host's id,
  until the other hosts' sanlock declares that id dead (71 s with io
  timeout 1); then the VM stand-in, agent, broker, simulator and probe
  target are SIGKILLed. A "host-killed" line goes to the lease journal.
- start: starts again what does not run (sanlock with the same name gets
  the old id back in ~3 s), degradations still applied.
- degrade: network (the probe target the agent's network monitor checks
  stops listening: every probe fails), storage (vdsm reports the domain
  invalid), load (vdsm reports 512 MiB free, below the engine VM's 4 GiB,
  and a CPU load of 0.95). Each costs score (spec/agent.md §4.2).
- restore: undoes every degradation.
- stop_vdsm: the vdsm simulator stops (SIGTERM), its engine VM stand-ins
  with it; `start` starts it again.
"""

import contextlib
import dataclasses
import os
import signal
from typing import Protocol

from . import leaselog, probe, procs, simctl
from .brokerproc import host_env
from .layout import HostLayout, Layout
from .procs import ProcRecord
from .record import HostRecord
from .simctl import SimControl
from .vdsm_sim.knobs import Knobs


class ClusterParts(Protocol):
    @property
    def layout(self) -> Layout: ...

    def save(self) -> None: ...


class Host(Protocol):
    """What these functions use of a lab host (lab/host.py's Host is one).

    A protocol rather than an import: host.py imports this module.
    """

    id: int
    layout: HostLayout
    record: HostRecord
    sim: SimControl

    @property
    def cluster(self) -> ClusterParts: ...

    @property
    def broker_pid(self) -> int | None: ...

    @property
    def agent_pid(self) -> int | None: ...

    def process(self, kind: str) -> ProcRecord | None: ...

    def pid(self, kind: str) -> int | None: ...

    def kill_sanlock(self) -> None: ...

    def start_sanlock(self) -> None: ...

    def start_broker(self) -> int: ...

    def start_agent(self) -> int: ...

DEGRADATIONS = ("network", "storage", "load")
LOW_MEM_MIB = 512
HIGH_CPU_LOAD = 0.95
DEFAULTS = dataclasses.asdict(Knobs())
# Knobs per degradation: (degraded values, healthy values).
SIM_KNOBS: dict[str, tuple[dict[str, object], dict[str, object]]] = {
    "storage": ({"domain_valid": False}, {"domain_valid": DEFAULTS["domain_valid"]}),
    "load": ({"mem_free": LOW_MEM_MIB, "cpu_load": HIGH_CPU_LOAD},
             {"mem_free": DEFAULTS["mem_free"], "cpu_load": DEFAULTS["cpu_load"]}),
}
KILL_ORDER = ("agent", "broker", "sim", "probe")


def kill_host(host: Host) -> list[str]:
    """SIGKILL everything of `host`, sanlock first; name what was killed."""
    cluster = host.cluster
    standins = _standin_pids(host)
    leaselog.append(cluster.layout.lease_log, "host-killed", host=host.id)
    killed = []
    sanlock = host.process("sanlock")
    if sanlock is not None and (procs.running(sanlock) or sanlock.group_alive()):
        host.kill_sanlock()
        killed.append(f"sanlock (pid {sanlock.pid})")
    for pid in standins:
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)
            killed.append(f"engine VM (pid {pid})")
    for kind in KILL_ORDER:
        record = host.process(kind)
        if record is not None and (procs.running(record) or record.group_alive()):
            procs.stop([record], signo=None)
            killed.append(f"{kind} (pid {record.pid})")
    return killed


def stop_vdsm(host: Host) -> bool:
    """SIGTERM the host's vdsm simulator (its engine VM stand-ins die with its group).

    Each stand-in still running gets a "killing" line in the lease journal
    first, as the simulator writes before it kills one. False if it did not run.
    """
    record = host.process("sim")
    if record is None or not (procs.running(record) or record.group_alive()):
        return False
    for pid in _standin_pids(host):
        leaselog.append(host.cluster.layout.lease_log, "killing", host=host.id, pid=pid)
    procs.stop([record], signo=signal.SIGTERM, grace=5)
    return True


def _standin_pids(host: Host) -> list[int]:
    """The engine VM stand-ins of the host's simulator, checked to be in its group."""
    sim = host.process("sim")
    if sim is None or not procs.running(sim):
        return []
    try:
        pids = SimControl(host.layout.sim_socket, timeout=2).get().get("standins", {})
    except Exception:
        return []  # killing the simulator's group takes them along anyway
    return [int(pid) for pid in pids.values() if int(pid) in procs.group_members(sim.pgid, 0)]


def start_host(host: Host, agent: bool | None = None) -> None:
    """Start every process of `host` that does not run (after kill_host)."""
    cluster, record = host.cluster, host.record
    had_agent = "agent" in record.processes
    if host.pid("sanlock") is None:
        host.start_sanlock()
    env = host_env(host.layout)
    if record.probe_port and "network" not in record.degraded and host.pid("probe") is None:
        record.processes["probe"] = probe.start(host.layout, record.probe_port, env)
        cluster.save()
    if host.pid("sim") is None:
        knobs: dict[str, object] = {}
        for kind in record.degraded:
            knobs.update(SIM_KNOBS.get(kind, ({}, {}))[0])
        record.processes["sim"] = simctl.start(host.layout, str(cluster.layout.storage), env,
                                               knobs, str(cluster.layout.engine_json))
        cluster.save()
    if host.broker_pid is None:
        host.start_broker()
    if (had_agent if agent is None else agent) and host.agent_pid is None:
        host.start_agent()


def degrade(host: Host, kind: str) -> None:
    if kind not in DEGRADATIONS:
        raise ValueError(f"degradation must be one of {', '.join(DEGRADATIONS)}, got {kind!r}")
    if kind == "network":
        record = host.process("probe")
        if record is not None:
            procs.stop([record], signo=signal.SIGTERM, grace=5)
    else:
        host.sim.set(**SIM_KNOBS[kind][0])
    if kind not in host.record.degraded:
        host.record.degraded.append(kind)
    host.cluster.save()


def restore(host: Host) -> list[str]:
    """Undo every degradation of `host`; name what was restored."""
    record = host.record
    restored = list(record.degraded)
    for kind in restored:
        if kind == "network":
            if record.probe_port and host.pid("probe") is None:
                record.processes["probe"] = probe.start(host.layout, record.probe_port,
                                                        host_env(host.layout))
        else:
            host.sim.set(**SIM_KNOBS[kind][1])
    record.degraded = []
    host.cluster.save()
    return restored
