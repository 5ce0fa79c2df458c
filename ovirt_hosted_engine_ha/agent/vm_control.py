"""Starting and stopping the engine VM through vdsm (design.md §7 "Decide differently").

Upstream runs `hosted-engine --vm-start/--vm-shutdown/--vm-poweroff`; we call
vdsm with the same verbs and parameters (spec/agent.md §6, spec/vdsm.md §2):

start(vm):
  1. clean stale records, up to 10 rounds 1 s apart: VM.getStats; no such
     VM, or "Up"/"Powering up" -> done; anything else -> VM.destroy;
  2. as `--vm-start`: a status containing "Down" or "Paused" -> VM.destroy
     and go on; any other status -> the VM exists, which counts as started;
  3. VM.create(vmID, vmParams); the answer's status must be WaitForLaunch.
  Any vdsm error -> False (logged). A VM that then goes Down with "Failed to
  acquire lock" lost the lease race; the engine-health monitor reports it
  as `down` and the state machine powers it off (EngineStarting ->
  EngineForceStop).
stop(force): VM.shutdown(vmID, delay="120", message=...) or, forced,
  VM.destroy(vmID). A VM that does not exist counts as stopped (what
  upstream meant; its CLI check never matched, spec/agent.md §9 item 9).

`call(namespace, verb, **kwargs)` raises `VdsmError`; vdsm's own answer
carries `.code` (1 = no such VM).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from ..lib import exceptions
from . import constants
from .vm_conf import VmConf

log = logging.getLogger(__name__)

NO_SUCH_VM = 1
RUNNING = ("Up", "Powering up")

VdsmCall = Callable[..., Any]


def _code(error: Exception) -> int | None:
    code = getattr(error, "code", None)
    return code if isinstance(code, int) else None


class VmControl:
    def __init__(self, call: VdsmCall, vm_uuid: str,
                 sleep: Callable[[float], None]) -> None:
        """`vm_uuid`: hosted-engine.conf vmid (stop); a start uses vm.conf's vmId."""
        self._call = call
        self._vm_uuid = vm_uuid
        self._sleep = sleep

    def status(self, vm_id: str) -> str | None:
        """The VM's vdsm status on this host; None when vdsm does not know it."""
        try:
            stats = self._call("VM", "getStats", vmID=vm_id)
        except exceptions.VdsmError as e:
            if _code(e) == NO_SUCH_VM:
                return None
            raise
        try:
            return str(stats[0]["status"])
        except (IndexError, KeyError, TypeError):
            raise exceptions.VdsmError(f"VM.getStats answered {stats!r}") from None

    def _destroy(self, vm_id: str) -> bool:
        """True if the VM is gone (destroyed now or unknown already)."""
        try:
            self._call("VM", "destroy", vmID=vm_id)
        except exceptions.VdsmError as e:
            if _code(e) == NO_SUCH_VM:
                return True
            raise
        return True

    def clean(self, vm_id: str) -> None:
        """Destroy stale records of the VM until vdsm has none or it runs."""
        for attempt in range(constants.VDSM_CLEAN_ROUNDS):
            if attempt:
                self._sleep(constants.VDSM_CLEAN_WAIT)
            status = self.status(vm_id)
            if status is None or status in RUNNING:
                return
            log.info("Destroying the engine VM record left in status %s", status)
            self._destroy(vm_id)
        raise exceptions.VdsmError(
            f"the engine VM record is still there after {constants.VDSM_CLEAN_ROUNDS} "
            "destroy attempts")

    def start(self, vm: VmConf) -> bool:
        try:
            self.clean(vm.vm_id)
            status = self.status(vm.vm_id)
            if status:
                if "Down" in status or "Paused" in status:
                    log.info("Engine VM exists and is %s, cleaning up and restarting", status)
                    self._destroy(vm.vm_id)
                else:
                    log.info("Engine VM exists and its status is %s", status)
                    return True
            result = self._call("VM", "create", vmID=vm.vm_id, vmParams=vm.params)
            launched = isinstance(result, dict) and \
                result.get("status") == constants.VM_WAIT_FOR_LAUNCH
            if not launched:
                log.error("Engine VM failed to launch: VM.create answered status %s",
                          result.get("status") if isinstance(result, dict) else result)
                return False
        except exceptions.VdsmError as e:
            log.error("Failed to start the engine VM: %s", e)
            return False
        log.info("Engine VM started (WaitForLaunch)")
        return True

    def stop(self, force: bool) -> bool:
        try:
            if force:
                self._call("VM", "destroy", vmID=self._vm_uuid)
            else:
                self._call("VM", "shutdown", vmID=self._vm_uuid,
                           delay=constants.VM_SHUTDOWN_DELAY,
                           message=constants.VM_SHUTDOWN_MESSAGE)
        except exceptions.VdsmError as e:
            if _code(e) == NO_SUCH_VM:
                log.info("Engine VM does not exist here: nothing to stop")
                return True
            log.error("Failed to %s the engine VM: %s", "power off" if force else "shut down", e)
            return False
        log.info("Engine VM %s", "powered off" if force else "shutting down")
        return True
