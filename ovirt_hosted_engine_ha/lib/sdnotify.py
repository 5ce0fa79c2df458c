"""systemd's notify protocol (sd_notify(3)): one datagram per message.

Messages go to the socket named by NOTIFY_SOCKET (a path, or an abstract
name starting with "@"); without it every call is a no-op, as under a
plain shell.
"""

import logging
import os
import socket

log = logging.getLogger(__name__)

_failing = False


def notify(*assignments: str) -> bool:
    address = os.environ.get("NOTIFY_SOCKET")
    if not address:
        return False
    if address.startswith("@"):
        address = "\0" + address[1:]
    global _failing
    try:
        with socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM) as s:
            s.sendto("\n".join(assignments).encode("utf-8"), address)
    except OSError as e:
        if not _failing:
            log.warning("sd_notify to %s failed: %s (reported once)", address, e)
        _failing = True
        return False
    _failing = False
    return True


def watchdog_interval() -> float | None:
    """Half of the watchdog timeout systemd asked for, in seconds."""
    usec = os.environ.get("WATCHDOG_USEC")
    pid = os.environ.get("WATCHDOG_PID")
    if not usec or (pid and pid != str(os.getpid())):
        return None
    try:
        return int(usec) / 2_000_000
    except ValueError:
        return None
