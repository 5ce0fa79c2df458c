"""VMs as vdsm presents them (spec/vdsm.md §4.2), driven by a schedule.

`VM.create` puts a VM in ``WaitForLaunch`` and plans ``Powering up`` and
``Up`` after the knob delays; `VM.shutdown` plans ``Down`` (exitCode 0)
after ``Powering down``. One scheduler thread applies planned changes and
every status change is published as a ``|virt|VM_status|<vmId>`` event.
`force` sets a status at once and cancels the plan (test knob).

Events are recorded, with their notify_time, under the lock at the moment
of the change and sent by the scheduler thread in that order, so a slow
subscriber never holds the VM state and events never overtake each other.
"""

import dataclasses
import logging
import threading
import time

from . import errors
from .events import Hub
from .knobs import Knobs

log = logging.getLogger(__name__)

UP, DOWN = "Up", "Down"
WAIT_FOR_LAUNCH, POWERING_UP, POWERING_DOWN = "WaitForLaunch", "Powering up", "Powering down"
ADMIN_SHUTDOWN = 6
ADMIN_SHUTDOWN_MESSAGE = "Admin shut down from the engine"


def event_time() -> int:
    """vdsm's event clock: milliseconds, offset by 2**31 - 1 (spec/vdsm.md §1.6)."""
    return 2**31 - 1 + int(time.monotonic() * 1000)


@dataclasses.dataclass
class Vm:
    vm_id: str
    params: dict
    status: str
    started: float
    exit_code: int = 0
    exit_reason: int = 0
    exit_message: str = ""
    plan: list[tuple[float, str]] = dataclasses.field(default_factory=list)

    def down_fields(self) -> dict[str, object]:
        return {"vmId": self.vm_id, "exitCode": self.exit_code,
                "exitMessage": self.exit_message, "exitReason": self.exit_reason,
                "timeOffset": "0"}

    def stats(self) -> dict[str, object]:
        common: dict[str, object] = {"vmId": self.vm_id, "status": self.status,
                                     "statusTime": str(event_time())}
        if self.status == DOWN:
            return {**common, **self.down_fields()}
        up = self.status == UP
        elapsed = time.monotonic() - self.started
        return {
            **common,
            "vmName": str(self.params.get("vmName", "HostedEngine")),
            "elapsedTime": str(int(elapsed)),
            "cpuUser": "1.25" if up else "0.00",
            "cpuSys": "0.50" if up else "0.00",
            "cpuUsage": str(int(elapsed * 1e9 * 0.0175)) if up else "0",
            "cpuActual": up,
            "memUsage": "20" if up else "0",
            "monitorResponse": "0",
            "timeOffset": "0",
            "displayInfo": [],
        }

    def event_fields(self) -> dict[str, object]:
        return {"status": self.status, **(self.down_fields() if self.status == DOWN else {})}


class Vms:
    def __init__(self, knobs: Knobs, hub: Hub, stopping: threading.Event) -> None:
        self._knobs = knobs
        self._hub = hub
        self._stopping = stopping
        self._cond = threading.Condition()
        self._vms: dict[str, Vm] = {}
        self._outbox: list[tuple[str, dict]] = []
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        self._thread = threading.Thread(target=self._run, name="vm-scheduler", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        with self._cond:
            self._cond.notify_all()
        if self._thread is not None:
            self._thread.join(timeout=5)

    # Verbs

    def create(self, vm_id: str, params: dict) -> dict[str, object]:
        now = time.monotonic()
        k = self._knobs
        with self._cond:
            if vm_id in self._vms:
                raise errors.VMExists({"vmId": vm_id})
            vm = Vm(vm_id, dict(params), WAIT_FOR_LAUNCH, started=now, plan=[
                (now + k.vm_launch_delay, POWERING_UP),
                (now + k.vm_launch_delay + k.vm_boot_delay, UP),
            ])
            self._vms[vm_id] = vm
            self._changed(vm)
            answer = {**vm.stats(), "xml": str(params.get("xml", ""))}
        log.info("VM created vm_id=%s", vm_id)
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
            vm.exit_code, vm.exit_reason = 0, ADMIN_SHUTDOWN
            vm.exit_message = ADMIN_SHUTDOWN_MESSAGE
            vm.plan = [(now + self._knobs.vm_shutdown_delay, DOWN)]
            self._changed(vm)

    def destroy(self, vm_id: str) -> None:
        with self._cond:
            vm = self._vms.pop(self._get(vm_id).vm_id)
            was_down = vm.status == DOWN
            vm.status, vm.plan = DOWN, []
            if not was_down:
                vm.exit_code, vm.exit_reason = 0, ADMIN_SHUTDOWN
                vm.exit_message = ADMIN_SHUTDOWN_MESSAGE
                self._changed(vm)
        log.info("VM destroyed vm_id=%s", vm_id)

    # Knobs

    def force(self, vm_id: str, status: str, exit_code: int | None = None,
              exit_reason: int | None = None, exit_message: str | None = None) -> None:
        """Set a VM's status now (creating it if needed); cancels its plan."""
        with self._cond:
            vm = self._vms.get(vm_id)
            if vm is None:
                vm = self._vms[vm_id] = Vm(vm_id, {}, status, started=time.monotonic())
            vm.status, vm.plan = status, []
            if status == DOWN:
                vm.exit_code = 1 if exit_code is None else exit_code
                vm.exit_reason = 1 if exit_reason is None else exit_reason
                vm.exit_message = ("VM terminated with error" if exit_message is None
                                   else exit_message)
            self._changed(vm)
        log.info("VM status forced vm_id=%s status=%s", vm_id, status)

    def remove(self, vm_id: str) -> None:
        """Forget a VM without an event (as if vdsm had never known it)."""
        with self._cond:
            self._vms.pop(vm_id, None)

    def snapshot(self) -> dict[str, str]:
        with self._cond:
            return {vm_id: vm.status for vm_id, vm in self._vms.items()}

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
