"""The RPM's file list as rpm reports it, and what upstream's layout expects.

Upstream's spec (spec/broker.md §1.5): configuration `%config(noreplace)`
("cn"), log and state directories 0700 vdsm:kvm, log files and the runtime
directory `%ghost` ("g"), local state files `%config(noreplace)` vdsm:kvm.
"""

from __future__ import annotations

import dataclasses
import subprocess
from pathlib import Path

QUERY = "[%{FILEMODES:perms} %{FILEUSERNAME}:%{FILEGROUPNAME} %{FILEFLAGS:fflags}|%{FILENAMES}\n]"


@dataclasses.dataclass(frozen=True)
class RpmFile:
    perms: str
    owner: str
    flags: str


def files(rpm: Path) -> dict[str, RpmFile]:
    out = subprocess.run(["rpm", "-qp", "--nosignature", "--qf", QUERY, str(rpm)],
                         capture_output=True, text=True, check=True, timeout=60).stdout
    found = {}
    for line in out.splitlines():
        attrs, _, path = line.partition("|")
        perms, owner, *flags = attrs.split(" ")
        found[path] = RpmFile(perms, owner, "".join(flags))
    return found


ROOT = "root:root"
VDSM = "vdsm:kvm"
CONF = "/etc/ovirt-hosted-engine-ha"
TABLE: dict[str, RpmFile] = {
    "/usr/libexec/ovirt-hosted-engine-ha": RpmFile("drwxr-xr-x", ROOT, ""),
    "/usr/libexec/ovirt-hosted-engine-ha/ovirt-ha-broker": RpmFile("-rwxr-xr-x", ROOT, ""),
    "/usr/libexec/ovirt-hosted-engine-ha/ovirt-ha-agent": RpmFile("-rwxr-xr-x", ROOT, ""),
    "/usr/bin/ovirt-ha-client": RpmFile("-rwxr-xr-x", ROOT, ""),
    CONF: RpmFile("drwxr-xr-x", ROOT, ""),
    f"{CONF}/broker-log.conf": RpmFile("-rw-r--r--", ROOT, "cn"),
    f"{CONF}/agent-log.conf": RpmFile("-rw-r--r--", ROOT, "cn"),
    f"{CONF}/agent.conf": RpmFile("-rw-r--r--", ROOT, "cn"),
    f"{CONF}/notifications": RpmFile("drwxr-xr-x", ROOT, ""),
    f"{CONF}/notifications/state_transition.txt": RpmFile("-rw-r--r--", ROOT, "cn"),
    "/etc/logrotate.d/ovirt-hosted-engine-ha": RpmFile("-rw-r--r--", ROOT, "cn"),
    "/usr/lib/systemd/system/ovirt-ha-broker.service": RpmFile("-rw-r--r--", ROOT, ""),
    "/usr/lib/systemd/system/ovirt-ha-agent.service": RpmFile("-rw-r--r--", ROOT, ""),
    "/usr/lib/tmpfiles.d/ovirt-hosted-engine-ha.conf": RpmFile("-rw-r--r--", ROOT, ""),
    "/usr/lib/sysusers.d/ovirt-hosted-engine-ha.conf": RpmFile("-rw-r--r--", ROOT, ""),
    "/var/lib/ovirt-hosted-engine-ha": RpmFile("drwx------", VDSM, ""),
    "/var/lib/ovirt-hosted-engine-ha/broker.conf": RpmFile("-rw-r--r--", VDSM, "cn"),
    "/var/lib/ovirt-hosted-engine-ha/ha.conf": RpmFile("-rw-r--r--", VDSM, "cn"),
    "/var/log/ovirt-hosted-engine-ha": RpmFile("drwx------", VDSM, ""),
    "/var/log/ovirt-hosted-engine-ha/broker.log": RpmFile("-rw-r-----", VDSM, "g"),
    "/var/log/ovirt-hosted-engine-ha/agent.log": RpmFile("-rw-r-----", VDSM, "g"),
    "/var/run/ovirt-hosted-engine-ha": RpmFile("drwxr-xr-x", VDSM, "g"),
}
