"""The soak (F28) beside the other rows, so `make faults` stays short.

The soak needs ten minutes of wall time but little of the machine (one
broker, about 170 calls/s). In a whole-directory run its test is taken out
of this session and run by a pytest process of its own, started when the
session starts, against its own lab; its row comes back through the JSON
lines twin of its report and is merged at the end. A run of selected tests
(one file, ``-k``) runs the soak in line, as any other test.
"""

import dataclasses
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

from tests.faults.report import RowResult

TEST = "tests/faults/test_soak.py"
ROW = "F28"


@dataclasses.dataclass
class SideSoak:
    proc: subprocess.Popen
    report: Path
    log: Path

    @classmethod
    def start(cls, rootdir: Path) -> "SideSoak":
        out = Path(tempfile.mkdtemp(prefix="ovirt-ha-soak-"))
        report, log = out / "soak.md", out / "soak.log"
        with open(log, "wb") as f:
            proc = subprocess.Popen(
                [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", TEST,
                 f"--faults-report={report}"],
                cwd=rootdir, stdout=f, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                env=dict(os.environ))
        return cls(proc, report, log)

    def finish(self, timeout: float) -> tuple[RowResult | None, str]:
        """The soak's row (None if it reported nothing) and its output's tail."""
        try:
            self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        tail = "\n".join(self.log.read_text(errors="replace").splitlines()[-30:])
        twin = self.report.with_suffix(".jsonl")
        if not twin.exists():
            return None, tail
        for line in twin.read_text().splitlines():
            fields = json.loads(line)
            if fields["row"] == ROW:
                return RowResult(**fields), tail
        return None, tail
