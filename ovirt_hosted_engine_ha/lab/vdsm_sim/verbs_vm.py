"""The VM namespace (migration: migration.py)."""

from collections.abc import Callable

from . import migration
from .state import SimState


def create(state: SimState, vmID: str, vmParams: dict) -> dict:
    return state.vms.create(vmID, vmParams)


def get_stats(state: SimState, vmID: str) -> list:
    return state.vms.get_stats(vmID)


def destroy(state: SimState, vmID: str, gracefulAttempts: int = 1) -> bool:
    state.vms.destroy(vmID)
    return True


def shutdown(state: SimState, vmID: str, delay: object = None, message: str | None = None,
             reboot: bool = False, timeout: object = None, force: bool = False) -> bool:
    state.vms.shutdown(vmID)
    return True


def migrate(state: SimState, vmID: str, params: dict) -> dict:
    return migration.start(state.vms, vmID, params)


def migration_create(state: SimState, params: dict, incomingLimit: int | None = None) -> dict:
    return migration.incoming(state.vms, params)


VERBS: dict[str, Callable[..., object]] = {
    "VM.create": create,
    "VM.getStats": get_stats,
    "VM.destroy": destroy,
    "VM.shutdown": shutdown,
    "VM.migrate": migrate,
    "VM.migrationCreate": migration_create,
}
