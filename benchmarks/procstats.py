"""What /proc says about a process: resident memory, threads, fds, storage reads."""

import dataclasses
import os


@dataclasses.dataclass
class Snapshot:
    rss_mib: float
    threads: int
    fds: int


def snapshot(pid: int) -> Snapshot:
    fields = {}
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            key, _, value = line.partition(":")
            fields[key] = value.split()
    return Snapshot(rss_mib=int(fields["VmRSS"][0]) / 1024, threads=int(fields["Threads"][0]),
                    fds=len(os.listdir(f"/proc/{pid}/fd")))


def read_bytes(pid: int) -> int:
    """Bytes the process caused to be read from storage (O_DIRECT reads included)."""
    with open(f"/proc/{pid}/io") as f:
        for line in f:
            if line.startswith("read_bytes:"):
                return int(line.split()[1])
    raise RuntimeError(f"no read_bytes for pid {pid}")
