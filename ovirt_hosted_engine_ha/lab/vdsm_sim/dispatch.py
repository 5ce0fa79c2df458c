"""The verb table and how one call runs: count, fault, recovery, handler.

Lab.* verbs skip faults and the recovery knob, so a test can always undo
what it set.
"""

import inspect
import logging
from collections.abc import Callable

from . import errors, verbs_host, verbs_lab, verbs_storage, verbs_vm
from .state import SimState

log = logging.getLogger(__name__)

Handler = Callable[..., object]

VERBS: dict[str, Handler] = {
    **verbs_host.VERBS,
    **verbs_storage.VERBS,
    **verbs_vm.VERBS,
}
LAB_VERBS: dict[str, Handler] = verbs_lab.VERBS


def call(state: SimState, method: str, params: object) -> object:
    """Run one verb; raise errors.VdsmError for an error answer."""
    state.count(method)
    if method in LAB_VERBS:
        return _invoke(LAB_VERBS[method], state, method, params)
    state.faults.apply(method)
    if state.knobs.recovering:
        raise errors.RecoveryInProgress()
    handler = VERBS.get(method)
    if handler is None:
        raise errors.MethodNotFound({"method": method})
    return _invoke(handler, state, method, params)


def _invoke(handler: Handler, state: SimState, method: str, params: object) -> object:
    if params is None:
        params = {}
    if not isinstance(params, dict):
        raise errors.InvalidParams(f"{method}: params must be an object, got {params!r}")
    try:
        inspect.signature(handler).bind(state, **params)
    except TypeError as e:
        raise errors.InvalidParams(f"{method}: {e}") from None
    result = handler(state, **params)
    return True if result is None else result
