"""The broker's listening unix socket: mode 0600 from the start, one broker per path."""

import os
import socket

from ..lib import exceptions


class AnotherBrokerRunning(exceptions.DetailError):
    pass


def listen(path: str, backlog: int = 128) -> socket.socket:
    """A listening socket at `path`, mode 0600 from the start; a clear error if not."""
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    try:
        try:
            os.unlink(path)
        except FileNotFoundError:
            pass
        old = os.umask(0o177)
        try:
            sock.bind(path)
        finally:
            os.umask(old)
        os.chmod(path, 0o600)
        sock.listen(backlog)
    except OSError as e:
        sock.close()
        raise exceptions.DetailError(
            f"cannot listen on {path}: {e.strerror or e}") from e
    return sock


def refuse_live_socket(path: str) -> None:
    """Raise if a process already accepts connections on `path`."""
    if not os.path.exists(path):
        return
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as s:
        s.settimeout(1.0)
        try:
            s.connect(path)
        except OSError:
            return  # a stale socket left by a killed broker
    raise AnotherBrokerRunning(f"another broker is serving on {path}")
