"""The process-wide vdsm client connection.

Production code talks to vdsm only through `vdsm.client` (the lab puts a
stand-in first on PYTHONPATH). `connect()` returns one shared client,
checked with `Host.ping2` before use and re-created when the check fails;
while vdsm answers "recovering" (code 99) or refuses connections it polls
once a second, up to `VDSM_MAX_RETRY` tries, then raises `VdsmError`.
Callers other than the one connecting wait on the lock only while a
connection is being (re)made.
"""

import logging
import threading

from vdsm import client  # type: ignore[import-not-found]

from ..env import constants
from . import exceptions
from .pause import pause

log = logging.getLogger(__name__)

RECOVERING = 99
PING_TIMEOUT = 5

_lock = threading.Lock()
_client = None


def _healthy(cli: object) -> bool:
    try:
        return bool(cli.Host.ping2(_timeout=PING_TIMEOUT))  # type: ignore[attr-defined]
    except client.ServerError as e:
        if e.code == RECOVERING:
            return False
        raise


def _close(cli: object) -> None:
    try:
        cli.close()  # type: ignore[attr-defined]
    except Exception:
        log.debug("Closing the vdsm client failed", exc_info=True)


def connect(timeout: float = constants.VDSCLI_SSL_TIMEOUT,
            retries: int = constants.VDSM_MAX_RETRY,
            delay: float = constants.VDSM_DELAY) -> object:
    """Return the shared vdsm client, connecting or reconnecting if needed."""
    global _client
    with _lock:
        last_error: Exception | None = None
        for attempt in range(retries):
            if attempt:
                pause(delay)
            try:
                if _client is None:
                    _client = client.connect(host="localhost", timeout=timeout)
                if _healthy(_client):
                    return _client
                last_error = exceptions.VdsmError("vdsm is recovering")
            except client.Error as e:
                last_error = e
                if _client is not None:
                    _close(_client)
                    _client = None
        raise exceptions.VdsmError(
            f"could not connect to vdsm within {retries} attempts: {last_error}")


def call(namespace: str, verb: str, **kwargs: object) -> object:
    """Call `Namespace.verb(**kwargs)`; a vdsm error becomes `VdsmError`."""
    cli = connect()
    try:
        return getattr(getattr(cli, namespace), verb)(**kwargs)
    except client.ServerError as e:
        raise VdsmServerError(f"{namespace}.{verb}", e.code, e.resp_msg) from e
    except client.Error as e:
        raise exceptions.VdsmError(f"{namespace}.{verb} failed: {e}") from e


class VdsmServerError(exceptions.VdsmError):
    """vdsm answered with an error code."""

    def __init__(self, cmd: str, code: int, message: str) -> None:
        super().__init__(f"{cmd} failed with code {code}: {message}")
        self.cmd = cmd
        self.code = code
        self.resp_msg = message
