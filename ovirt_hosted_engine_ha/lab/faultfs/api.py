"""`cluster.storage_faults`: change a running faultfs from Python.

    faults = cluster.storage_faults
    faults.slow(3)                                   # every read and write takes 3 s more
    faults.fail("EIO", op="write", path=cluster.metadata_path)
    faults.hang(op="read")                           # reads wait until heal()
    faults.vanish(path=cluster.metadata_path)        # lookups answer ENOENT
    faults.heal()                                    # all gone, held operations released

`path` is a file or directory, absolute (under the mount) or relative to
it; None means every file of the mount. On a block domain a volume is a
link to a loop device whose I/O reaches the mount through its backing
file: `aliases` maps such a link to that file, so that slow, fail and
hang of the volume act on its I/O, and vanish on the link.
"""

import os
from pathlib import Path

from . import control
from .rules import Fault

PathArg = str | os.PathLike[str] | None


class StorageFaults:
    def __init__(self, mountpoint: str | os.PathLike[str], control_socket: str,
                 aliases: dict[str, str] | None = None) -> None:
        self.mountpoint = Path(os.path.abspath(mountpoint))
        self.control_socket = control_socket
        self.aliases = dict(aliases or {})

    def __repr__(self) -> str:
        return f"<StorageFaults {self.mountpoint}>"

    def relative(self, path: PathArg) -> str | None:
        """`path` relative to the mount; ValueError when it lies outside."""
        if path is None:
            return None
        p = Path(path)
        if not p.is_absolute():
            return str(p)
        try:
            return str(p.relative_to(self.mountpoint))
        except ValueError:
            raise ValueError(f"{p} is not under the faultfs mount {self.mountpoint}") from None

    def _io_path(self, path: PathArg) -> str | None:
        rel = self.relative(path)
        return self.aliases.get(rel, rel) if rel is not None else None

    def _add(self, fault: Fault) -> list[Fault]:
        reply = control.request(self.control_socket, {"cmd": "add", "fault": fault.to_json()})
        return [Fault.from_json(f) for f in reply["faults"]]

    def slow(self, seconds: float, op: str | None = None, path: PathArg = None) -> list[Fault]:
        return self._add(Fault("slow", op, self._io_path(path), seconds=float(seconds)))

    def fail(self, errno_name: str, op: str | None = None, path: PathArg = None) -> list[Fault]:
        return self._add(Fault("fail", op, self._io_path(path), error=errno_name))

    def hang(self, op: str | None = None, path: PathArg = None) -> list[Fault]:
        return self._add(Fault("hang", op, self._io_path(path)))

    def vanish(self, path: PathArg = None) -> list[Fault]:
        return self._add(Fault("vanish", None, self.relative(path)))

    def heal(self) -> int:
        """Clear every fault; return how many there were."""
        return int(control.request(self.control_socket, {"cmd": "heal"})["cleared"])

    def real_path(self, path: str | os.PathLike[str]) -> Path:
        """Where the real file behind `path` (its loop device's file on a block domain) is
        read past every fault: through the daemon's descriptor of the covered directory
        (root only). For tests that check what reached the disk while I/O is slow or hung."""
        reply = control.request(self.control_socket, {"cmd": "show"})
        rel = self._io_path(path) or "."
        return Path(f"/proc/{reply['pid']}/fd/{reply['root_fd']}", rel)

    def show(self) -> tuple[list[Fault], int]:
        """The active faults and how many operations a hang holds now."""
        reply = control.request(self.control_socket, {"cmd": "show"})
        return [Fault.from_json(f) for f in reply["faults"]], int(reply["held"])


def describe(active: list[Fault], held: int) -> str:
    """One line per fault, as `ovirt-ha-lab storage show` and the cluster view print them."""
    if not active:
        return "storage: no faults" + (f" ({held} operations still held)" if held else "")
    lines = [f"storage: {len(active)} fault(s), {held} operation(s) held now"]
    lines += [f"  {f.describe()}" for f in active]
    return "\n".join(lines)
