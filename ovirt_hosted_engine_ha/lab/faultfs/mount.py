"""Starting and stopping a faultfs daemon for the lab, and what it needs.

`check_available` refuses with one clear sentence when the machine cannot
mount FUSE (no /dev/fuse, no fusermount3, no mfusepy or libfuse3); `start`
spawns the daemon over a directory and returns once the mount is in the
mount table and the control socket answers; `stop` releases held
operations, unmounts and ends the daemon, leaving nothing mounted.
"""

import contextlib
import os
import shutil
import signal
import subprocess
import sys

from .. import errors, procs
from ..layout import SOCKET_PATH_MAX
from ..procs import ProcRecord
from . import control

DEVICE = "/dev/fuse"
FUSERMOUNT = "fusermount3"
FSTYPE = "fuse.faultfs"
READY_TIMEOUT = 10.0
STOP_GRACE = 10.0
DAEMON = "ovirt_hosted_engine_ha.lab.faultfs.daemon"


def unavailable() -> str | None:
    """Why faultfs cannot run here, or None when it can."""
    if not os.path.exists(DEVICE):
        return f"{DEVICE} is missing (no FUSE in this kernel or container)"
    if shutil.which(FUSERMOUNT) is None:
        return f"{FUSERMOUNT} is missing: apt-get install fuse3 libfuse3-3"
    if os.geteuid() != 0 and not _user_allow_other():
        return "allow_other needs root or user_allow_other in /etc/fuse.conf (the sanlock " \
               "daemon may run as another user)"
    try:
        import mfusepy  # noqa: F401  (loads libfuse3 through ctypes)
    except (ImportError, OSError) as e:
        return f"the mfusepy binding cannot load ({e}): pip install mfusepy; " \
               "apt-get install libfuse3-3"
    return None


def _user_allow_other() -> bool:
    try:
        with open("/etc/fuse.conf") as f:
            return any(line.strip() == "user_allow_other" for line in f)
    except OSError:
        return False


def check_available() -> None:
    reason = unavailable()
    if reason is not None:
        raise errors.LabDetailError(f"storage fault injection (faultfs) is unavailable: {reason}")


def mounts_under(directory: str | os.PathLike[str]) -> list[str]:
    """faultfs mount points at or below `directory` (from /proc/self/mountinfo)."""
    base = os.path.realpath(directory)
    found = []
    with open("/proc/self/mountinfo", encoding="utf-8") as f:
        for line in f:
            fields = line.split()
            point = fields[4].replace("\\040", " ")
            if fields[fields.index("-") + 1] == FSTYPE and (
                    point == base or point.startswith(base.rstrip("/") + "/")):
                found.append(point)
    return found


def mounted(mountpoint: str | os.PathLike[str]) -> bool:
    return os.path.realpath(mountpoint) in mounts_under(mountpoint)


def force_unmount(mountpoint: str) -> None:
    """Lazy unmount (also of a mount whose daemon died: 'transport endpoint not connected')."""
    subprocess.run([FUSERMOUNT, "-u", "-z", mountpoint], capture_output=True, timeout=10)


def start(mountpoint: str, control_socket: str, log: str, env: dict[str, str] | None = None
          ) -> ProcRecord:
    check_available()
    if len(os.fsencode(control_socket)) > SOCKET_PATH_MAX:
        raise errors.SocketPathTooLong(control_socket, SOCKET_PATH_MAX)
    if mounted(mountpoint):
        raise errors.LabDetailError(f"{mountpoint} is already a faultfs mount")
    argv = [sys.executable, "-m", DAEMON, mountpoint, "--control", control_socket]
    record = procs.spawn("faultfs", argv, dict(env or os.environ), log, cwd="/")

    def ready() -> bool:
        if not procs.running(record):
            return True
        if not mounted(mountpoint):
            return False
        with contextlib.suppress(control.ControlError):
            control.request(control_socket, {"cmd": "show"}, timeout=1)
            return True
        return False

    procs.wait_for(ready, READY_TIMEOUT, 0.02)
    if not procs.running(record):
        raise procs.failed(record, procs.exit_status(record) + " at start")
    if not mounted(mountpoint):
        stop(record, mountpoint, control_socket)
        raise procs.failed(record, f"did not mount {mountpoint} within {READY_TIMEOUT} s")
    return record


def stop(record: ProcRecord | None, mountpoint: str, control_socket: str) -> None:
    """Heal, SIGTERM (the daemon unmounts), SIGKILL after a grace; unmount what is left."""
    if record is not None and procs.running(record):
        with contextlib.suppress(control.ControlError):
            control.request(control_socket, {"cmd": "heal"}, timeout=2)
        procs.stop([record], signo=signal.SIGTERM, grace=STOP_GRACE)
    if mounted(mountpoint):
        force_unmount(mountpoint)
    if mounted(mountpoint):
        raise errors.LabDetailError(f"{mountpoint} is still mounted after stopping faultfs")


def heal_quietly(control_socket: str) -> None:
    """Release held operations if the daemon answers (before stopping what waits on them)."""
    with contextlib.suppress(control.ControlError):
        control.request(control_socket, {"cmd": "heal"}, timeout=2)
