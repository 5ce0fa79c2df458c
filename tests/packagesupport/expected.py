"""What the installed Debian package leaves on a host: path -> kind, mode, owner.

Upstream's layout (spec/broker.md §1.5, §10.1): daemons in
/usr/libexec/ovirt-hosted-engine-ha, configuration in
/etc/ovirt-hosted-engine-ha (dpkg conffiles), log and state directories
0700 vdsm:kvm, local state files owned by vdsm:kvm. The Python package is
Debian's /usr/lib/python3/dist-packages (upstream's EL site-packages).
"""

from __future__ import annotations

import dataclasses
import grp
import os
import pwd
import stat
from pathlib import Path

SITE = "usr/lib/python3/dist-packages"
PACKAGE_DIR = f"{SITE}/ovirt_hosted_engine_ha"
LIBEXEC = "usr/libexec/ovirt-hosted-engine-ha"
CONF = "etc/ovirt-hosted-engine-ha"
STATE = "var/lib/ovirt-hosted-engine-ha"
LOGS = "var/log/ovirt-hosted-engine-ha"
UNITS = "lib/systemd/system"


@dataclasses.dataclass(frozen=True)
class Entry:
    kind: str  # "f" file, "d" directory
    mode: int
    owner: str = "root"
    group: str = "root"


def _f(mode: int = 0o644, owner: str = "root", group: str = "root") -> Entry:
    return Entry("f", mode, owner, group)


def _d(mode: int = 0o755, owner: str = "root", group: str = "root") -> Entry:
    return Entry("d", mode, owner, group)


TABLE: dict[str, Entry] = {
    LIBEXEC: _d(),
    f"{LIBEXEC}/ovirt-ha-broker": _f(0o755),
    f"{LIBEXEC}/ovirt-ha-agent": _f(0o755),
    "usr/bin/ovirt-ha-client": _f(0o755),
    "usr/share/man/man1/ovirt-ha-client.1.gz": _f(),
    CONF: _d(),
    f"{CONF}/broker-log.conf": _f(),
    f"{CONF}/agent-log.conf": _f(),
    f"{CONF}/agent.conf": _f(),
    f"{CONF}/notifications": _d(),
    f"{CONF}/notifications/state_transition.txt": _f(),
    "etc/logrotate.d/ovirt-hosted-engine-ha": _f(),
    f"{UNITS}/ovirt-ha-broker.service": _f(),
    f"{UNITS}/ovirt-ha-agent.service": _f(),
    "usr/lib/tmpfiles.d/ovirt-hosted-engine-ha.conf": _f(),
    "usr/lib/sysusers.d/ovirt-hosted-engine-ha.conf": _f(),
    "usr/share/ovirt-hosted-engine-ha/broker.conf": _f(),
    "usr/share/ovirt-hosted-engine-ha/ha.conf": _f(),
    "usr/share/doc/ovirt-hosted-engine-ha/copyright": _f(),
    "usr/share/doc/ovirt-hosted-engine-ha/changelog.gz": _f(),
    LOGS: _d(0o700, "vdsm", "kvm"),
    STATE: _d(0o700, "vdsm", "kvm"),
    f"{STATE}/broker.conf": _f(0o644, "vdsm", "kvm"),
    f"{STATE}/ha.conf": _f(0o644, "vdsm", "kvm"),
}

CONFFILES = {
    "/etc/ovirt-hosted-engine-ha/broker-log.conf",
    "/etc/ovirt-hosted-engine-ha/agent-log.conf",
    "/etc/ovirt-hosted-engine-ha/agent.conf",
    "/etc/ovirt-hosted-engine-ha/notifications/state_transition.txt",
    "/etc/logrotate.d/ovirt-hosted-engine-ha",
}

# Must not be installed on a host: daemons in PATH, the lab.
ABSENT = ("usr/bin/ovirt-ha-broker", "usr/bin/ovirt-ha-agent", "usr/bin/ovirt-ha-lab",
          f"{PACKAGE_DIR}/lab")

# Left by the maintainer scripts and dpkg itself, not by the package's files.
NOT_OURS = ("var/lib/dpkg/", "var/lib/systemd/deb-systemd-helper-enabled/",
            "etc/.pwd.lock", "etc/passwd", "etc/group", "etc/shadow", "etc/gshadow",
            "etc/passwd-", "etc/group-", "etc/shadow-", "etc/gshadow-")


def python_files(source: Path) -> set[str]:
    """The package files a host gets from the source tree (the lab excluded)."""
    src = source / "ovirt_hosted_engine_ha"
    found = set()
    for path in src.rglob("*"):
        rel = path.relative_to(src)
        if path.is_dir() or rel.parts[0] == "lab" or "__pycache__" in rel.parts:
            continue
        if path.suffix in (".py", ".conf", ".txt"):
            found.add(f"{PACKAGE_DIR}/{rel}")
    return found


def installed_files(root: Path) -> set[str]:
    """Every non-directory under `root` the package put there."""
    files = set()
    for dirpath, _dirs, filenames in os.walk(root):
        for name in filenames:
            rel = os.path.relpath(os.path.join(dirpath, name), root)
            if not rel.startswith(NOT_OURS) and rel not in NOT_OURS:
                files.add(rel)
    return files


def _name(table_lookup, ident: int, passwd_path: Path) -> str:
    for line in passwd_path.read_text().splitlines() if passwd_path.exists() else ():
        fields = line.split(":")
        if len(fields) > 2 and fields[2] == str(ident):
            return fields[0]
    try:
        return table_lookup(ident)[0]
    except KeyError:
        return str(ident)


def describe(root: Path, rel: str) -> Entry:
    """Kind, mode and owner of `rel` under `root`, names from the root's own passwd/group."""
    st = os.lstat(root / rel)
    kind = "d" if stat.S_ISDIR(st.st_mode) else "f" if stat.S_ISREG(st.st_mode) else "?"
    return Entry(kind, stat.S_IMODE(st.st_mode),
                 _name(pwd.getpwuid, st.st_uid, root / "etc/passwd"),
                 _name(grp.getgrgid, st.st_gid, root / "etc/group"))
