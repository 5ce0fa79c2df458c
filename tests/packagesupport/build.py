"""Build the .deb (and the .rpm) with the Makefile's targets, as CI does."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
LINTIAN_TAG = re.compile(r"^[EWIXPO]: ovirt-hosted-engine-ha( \(\w+\))?: ")


def make(target: str, dist: Path, timeout: float = 900) -> tuple[Path, str]:
    """`make TARGET DIST=dist`; return the one package built and make's output."""
    result = subprocess.run(["make", "--no-print-directory", target, f"DIST={dist}"],
                            cwd=REPO, capture_output=True, text=True, timeout=timeout)
    out = result.stdout + result.stderr
    if result.returncode:
        raise AssertionError(f"make {target} failed ({result.returncode}):\n{out[-6000:]}")
    suffix = {"deb": "*.deb", "rpm": "*.rpm"}[target]
    built = sorted(dist.glob(suffix))
    if len(built) != 1:
        raise AssertionError(f"make {target}: expected one package in {dist}, got {built}")
    return built[0], out


def lintian_lines(make_output: str) -> list[str]:
    """lintian's tag lines ("E: ...", "W: ...", "I: ...") in make's output."""
    return [line for line in make_output.splitlines() if LINTIAN_TAG.match(line)]
