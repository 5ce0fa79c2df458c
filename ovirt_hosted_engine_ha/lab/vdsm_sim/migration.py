"""Live migration of the engine VM from this simulator to another one.

Source (``VM.migrate(vmID, params={"dst": <simulator socket>, ...})``):
the VM shows ``Migration Source``; a thread asks the destination to
prepare (``VM.migrationCreate``: its VM shows ``Migration Destination``
and its stand-in starts without the lease), tells the local stand-in to
stop serving and release the lease, then asks the destination to take
over (``Lab.finishIncoming``: its stand-in acquires the lease and serves;
its VM goes ``Up``). Then the source VM goes ``Down`` with exitCode 0,
exitReason 4 and "Migration succeeded", and its stand-in exits. If the
destination fails, its VM is destroyed and the source stand-in takes the
lease again (back to ``Up``).

The lab's ``dst`` is the destination simulator's socket path, where real
vdsm takes ``host:port``. Only the engine VM (a stand-in) migrates.
"""

import logging
import os
import threading

from ..simctl import SimControl
from . import errors
from .vm_record import (
    DOWN,
    MIGRATION_DESTINATION,
    MIGRATION_SOURCE,
    MIGRATION_SUCCEEDED,
    MIGRATION_SUCCEEDED_MESSAGE,
    UP,
    Vm,
)
from .vms import Vms

log = logging.getLogger(__name__)

TIMEOUT = 60.0  # each step: release on the source, acquire on the destination


class MigrationError(errors.VdsmError):
    default_code = 12
    template = "Fatal error during migration: {detail}"


def start(vms: Vms, vm_id: str, params: dict, timeout: float = TIMEOUT) -> dict:
    """VM.migrate on the source: start the migration thread, answer at once."""
    dst = params.get("dst") if isinstance(params, dict) else None
    if not isinstance(dst, str) or not os.path.isabs(dst):
        raise errors.InvalidParams(
            f"VM.migrate: params['dst'] must be the destination simulator's socket path "
            f"in the lab, got {dst!r}")
    with vms._cond:
        vm = vms._get(vm_id)
        if vm.runner is None or vm.status != UP:
            raise MigrationError(f"VM {vm_id} is {vm.status}, not a running engine VM")
        vm.status, vm.released = MIGRATION_SOURCE, False
        vms._changed(vm)
    log.info("Migrating VM %s to %s", vm_id, dst)
    threading.Thread(target=_source, args=(vms, vm, dst, timeout),
                     name=f"migrate-{vm_id}", daemon=True).start()
    return {"progress": 0}


def _source(vms: Vms, vm: Vm, dst_socket: str, timeout: float) -> None:
    dst = SimControl(dst_socket, timeout=timeout + 10)
    ok = False
    try:
        dst.call("VM.migrationCreate", params={**vm.params, "vmId": vm.vm_id})
        ok = _release(vms, vm, timeout) and bool(
            dst.call("Lab.finishIncoming", vmID=vm.vm_id, timeout=timeout))
    except Exception as e:
        log.warning("Migration of VM %s to %s failed: %s", vm.vm_id, dst_socket, e)
    if ok:
        _succeeded(vms, vm)
    else:
        _failed(vms, vm, dst)


def _release(vms: Vms, vm: Vm, timeout: float) -> bool:
    with vms._cond:
        runner = vm.runner
        if runner is None or not runner.send("release"):
            return False
        vms._cond.wait_for(lambda: vm.released or vm.runner is not runner, timeout)
        return vm.released and vm.runner is runner


def _succeeded(vms: Vms, vm: Vm) -> None:
    with vms._cond:
        runner = vm.runner
        if vm.status == DOWN or runner is None:
            return
        vm.ending = (0, MIGRATION_SUCCEEDED, MIGRATION_SUCCEEDED_MESSAGE)
        vm.end(*vm.ending)
        vms._changed(vm)
    log.info("VM %s migrated away", vm.vm_id)
    runner.send("exit")


def _failed(vms: Vms, vm: Vm, dst: SimControl) -> None:
    try:
        dst.call("VM.destroy", vmID=vm.vm_id)
    except Exception as e:
        log.info("Destination cleanup of VM %s: %s", vm.vm_id, e)
    with vms._cond:
        runner = vm.runner
        if runner is None or vm.status != MIGRATION_SOURCE:
            return
        vm.released = False
        if not runner.send("resume"):
            return
    log.info("Migration of VM %s failed: it resumes here", vm.vm_id)


def incoming(vms: Vms, params: dict) -> dict:
    """VM.migrationCreate on the destination: a stand-in waiting for the lease."""
    vm_id = params.get("vmId") if isinstance(params, dict) else None
    if not isinstance(vm_id, str) or not vms.is_engine(vm_id):
        raise MigrationError(f"only the engine VM migrates in the lab, got vmId {vm_id!r}")
    vms.create(vm_id, params, incoming=True)
    return {"migrationPort": 0, "params": {"vmId": vm_id, "status": MIGRATION_DESTINATION}}


def finish_incoming(vms: Vms, vm_id: str, timeout: float = TIMEOUT) -> bool:
    """Lab.finishIncoming: the stand-in takes the lease and serves; True once Up."""
    with vms._cond:
        vm = vms._get(vm_id)
        runner = vm.runner
        if runner is None or vm.status != MIGRATION_DESTINATION or not runner.send("resume"):
            return False
        vms._cond.wait_for(lambda: vm.outcome is not None, timeout)
        return vm.outcome == "up"
