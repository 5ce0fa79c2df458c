"""The units' sandbox, approximated without systemd (this machine has none).

A private mount namespace (unshare) in which every mount is remounted
read-only (ProtectSystem=strict), then the unit's writable paths are bound
back read-write: RuntimeDirectory=, LogsDirectory=, StateDirectory=,
ReadWritePaths= taken from the installed unit file and resolved under the
host's OVIRT_HA_ROOT, plus a private /tmp (PrivateTmp=). The daemon then
runs with no_new_privs and the unit's capability bounding set. Only the
mount namespace changes: the machine's own mounts stay as they are.

Not emulated: User=vdsm (the lab runs as root; CAP_DAC_OVERRIDE stands in
for owning vdsm's 0700 directories), the seccomp filters, address families,
device policy. The lab's storage is a directory outside the root that a
real host would mount under /rhev/data-center: pass it as `extra_writable`.
"""

from __future__ import annotations

import subprocess
from pathlib import Path

# Remount every mount of the new namespace read-only, bind the writable
# paths back, give /tmp a tmpfs, then exec the command after "--".
SCRIPT = r"""
set -e
sed -n 's/^[0-9]* [0-9]* [^ ]* [^ ]* \([^ ]*\) .*/\1/p' /proc/self/mountinfo | sort -u |
while read -r m; do mount -o remount,bind,ro "$m" 2>/dev/null || true; done
while [ "$1" != -- ]; do mount --bind "$1" "$1"; mount -o remount,bind,rw "$1"; shift; done
shift
mount -t tmpfs -o mode=1777 tmpfs /tmp
exec "$@"
"""

DIRECTORY_KEYS = {"RuntimeDirectory": "/run", "LogsDirectory": "/var/log",
                  "StateDirectory": "/var/lib"}


def unit_values(unit: Path, key: str) -> list[str]:
    values = []
    for line in unit.read_text().splitlines():
        name, sep, value = line.partition("=")
        if sep and name.strip() == key:
            values += value.split()
    return values


def writable_paths(unit: Path) -> list[str]:
    """Host paths the unit makes writable."""
    paths = [f"{base}/{v}" for key, base in DIRECTORY_KEYS.items()
             for v in unit_values(unit, key)]
    return paths + [v.lstrip("-") for v in unit_values(unit, "ReadWritePaths")]


def bounding_set(unit: Path) -> list[str]:
    return [c.lower().removeprefix("cap_") for c in unit_values(unit, "CapabilityBoundingSet")]


def available() -> bool:
    try:
        result = subprocess.run(["unshare", "--mount", "--propagation", "private", "true"],
                                capture_output=True, timeout=30)
    except (OSError, subprocess.TimeoutExpired):
        return False
    return result.returncode == 0


def wrap(argv: list[str], unit: Path, root: Path, extra_writable: list[Path]) -> list[str]:
    """`argv` run inside the approximated sandbox of `unit`, for the host at `root`."""
    binds = [str(root / p.lstrip("/")) for p in writable_paths(unit)]
    binds = [b for b in binds if Path(b).exists()] + [str(p) for p in extra_writable]
    # Root in place of vdsm: keep DAC override so vdsm's 0700 dirs stay reachable.
    caps = ["-all"] + [f"+{c}" for c in bounding_set(unit) + ["dac_override"]]
    return ["unshare", "--mount", "--propagation", "private", "sh", "-c", SCRIPT, "sandbox",
            *binds, "--", "setpriv", "--no-new-privs", f"--bounding-set={','.join(caps)}",
            "--inh-caps=-all", *argv]
