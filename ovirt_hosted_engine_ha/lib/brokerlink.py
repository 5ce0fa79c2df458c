"""BrokerLink: the thin client every caller uses to talk to the broker.

Each call stands alone: a new unix-socket connection, no session, no
reconnection logic. A Fault from the broker becomes `RequestError` carrying
the broker's message and fault code; a broker that cannot be reached becomes
`BrokerConnectionError` (also an `OSError` with the original errno, so
callers such as vdsm that look for ENOENT still can).

Public methods and result transforms are upstream's (spec/broker.md §4.3),
except that slots are decoded one by one: a slot that is not UTF-8 (an
upstream broker serves it as read) is passed on with its bad bytes kept as
surrogate escapes, so the metadata parser reports that one host as
malformed instead of the whole call failing (logged once per change).
`get_stats_and_age` also returns the broker's metadata age (lib/staleness.py).
"""

import logging
import os
import xmlrpc.client

from ..env import constants, paths
from . import exceptions, staleness, unixrpc
from .changelog import ChangeLog

log = logging.getLogger(__name__)
_undecodable = ChangeLog(log)


class NotifyEvents:
    STATE_TRANSITION = "state_transition"


class BrokerConnectionError(exceptions.BrokerConnectionError, OSError):
    def __init__(self, path: str, error: OSError) -> None:
        exceptions.BrokerConnectionError.__init__(
            self, f"cannot reach the broker at {path}: {error.strerror or error}")
        self.errno = error.errno
        self.strerror = error.strerror
        self.filename = path


def decode_slot(slot: int, data: bytes) -> str:
    """The slot's text; bytes that are not UTF-8 stay as surrogate escapes."""
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as e:
        _undecodable.error(slot, f"Metadata slot {slot} is not UTF-8 (bad byte at offset "
                                 f"{e.start}); that host will read as malformed")
        return data.decode("utf-8", "surrogateescape")
    _undecodable.clear(slot)
    return text


def default_socket_path() -> str:
    return str(paths.resolve(constants.BROKER_SOCKET_FILE))


class BrokerLink:
    def __init__(self, timeout: float | None = None,
                 socket_path: str | os.PathLike[str] | None = None) -> None:
        self._path = str(socket_path) if socket_path else default_socket_path()
        self._timeout = timeout
        self._proxy = unixrpc.UnixXmlRpcClient(self._path, timeout=timeout)

    def _call(self, verb: str, *params: object,
              proxy: unixrpc.UnixXmlRpcClient | None = None) -> object:
        try:
            return getattr(proxy or self._proxy, verb)(*params)
        except xmlrpc.client.Fault as e:
            raise exceptions.RequestError(e.faultString, e.faultCode) from None
        except OSError as e:
            raise BrokerConnectionError(self._path, e) from e
        except xmlrpc.client.ProtocolError as e:
            raise exceptions.RequestError(
                f"{verb}: broker answered HTTP {e.errcode} {e.errmsg}") from e

    # Notifications and monitors

    def notify(self, event_type: str, detail: str, **options: object) -> object:
        log.debug("Sending notification %s detail=%s", event_type, detail)
        result = self._call("notify", event_type, detail, options)
        log.debug("Notification %s: %s", event_type, result)
        return result

    def start_monitor(self, type: str, options: dict[str, object]) -> str:
        return str(self._call("start_monitor", type, options))

    def stop_monitor(self, monitor_id: str) -> None:
        self._call("stop_monitor", monitor_id)

    def get_monitor_status(self, monitor_id: str) -> str:
        return str(self._call("status_monitor", monitor_id))

    # Metadata

    def put_stats_on_storage(self, host_id: int, data: str) -> None:
        self._call("put_stats", host_id, xmlrpc.client.Binary(data.encode("utf-8")))

    def get_stats_from_storage(self) -> dict[int, str]:
        return self.get_stats_and_age()[0]

    def get_stats_and_age(self) -> tuple[dict[int, str], float | None]:
        """(slots, seconds since the broker's last good metadata read).

        The age is None when the broker sent none (an upstream broker).
        """
        result, age = self._get_stats()
        return {int(k): decode_slot(int(k), v.data) for k, v in result.items()}, age

    def _get_stats(self) -> tuple[dict, float | None]:
        """The raw `get_stats` struct and the metadata age header."""
        proxy = unixrpc.UnixXmlRpcClient(self._path, timeout=self._timeout)
        result = self._call("get_stats", proxy=proxy)
        if not isinstance(result, dict):
            raise exceptions.RequestError(f"get_stats: unexpected answer {result!r}")
        header = proxy.transport.last_headers.get(staleness.AGE_HEADER.lower())
        return result, staleness.parse_age(header)

    # Liveness

    def put_hosts_state_on_storage(self, host_id: int, alive_hosts: list[int]) -> None:
        self._call("push_hosts_state", [host_id] + list(alive_hosts))

    def is_host_alive(self, host_id: int) -> bool:
        result = self._call("is_host_alive")
        if not result:
            return False
        return host_id in result  # type: ignore[operator]

    # Storage domain monitor and lockspace

    def start_domain_monitor(self, host_id: int) -> None:
        self._call("start_domain_monitor", host_id)

    def stop_domain_monitor(self) -> None:
        self._call("stop_domain_monitor")

    def lock_host_id(self, host_id: int) -> None:
        self._call("lock_host_id", host_id)

    def release_host_id(self) -> None:
        self._call("release_host_id")

    def reset_lockspace(self) -> None:
        self._call("reset_lockspace")
