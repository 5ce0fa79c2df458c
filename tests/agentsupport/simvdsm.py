"""The engine VM in the simulated world, as each host's vdsm presents it.

One `Vm` record per host that has one (vdsm keeps a Down VM listed until
VM.destroy). The VM's sanlock lease is one per cluster (`Lease`): a VM
that launches while another host holds it goes Down with vdsm's lock
failure message; a dead host keeps its lease until sanlock expires it
(140 s, spec/reliability.md §1.1). Times are the world's virtual seconds.

Life cycle (world.Timing): create -> WaitForLaunch; +launch -> Powering up
(lease taken) or Down (lease held elsewhere); +boot -> Up; the engine
answers its health page `engine_boot` seconds after Up unless it hangs.
shutdown -> Powering down; +shutdown -> Down (exit reason 6).
"""

from __future__ import annotations

import dataclasses
from typing import TYPE_CHECKING, Any

from ovirt_hosted_engine_ha.lib import exceptions

if TYPE_CHECKING:
    from .world import World

VM_ID = "5c3f1f67-93f2-4a7b-9a5e-6f2b0c1d2e3f"
LOCK_FAILURE = ("resource busy: Failed to acquire lock: Lease is held by another host")
ADMIN_SHUTDOWN = 6
MIGRATION_SUCCEEDED = 4


class SimServerError(exceptions.VdsmError):
    """vdsm's error answer (code 1: no such VM, 4: VM exists, 100: failure)."""

    def __init__(self, cmd: str, code: int, message: str) -> None:
        super().__init__(f"{cmd} failed with code {code}: {message}")
        self.code = code


@dataclasses.dataclass
class Vm:
    host: int
    status: str
    up_since: float | None = None
    exit_code: int = 0
    exit_reason: int = 0
    exit_message: str = ""
    hangs: bool = False            # the engine in it stops answering its health page

    def stats(self, now: float) -> dict[str, Any]:
        stats: dict[str, Any] = {"vmId": VM_ID, "status": self.status,
                                 "statusTime": str(2**31 - 1 + int(now * 1000))}
        if self.status == "Down":
            stats.update(exitCode=self.exit_code, exitReason=self.exit_reason,
                         exitMessage=self.exit_message)
        return stats


@dataclasses.dataclass
class Lease:
    holder: int | None = None
    expires: float | None = None   # set when the holder died

    def free(self, now: float) -> bool:
        return self.holder is None or (self.expires is not None and now >= self.expires)


class SimVdsm:
    """One host's vdsm: the VM verbs the agent and the engine-health monitor use."""

    def __init__(self, world: World, host_id: int) -> None:
        self.world = world
        self.host_id = host_id
        self.create_fails = False

    def _vm(self, cmd: str) -> Vm:
        vm = self.world.vms.get(self.host_id)
        if vm is None:
            raise SimServerError(cmd, 1, "Virtual machine does not exist")
        return vm

    def call(self, namespace: str, verb: str, **kwargs: Any) -> Any:
        cmd = f"{namespace}.{verb}"
        if cmd == "VM.getStats":
            return [self._vm(cmd).stats(self.world.clock())]
        if cmd == "VM.create":
            if self.create_fails:
                raise SimServerError(cmd, 100, "Unexpected exception")
            if self.host_id in self.world.vms:
                raise SimServerError(cmd, 4, "Virtual machine already exists")
            self.world.create_vm(self.host_id)
            return {"vmId": VM_ID, "status": "WaitForLaunch"}
        if cmd == "VM.destroy":
            self._vm(cmd)
            self.world.destroy_vm(self.host_id)
            return True
        if cmd == "VM.shutdown":
            self._vm(cmd)
            self.world.shutdown_vm(self.host_id)
            return True
        raise SimServerError(cmd, -32601, "method not found")

    def connect(self) -> Any:
        raise exceptions.VdsmError("the simulated vdsm sends no events")
