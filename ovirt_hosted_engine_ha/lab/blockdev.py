"""Loop devices standing in for a block storage domain's logical volumes.

`attach` puts a file behind a free /dev/loopN (``losetup --find --show``,
direct I/O on, the domain's sector size); `detach` takes it back only
when the device is still backed by that file, so the lab never detaches
a loop device someone else set up. `backed_under` finds the loop devices
whose backing file lies under a directory (cleaning up after a lab whose
owner died).
"""

import contextlib
import glob
import os
import shutil
import subprocess

from . import errors

LOSETUP = "losetup"
SYS_BLOCK = "/sys/block"


def unavailable() -> str | None:
    if shutil.which(LOSETUP) is None:
        return f"{LOSETUP} is missing: apt-get install mount"
    if not os.path.exists("/dev/loop-control"):
        return "/dev/loop-control is missing (no loop devices in this kernel or container)"
    try:
        _losetup("--find")       # a free device exists (or can be made): nothing attached
    except errors.LabDetailError as e:
        return f"no loop device can be used here: {e}"
    return None


def _losetup(*args: str) -> str:
    try:
        result = subprocess.run([LOSETUP, *args], capture_output=True, text=True, timeout=30)
    except (OSError, subprocess.TimeoutExpired) as e:
        raise errors.LabDetailError(f"{LOSETUP} {' '.join(args)}: {e}") from e
    if result.returncode != 0:
        raise errors.LabDetailError(f"{LOSETUP} {' '.join(args)}: {result.stderr.strip()}")
    return result.stdout.strip()


def attach(backing: str | os.PathLike[str], sector: int) -> str:
    """A loop device over `backing`; return its path (/dev/loopN)."""
    reason = unavailable()
    if reason is not None:
        raise errors.LabDetailError(f"block domain: {reason}")
    return _losetup("--find", "--show", "--direct-io=on", "--sector-size", str(sector),
                    os.fspath(backing))


def backing_file(device: str) -> str | None:
    """The file behind /dev/loopN, None when it has none (free) or does not exist."""
    name = os.path.basename(device)
    try:
        with open(os.path.join(SYS_BLOCK, name, "loop", "backing_file")) as f:
            return f.read().strip().removesuffix(" (deleted)")
    except OSError:
        return None


def detach(device: str, backing: str | os.PathLike[str]) -> bool:
    """Detach `device` if `backing` is still its file; True when it did."""
    if backing_file(device) != os.path.realpath(backing):
        return False
    with contextlib.suppress(errors.LabDetailError):
        _losetup("--detach", device)
    return True


def backed_under(directory: str | os.PathLike[str]) -> dict[str, str]:
    """{device: backing file} for every loop device backed by a file under `directory`."""
    base = os.path.realpath(directory).rstrip("/") + "/"
    found = {}
    for path in glob.glob(os.path.join(SYS_BLOCK, "loop*", "loop", "backing_file")):
        device = "/dev/" + path.split("/")[3]
        backing = backing_file(device)
        if backing and backing.startswith(base):
            found[device] = backing
    return found
