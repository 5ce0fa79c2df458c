"""VMs as vdsm presents them (spec/vdsm.md §4.2).

Two kinds of VM:

- the engine VM, when the simulator runs with an engine setup (the lab):
  `VM.create` starts a stand-in process (standin_vm.py, lab/engine_vm.py)
  and the status follows what that process does: ``WaitForLaunch``, then
  ``Powering up`` once it holds the sanlock lease, ``Up`` once it serves
  the health page; ``Down`` (exitCode 1, the lock failure message) if the
  lease is refused; ``Down`` (Lost connection with qemu) if it dies.
  `VM.shutdown` asks it to power down; `VM.destroy` kills it. Migration:
  migration.py.
- any other VM: a schedule, ``WaitForLaunch`` -> ``Powering up`` -> ``Up``
  after the knob delays; `VM.shutdown` plans ``Down`` after ``Powering down``.

One scheduler thread applies planned changes; every status change is
published as a ``|virt|VM_status|<vmId>`` event. Events are recorded,
with their notify_time, under the lock at the moment of the change and
sent by the scheduler thread in that order, so a slow subscriber never
holds the VM state and events never overtake each other. `force` sets a
status at once (a test knob): it cancels the plan and kills a stand-in.
"""

import logging
import threading
import time

from .. import leaselog
from . import errors
from .events import Hub
from .knobs import Knobs
from .standin_vm import EngineSetup, StandInProcess
from .vm_record import (
    ADMIN_SHUTDOWN,
    ADMIN_SHUTDOWN_MESSAGE,
    DOWN,
    GENERIC_ERROR,
    LOST_QEMU,
    LOST_QEMU_MESSAGE,
    MIGRATION_DESTINATION,
    POWERING_DOWN,
    POWERING_UP,
    UP,
    WAIT_FOR_LAUNCH,
    Vm,
    event_time,
)

log = logging.getLogger(__name__)


class Vms:
    def __init__(self, knobs: Knobs, hub: Hub, stopping: threading.Event,
                 engine: EngineSetup | None = None) -> None:
        self._knobs = knobs
        self._hub = hub
        self._stopping = stopping
        self.engine = engine
        self._cond = threading.Condition()
        self._vms: dict[str, Vm] = {}
        self._outbox: list[tuple[str, dict]] = []
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        self._thread = threading.Thread(target=self._run, name="vm-scheduler", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        """Stop the scheduler; engine VMs exit (releasing their lease)."""
        with self._cond:
            runners = [vm.runner for vm in self._vms.values() if vm.runner is not None]
            self._cond.notify_all()
        for runner in runners:
            runner.stop()
        if self._thread is not None:
            self._thread.join(timeout=5)

    # Verbs

    def create(self, vm_id: str, params: dict, incoming: bool = False) -> dict[str, object]:
        now = time.monotonic()
        k = self._knobs
        with self._cond:
            if vm_id in self._vms:
                raise errors.VMExists({"vmId": vm_id})
            if self.is_engine(vm_id):
                vm = Vm(vm_id, dict(params), MIGRATION_DESTINATION if incoming
                        else WAIT_FOR_LAUNCH, started=now)
                self._spawn(vm, incoming)
            else:
                vm = Vm(vm_id, dict(params), WAIT_FOR_LAUNCH, started=now, plan=[
                    (now + k.vm_launch_delay, POWERING_UP),
                    (now + k.vm_launch_delay + k.vm_boot_delay, UP),
                ])
            self._vms[vm_id] = vm
            self._changed(vm)
            answer = {**vm.stats(), "xml": str(params.get("xml", ""))}
        log.info("VM created vm_id=%s%s", vm_id, " (incoming)" if incoming else "")
        return answer

    def get_stats(self, vm_id: str) -> list[dict[str, object]]:
        with self._cond:
            return [self._get(vm_id).stats()]

    def shutdown(self, vm_id: str) -> None:
        now = time.monotonic()
        with self._cond:
            vm = self._get(vm_id)
            if vm.status == DOWN:
                return
            vm.status = POWERING_DOWN
            if vm.runner is not None:
                vm.ending = (0, ADMIN_SHUTDOWN, ADMIN_SHUTDOWN_MESSAGE)
                if not vm.runner.send("shutdown", delay=self._knobs.vm_shutdown_delay):
                    vm.end(*vm.ending)
            else:
                vm.exit_code, vm.exit_reason = 0, ADMIN_SHUTDOWN
                vm.exit_message = ADMIN_SHUTDOWN_MESSAGE
                vm.plan = [(now + self._knobs.vm_shutdown_delay, DOWN)]
            self._changed(vm)

    def destroy(self, vm_id: str) -> None:
        with self._cond:
            vm = self._vms.pop(self._get(vm_id).vm_id)
            runner, vm.runner = vm.runner, None
            was_down = vm.status == DOWN
            vm.status, vm.plan = DOWN, []
            if not was_down:
                vm.exit_code, vm.exit_reason = 0, ADMIN_SHUTDOWN
                vm.exit_message = ADMIN_SHUTDOWN_MESSAGE
                self._changed(vm)
        if runner is not None:
            self._kill(runner)
        log.info("VM destroyed vm_id=%s", vm_id)

    # Knobs

    def force(self, vm_id: str, status: str, exit_code: int | None = None,
              exit_reason: int | None = None, exit_message: str | None = None) -> None:
        """Set a VM's status now (creating it if needed); cancels its plan or stand-in."""
        with self._cond:
            vm = self._vms.get(vm_id)
            if vm is None:
                vm = self._vms[vm_id] = Vm(vm_id, {}, status, started=time.monotonic())
            runner, vm.runner = vm.runner, None
            vm.status, vm.plan = status, []
            if status == DOWN:
                vm.exit_code = 1 if exit_code is None else exit_code
                vm.exit_reason = 1 if exit_reason is None else exit_reason
                vm.exit_message = ("VM terminated with error" if exit_message is None
                                   else exit_message)
            self._changed(vm)
        if runner is not None:
            self._kill(runner)
        log.info("VM status forced vm_id=%s status=%s", vm_id, status)

    def set_health(self, mode: str) -> None:
        """Tell every running engine VM how its health page should answer."""
        with self._cond:
            runners = [vm.runner for vm in self._vms.values() if vm.runner is not None]
        for runner in runners:
            runner.send("health", mode=mode)

    def remove(self, vm_id: str) -> None:
        """Forget a VM without an event (as if vdsm had never known it)."""
        with self._cond:
            vm = self._vms.pop(vm_id, None)
            runner = vm.runner if vm is not None else None
            if vm is not None:
                vm.runner = None
        if runner is not None:
            self._kill(runner)

    def snapshot(self) -> dict[str, str]:
        with self._cond:
            return {vm_id: vm.status for vm_id, vm in self._vms.items()}

    def standins(self) -> dict[str, int]:
        """{vm id: stand-in pid} of the engine VMs running here."""
        with self._cond:
            return {v.vm_id: v.runner.pid for v in self._vms.values() if v.runner is not None}

    def is_engine(self, vm_id: str) -> bool:
        return self.engine is not None and vm_id == self.engine.config.vm_id

    # Internals

    def _get(self, vm_id: str) -> Vm:
        vm = self._vms.get(vm_id)
        if vm is None:
            raise errors.NoSuchVM({"vmId": vm_id})
        return vm

    def _changed(self, vm: Vm) -> None:
        """Queue the status event of `vm` (caller holds the lock)."""
        params = {vm.vm_id: vm.event_fields(), "notify_time": event_time()}
        self._outbox.append((f"|virt|VM_status|{vm.vm_id}", params))
        self._cond.notify_all()

    def _run(self) -> None:
        while not self._stopping.is_set():
            with self._cond:
                now = time.monotonic()
                for vm in self._vms.values():
                    while vm.plan and vm.plan[0][0] <= now:
                        _, vm.status = vm.plan.pop(0)
                        log.info("VM status change vm_id=%s status=%s", vm.vm_id, vm.status)
                        self._changed(vm)
                events, self._outbox = self._outbox, []
                dues = [vm.plan[0][0] for vm in self._vms.values() if vm.plan]
                if not events:
                    self._cond.wait(timeout=min(dues) - now if dues else None)
            for method, params in events:
                self._hub.publish(method, params)

    # Engine VM stand-ins (see also migration.py)

    def _spawn(self, vm: Vm, incoming: bool) -> None:
        """Start the stand-in of `vm` (caller holds the lock)."""
        assert self.engine is not None
        k = self._knobs
        argv = self.engine.command(incoming, k.vm_launch_delay, k.vm_boot_delay,
                                   k.engine_health)
        holder: list[StandInProcess] = []
        vm.runner = StandInProcess(
            argv, self.engine.log_path,
            on_event=lambda event: self._on_event(vm, holder[0], event),
            on_exit=lambda code: self._on_exit(vm, holder[0], code))
        holder.append(vm.runner)
        vm.released, vm.outcome, vm.ending = False, None, None

    def _kill(self, runner: StandInProcess) -> None:
        assert self.engine is not None
        if runner.running():
            leaselog.append(self.engine.config.lease_log, "killing", pid=runner.pid)
        runner.kill()
        runner.join(5)

    def _on_event(self, vm: Vm, runner: StandInProcess, event: dict) -> None:
        name = event.get("event")
        with self._cond:
            if vm.runner is not runner:
                return
            before = vm.status
            if name == "acquired" and vm.status == WAIT_FOR_LAUNCH:
                vm.status = POWERING_UP
            elif name == "up":
                vm.status, vm.outcome = UP, "up"
            elif name == "released":
                vm.released = True
            elif name == "failed":
                vm.ending = (1, GENERIC_ERROR, str(event.get("message", "")))
                vm.outcome = "failed"
            log.info("Engine VM %s: %s, status %s", vm.vm_id, name, vm.status)
            if vm.status != before:
                self._changed(vm)
            else:
                self._cond.notify_all()

    def _on_exit(self, vm: Vm, runner: StandInProcess, code: int) -> None:
        if self.engine is not None:
            leaselog.append(self.engine.config.lease_log, "exited", pid=runner.pid, code=code)
        with self._cond:
            if vm.runner is not runner:
                return
            vm.runner = None
            if vm.outcome is None:
                vm.outcome = "failed"
            if vm.status != DOWN:
                vm.end(*(vm.ending or (1, LOST_QEMU, LOST_QEMU_MESSAGE)))
                log.info("Engine VM %s stand-in exited with %d: Down (%s)", vm.vm_id, code,
                         vm.exit_message)
                self._changed(vm)
