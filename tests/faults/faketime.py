"""A wall clock the test can move for chosen processes: libfaketime
(Debian `faketime`), without touching the machine's clock.

`FakeClock(path).env()` is the environment that puts a process under it:
its CLOCK_REALTIME (time.time, datetime.now) reads the real time plus the
offset written in the file, re-read at most once a second; CLOCK_MONOTONIC
stays real, as after `date -s`. `jump(seconds)` sets the offset.

Known limit: libfaketime 0.9.10 (Debian 12) breaks Python 3.11's
`time.sleep` when the monotonic clock is excluded (clock_nanosleep with
TIMER_ABSTIME gets a negative time: EINVAL, libfaketime issue #426).
Event/Lock/Condition timeouts, select and socket timeouts are not affected;
the daemons' loops wait on those.
"""

import glob
import os
from pathlib import Path

LIBRARIES = "/usr/lib/*/faketime/libfaketimeMT.so.1"


def library() -> str | None:
    found = sorted(glob.glob(LIBRARIES))
    return found[0] if found else None


class FakeClock:
    def __init__(self, path: str | os.PathLike[str]) -> None:
        self.path = Path(path)
        self.offset = 0
        self.jump(0)

    def env(self) -> dict[str, str]:
        lib = library()
        if lib is None:
            raise FileNotFoundError(f"libfaketime not installed ({LIBRARIES})")
        return {"LD_PRELOAD": lib, "FAKETIME_TIMESTAMP_FILE": str(self.path),
                "FAKETIME_DONT_FAKE_MONOTONIC": "1", "FAKETIME_CACHE_DURATION": "1"}

    def jump(self, offset: int) -> None:
        """Wall clock = real time + `offset` seconds, from the next re-read on."""
        tmp = self.path.with_suffix(".tmp")
        tmp.write_text(f"{offset:+d}\n")
        tmp.replace(self.path)
        self.offset = offset


def under_faketime(pid: int) -> bool:
    """The process has libfaketime mapped."""
    with open(f"/proc/{pid}/maps") as f:
        return "libfaketime" in f.read()
