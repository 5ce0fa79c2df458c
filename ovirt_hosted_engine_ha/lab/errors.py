"""Errors of the lab; each message says what to do about it."""


class LabError(Exception):
    msg = "lab error"

    def __str__(self) -> str:
        return self.msg.format(self=self)


class LabDetailError(LabError):
    msg = "{self.detail}"

    def __init__(self, detail: str) -> None:
        super().__init__(detail)
        self.detail = detail


class NotDiskBacked(LabError):
    msg = ("{self.path} is on {self.fstype}, not a disk-backed filesystem: O_DIRECT is not "
           "real direct I/O there. Use a directory on ext4 or xfs (e.g. under /var/tmp)")

    def __init__(self, path: str, fstype: str) -> None:
        super().__init__(path, fstype)
        self.path, self.fstype = path, fstype


class DirectIOFailed(LabError):
    msg = ("{self.path}: an aligned 4096-byte O_DIRECT write and read failed: {self.reason}. "
           "Use a directory on ext4 or xfs (e.g. under /var/tmp)")

    def __init__(self, path: str, reason: str) -> None:
        super().__init__(path, reason)
        self.path, self.reason = path, reason


class PathTooLong(LabError):
    msg = ("{self.what} {self.path} has {self.length} characters; at most {self.limit} "
           "work ({self.why}). Use a shorter --root")

    def __init__(self, what: str, path: str, limit: int, why: str) -> None:
        super().__init__(what, path, limit, why)
        self.what, self.path, self.length, self.limit, self.why = what, path, len(path), limit, why


class RunDirTooLong(PathTooLong):
    def __init__(self, path: str, limit: int) -> None:
        super().__init__("sanlock run dir", path, limit,
                         "sanlock silently truncates its socket path otherwise")


class SocketPathTooLong(PathTooLong):
    def __init__(self, path: str, limit: int) -> None:
        super().__init__("unix socket path", path, limit, "the kernel's sun_path limit")


class RootNotEmpty(LabError):
    msg = ("{self.path} is not empty and holds no lab.json: refusing to wipe it. "
           "Choose an empty or new directory")

    def __init__(self, path: str) -> None:
        super().__init__(path)
        self.path = path


class NoLab(LabError):
    msg = "no lab at {self.path}: lab.json not found"

    def __init__(self, path: str) -> None:
        super().__init__(path)
        self.path = path


class ProcessFailed(LabError):
    msg = "{self.name} (pid {self.pid}) {self.what}; last lines of {self.log}:\n{self.tail}"

    def __init__(self, name: str, pid: int, what: str, log: str, tail: str) -> None:
        super().__init__(name, pid, what, log, tail)
        self.name, self.pid, self.what, self.log, self.tail = name, pid, what, log, tail
