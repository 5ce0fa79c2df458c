"""The Lab namespace: test knobs, never subject to injected faults.

    Lab.set(**knobs)                      -> all knobs (knobs.Knobs fields)
    Lab.get()                             -> knobs, faults, vms, monitored, calls, standins
    Lab.setVerb(verb, mode, seconds=None, code=None, message=None)
                                             mode: normal | hang | fail | delay
    Lab.setVm(vmID, status, exitCode=None, exitReason=None, exitMessage=None)
    Lab.removeVm(vmID)                    -> forget a VM, no event
    Lab.resetCalls()                      -> zero the per-verb call counters
    Lab.finishIncoming(vmID, timeout=60)  -> migration destination takes over (migration.py)
"""

import dataclasses
from collections.abc import Callable

from . import knobs, migration
from .state import SimState


def set_knobs(state: SimState, **values: object) -> dict:
    knobs.update(state.knobs, values)
    if "engine_health" in values:
        state.vms.set_health(state.knobs.engine_health)
    return dataclasses.asdict(state.knobs)


def get(state: SimState) -> dict:
    return {
        "knobs": dataclasses.asdict(state.knobs),
        "faults": state.faults.snapshot(),
        "vms": state.vms.snapshot(),
        "monitored": state.monitors.monitored(),
        "calls": state.calls(),
        "standins": state.vms.standins(),
    }


def set_verb(state: SimState, verb: str, mode: str, seconds: float | None = None,
             code: int | None = None, message: str | None = None) -> dict:
    state.faults.set(verb, knobs.make_fault(mode, seconds, code, message))
    return state.faults.snapshot()


def set_vm(state: SimState, vmID: str, status: str, exitCode: int | None = None,
           exitReason: int | None = None, exitMessage: str | None = None) -> dict:
    state.vms.force(vmID, status, exitCode, exitReason, exitMessage)
    return state.vms.snapshot()


def remove_vm(state: SimState, vmID: str) -> bool:
    state.vms.remove(vmID)
    return True


def reset_calls(state: SimState) -> bool:
    state.reset_calls()
    return True


def finish_incoming(state: SimState, vmID: str, timeout: float = migration.TIMEOUT) -> bool:
    return migration.finish_incoming(state.vms, vmID, float(timeout))


VERBS: dict[str, Callable[..., object]] = {
    "Lab.set": set_knobs,
    "Lab.get": get,
    "Lab.setVerb": set_verb,
    "Lab.setVm": set_vm,
    "Lab.removeVm": remove_vm,
    "Lab.resetCalls": reset_calls,
    "Lab.finishIncoming": finish_incoming,
}
