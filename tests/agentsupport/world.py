"""A simulated hosted-engine cluster in virtual time, for the agent's scenarios.

The world holds the shared metadata slots, the engine VM's lease, each
host's vdsm (simvdsm.py), broker (simbroker.py) and knobs, and runs the
real `Agent` of every started host against a `SimEnv`. Time only moves
between events: agent cycles (at the delay each step returns), VM status
changes and scenario commands. Everything the agents log (INFO and up)
and every VM status change becomes one line of the world's log:
``<seconds> <who>: <message>``.
"""

from __future__ import annotations

import dataclasses
import heapq
import itertools
import logging
from collections.abc import Callable
from typing import Any

from ovirt_hosted_engine_ha.agent import monitors
from ovirt_hosted_engine_ha.agent.clock import FakeClock
from ovirt_hosted_engine_ha.agent.config import AgentConfig
from ovirt_hosted_engine_ha.agent.env import ServiceNotUp
from ovirt_hosted_engine_ha.agent.loop import Agent
from ovirt_hosted_engine_ha.agent.vm_conf import VmConf
from ovirt_hosted_engine_ha.agent.vm_control import VmControl

from .simbroker import SimBroker
from .simvdsm import ADMIN_SHUTDOWN, LOCK_FAILURE, VM_ID, Lease, SimVdsm, Vm

EPOCH = 1_700_000_000          # the world's wall clock at virtual time 0
SD_UUID = "0d6b5b8e-1c1a-4a2e-9a55-3c2f4e5d6a7b"
VM_CONF = f"vmId={VM_ID}\nmemSize=4096\nvmName=HostedEngine\nsmp=2\n"
MAX_STEPS_PER_INSTANT = 100


@dataclasses.dataclass
class Timing:
    launch: int = 1            # WaitForLaunch -> Powering up (lease taken) or Down
    boot: int = 9              # Powering up -> Up
    engine_boot: int = 20      # Up -> the engine answers its health page
    shutdown: int = 10         # Powering down -> Down
    lease_expiry: int = 140    # a dead host's lease is free after this


@dataclasses.dataclass
class Knobs:
    network: float = 1.0
    bridge: bool | None = True
    mem_free: int = 16384
    cpu_load: float = 0.05
    storage: bool = True
    vdsm_up: bool = True
    local_maintenance: bool = False
    conf_up_to_date: bool = True


class SimEnv:
    """The agent's Env on a simulated host."""

    def __init__(self, host: SimHost) -> None:
        self.host = host
        self.broker = host.broker
        self._vm = VmControl(host.vdsm.call, VM_ID, sleep=lambda seconds: None)

    def now(self) -> float:
        return self.host.world.clock()

    def wall_time(self) -> float:
        return EPOCH + self.host.world.clock()

    def check_vdsm(self) -> None:
        if not self.host.knobs.vdsm_up:
            raise ServiceNotUp("vdsm does not answer: connection refused")

    def local_maintenance(self) -> bool:
        return self.host.knobs.local_maintenance

    def conf_up_to_date(self) -> bool:
        return self.host.knobs.conf_up_to_date

    def load_vm_conf(self, now: int, epoch: int) -> VmConf:
        return VmConf.from_text(VM_CONF, now, epoch)

    def start_vm(self, vm: VmConf) -> bool:
        return self._vm.start(vm)

    def stop_vm(self, force: bool) -> bool:
        return self._vm.stop(force)


class SimHost:
    def __init__(self, world: World, host_id: int) -> None:
        self.world = world
        self.host_id = host_id
        self.knobs = Knobs()
        self.vdsm = SimVdsm(world, host_id)
        self.broker = SimBroker(self)
        self.agent: Agent | None = None
        self.next_step: float | None = None
        self.dead = False
        self.lease_expires: float | None = None    # when a killed host's leases expire

    def config(self) -> AgentConfig:
        conf = {"gateway": "192.0.2.1", "bridge": "ovirtmgmt", "vmid": VM_ID,
                "sdUUID": SD_UUID, "vdsm_use_ssl": "true"}
        return AgentConfig(host_id=self.host_id, vm_uuid=VM_ID,
                           monitors=monitors.required_monitors(conf),
                           hostname=f"host{self.host_id}.example.com",
                           notify_hostname=f"host{self.host_id}")

    def start_agent(self) -> None:
        self.agent = Agent(SimEnv(self), self.config())
        self.next_step = self.world.clock()

    def stop_agent(self) -> None:
        if self.agent is not None:
            with self.world.speaking(self.host_id):
                self.agent.stop()
        self.agent, self.next_step = None, None


class World:
    def __init__(self, hosts: int, timing: Timing | None = None) -> None:
        self.clock = FakeClock()
        self.timing = timing or Timing()
        self.hosts = {k: SimHost(self, k) for k in range(1, hosts + 1)}
        self.slots: dict[int, str] = {}
        self.vms: dict[int, Vm] = {}
        self.lease = Lease()
        self.lines: list[str] = []
        self._timers: list[tuple[float, int, Callable[[], None]]] = []
        self._seq = itertools.count()
        self._speaker: str | None = None

    # The log

    def log(self, who: str, message: str) -> None:
        self.lines.append(f"{int(self.clock()):5d} {who}: {message}")

    def speaking(self, host_id: int) -> _Speaker:
        return _Speaker(self, f"host{host_id}")

    # VMs and the lease

    def at(self, delay: float, action: Callable[[], None]) -> None:
        heapq.heappush(self._timers, (self.clock() + delay, next(self._seq), action))

    def set_vm(self, host_id: int, status: str, **fields: Any) -> None:
        vm = self.vms[host_id]
        vm.status = status
        for name, value in fields.items():
            setattr(vm, name, value)
        detail = f" ({vm.exit_message})" if status == "Down" and vm.exit_message else ""
        self.log(f"host{host_id} vm", f"{status}{detail}")

    def create_vm(self, host_id: int) -> None:
        self.vms[host_id] = vm = Vm(host_id, "WaitForLaunch")
        self.log(f"host{host_id} vm", "WaitForLaunch")
        self.at(self.timing.launch, lambda: self._launch(vm))

    def _launch(self, vm: Vm) -> None:
        if self.vms.get(vm.host) is not vm or vm.status != "WaitForLaunch":
            return
        now = self.clock()
        if not self.lease.free(now) and self.lease.holder != vm.host:
            self.set_vm(vm.host, "Down", exit_code=1, exit_reason=1, exit_message=LOCK_FAILURE)
            return
        self.lease = Lease(vm.host)
        self.set_vm(vm.host, "Powering up")
        self.at(self.timing.boot, lambda: self._boot(vm))

    def _boot(self, vm: Vm) -> None:
        if self.vms.get(vm.host) is vm and vm.status == "Powering up":
            self.set_vm(vm.host, "Up", up_since=self.clock())

    def run_vm(self, host_id: int) -> None:
        """The engine VM already runs on `host_id` (long booted, healthy)."""
        self.vms[host_id] = Vm(host_id, "Up", up_since=-10_000.0)
        self.lease = Lease(host_id)
        self.log(f"host{host_id} vm", "Up")

    def _release(self, host_id: int) -> None:
        if self.lease.holder == host_id:
            self.lease = Lease()

    def destroy_vm(self, host_id: int) -> None:
        vm = self.vms.pop(host_id)
        if vm.status != "Down":
            self.log(f"host{host_id} vm", "destroyed")
        self._release(host_id)

    def shutdown_vm(self, host_id: int) -> None:
        vm = self.vms[host_id]
        if vm.status == "Down":
            return
        self.set_vm(host_id, "Powering down")

        def down() -> None:
            if self.vms.get(host_id) is vm and vm.status == "Powering down":
                self.set_vm(host_id, "Down", exit_reason=ADMIN_SHUTDOWN,
                            exit_message="Admin shut down")
                self._release(host_id)

        self.at(self.timing.shutdown, down)

    def crash_vm(self, host_id: int) -> None:
        self.set_vm(host_id, "Down", exit_code=1, exit_reason=1,
                    exit_message="VM terminated with error")
        self._release(host_id)

    def engine_answers(self, host_id: int) -> bool:
        vm = self.vms.get(host_id)
        return (vm is not None and vm.status == "Up" and not vm.hangs
                and vm.up_since is not None
                and self.clock() - vm.up_since >= self.timing.engine_boot)

    def running(self) -> list[int]:
        return sorted(h for h, vm in self.vms.items() if vm.status != "Down")

    # Running

    def run_until(self, end: float) -> None:
        """Advance to `end`, running every timer and agent cycle due before it."""
        steps = 0
        while True:
            due = self._next_due()
            if due is None or due >= end:
                break
            steps = steps + 1 if due == self.clock() else 0
            if steps > MAX_STEPS_PER_INSTANT:
                raise RuntimeError(f"no progress at t={due}: agents keep asking for NOWAIT")
            self.clock.now = due
            if self._timers and self._timers[0][0] <= due:
                heapq.heappop(self._timers)[2]()
                self.check()
                continue
            host = min((h for h in self.hosts.values() if h.next_step == due),
                       key=lambda h: h.host_id)
            assert host.agent is not None
            with self.speaking(host.host_id):
                delay = host.agent.step()
            host.next_step = due + delay
            self.check()
        self.clock.now = max(self.clock.now, end)

    def check(self) -> None:
        """The invariant the VM lease guarantees: the engine VM runs on one host at most."""
        running = [h for h, vm in self.vms.items() if vm.status not in ("Down", "WaitForLaunch")]
        if len(running) > 1:
            raise AssertionError(f"t={self.clock()}: the engine VM runs on hosts {running}")

    def _next_due(self) -> float | None:
        times = [h.next_step for h in self.hosts.values() if h.next_step is not None]
        if self._timers:
            times.append(self._timers[0][0])
        return min(times) if times else None


class _Speaker:
    """Attributes the agent's log records to one host while it runs."""

    def __init__(self, world: World, who: str) -> None:
        self.world = world
        self.who = who

    def __enter__(self) -> None:
        self.previous = self.world._speaker
        self.world._speaker = self.who

    def __exit__(self, *exc: object) -> None:
        self.world._speaker = self.previous


class AgentLogHandler(logging.Handler):
    """Copies the agent's INFO-and-up records into the world's log."""

    LOGGER = "ovirt_hosted_engine_ha.agent"

    def __init__(self, world: World) -> None:
        super().__init__(logging.INFO)
        self.world = world

    def emit(self, record: logging.LogRecord) -> None:
        who = self.world._speaker or "agent"
        self.world.log(who, record.getMessage())

    def __enter__(self) -> AgentLogHandler:
        logger = logging.getLogger(self.LOGGER)
        self._level = logger.level
        logger.setLevel(logging.INFO)
        logger.addHandler(self)
        return self

    def __exit__(self, *exc: object) -> None:
        logger = logging.getLogger(self.LOGGER)
        logger.removeHandler(self)
        logger.setLevel(self._level)
