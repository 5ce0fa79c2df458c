"""How submonitors reach vdsm.

Production uses `lib.vdsm_util` (the shared `vdsm.client` connection); it is
imported on first use so that the monitor modules load without vdsm and
tests can hand in a fake with the same two methods.
"""

from typing import Any, Protocol

from ...lib import exceptions


class VdsmAccess(Protocol):
    def call(self, namespace: str, verb: str, **kwargs: Any) -> Any:
        """`Namespace.verb(**kwargs)`; raises `VdsmError` (with `.code` for server errors)."""

    def connect(self) -> Any:
        """The shared client (for `subscribe` / `unsubscribe`)."""


class LiveVdsm:
    """vdsm through `lib.vdsm_util`."""

    def call(self, namespace: str, verb: str, **kwargs: Any) -> Any:
        from ...lib import vdsm_util
        return vdsm_util.call(namespace, verb, **kwargs)

    def connect(self) -> Any:
        from ...lib import vdsm_util
        return vdsm_util.connect()


def server_error_code(error: BaseException) -> int | None:
    """The vdsm error code when `error` is vdsm's answer, else None."""
    if isinstance(error, exceptions.VdsmError):
        code = getattr(error, "code", None)
        return code if isinstance(code, int) else None
    return None
