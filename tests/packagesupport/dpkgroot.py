"""dpkg on a scratch root, never on this machine.

`dpkg --root=DIR --force-script-chrootless` unpacks into DIR, keeps its
database in DIR/var/lib/dpkg and runs the package's maintainer scripts
without chroot, with DPKG_ROOT=DIR: our scripts and the debhelper snippets
they carry (systemd-sysusers --root, systemd-tmpfiles --root,
deb-systemd-helper) honour it. dh_python3's py3compile/py3clean snippets do
not, so they run as no-op stubs here (bytecode is not part of what we
check). Dependencies (python3, sanlock...) are this machine's: --force-depends.
Existing configuration files are kept (--force-confold, as an administrator
answering "keep your version"); ours land beside them as *.dpkg-dist.
"""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

PACKAGE = "ovirt-hosted-engine-ha"
DB_DIRS = ("var/lib/dpkg/info", "var/lib/dpkg/updates", "var/lib/dpkg/triggers")
DB_FILES = ("var/lib/dpkg/status", "var/lib/dpkg/available")
FORCE = ("--force-script-chrootless", "--force-depends", "--force-confold",
         "--force-confdef")
STUBS = ("py3compile", "py3clean")


def init(root: Path) -> None:
    """An empty dpkg database in `root`."""
    for d in DB_DIRS:
        (root / d).mkdir(parents=True, exist_ok=True)
    for f in DB_FILES:
        (root / f).touch()


def _stub_dir(root: Path) -> Path:
    stubs = root.parent / f".{root.name}-dpkg-stubs"
    stubs.mkdir(exist_ok=True)
    for name in STUBS:
        path = stubs / name
        path.write_text("#!/bin/sh\nexit 0\n")
        path.chmod(0o755)
    return stubs


def dpkg(root: Path, *args: str) -> str:
    """Run dpkg on `root`; return its output, raise with it on failure."""
    env = dict(os.environ, PATH=f"{_stub_dir(root)}{os.pathsep}{os.environ.get('PATH', '')}",
               DEBIAN_FRONTEND="noninteractive")
    result = subprocess.run(["dpkg", f"--root={root}", *FORCE, *args], env=env,
                            stdin=subprocess.DEVNULL, capture_output=True, text=True,
                            timeout=300)
    out = result.stdout + result.stderr
    if result.returncode:
        raise AssertionError(f"dpkg {' '.join(args)} failed ({result.returncode}):\n{out}")
    return out


def install(root: Path, deb: Path) -> str:
    init(root)
    return dpkg(root, "--install", str(deb))


def remove(root: Path) -> str:
    """dpkg --remove: our files go, configuration files stay (as on a host)."""
    return dpkg(root, "--remove", PACKAGE)


def conffiles(root: Path) -> set[str]:
    path = root / "var/lib/dpkg/info" / f"{PACKAGE}.conffiles"
    return {line.strip() for line in path.read_text().splitlines() if line.strip()}
