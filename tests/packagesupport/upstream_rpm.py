"""A stand-in for upstream's ovirt-hosted-engine-ha-2.5.2-1 RPM, and rpm on
a scratch root.

The stand-in carries upstream's file list and attributes (spec/broker.md
§1.5: `%config(noreplace)` configuration, vdsm:kvm 0700 log and state
directories, the sudoers file, the units, daemons and Python package in
EL's paths) with the texts of upstream_host.py; its programs are
placeholders. `rpm --root` keeps its database in the scratch root and takes
user names from the root's /etc/passwd. Scriptlets are not run
(--noscripts): ours call systemctl and systemd-tmpfiles on the live system.
"""

from __future__ import annotations

import subprocess
from pathlib import Path

from ovirt_hosted_engine_ha.lab import conffiles

from . import upstream_host

PYTHON_INIT = "usr/lib/python3.6/site-packages/ovirt_hosted_engine_ha/__init__.py"
# rel path -> (text, %files line prefix)
FILES: dict[str, tuple[str, str]] = {
    "etc/ovirt-hosted-engine-ha/broker-log.conf": ("", "%config(noreplace)"),
    "etc/ovirt-hosted-engine-ha/agent-log.conf": ("", "%config(noreplace)"),
    "etc/ovirt-hosted-engine-ha/agent.conf": ("", "%config(noreplace)"),
    "etc/ovirt-hosted-engine-ha/notifications/state_transition.txt": ("", "%config(noreplace)"),
    "etc/sudoers.d/60_ovirt-ha": ("", "%attr(0440, root, root)"),
    "usr/libexec/ovirt-hosted-engine-ha/ovirt-ha-broker": ("", "%attr(0755, root, root)"),
    "usr/libexec/ovirt-hosted-engine-ha/ovirt-ha-agent": ("", "%attr(0755, root, root)"),
    "usr/lib/systemd/system/ovirt-ha-broker.service": ("", ""),
    "usr/lib/systemd/system/ovirt-ha-agent.service": ("", ""),
    PYTHON_INIT: ("", ""),
    "var/lib/ovirt-hosted-engine-ha/broker.conf":
        (conffiles.broker_conf(), "%config(noreplace) %attr(0644, vdsm, kvm)"),
    "var/lib/ovirt-hosted-engine-ha/ha.conf": ("", "%config(noreplace) %attr(0644, vdsm, kvm)"),
}
DIRS = ("%dir %attr(0700, vdsm, kvm) /var/lib/ovirt-hosted-engine-ha",
        "%dir %attr(0700, vdsm, kvm) /var/log/ovirt-hosted-engine-ha",
        "%ghost %dir %attr(0755, vdsm, kvm) /var/run/ovirt-hosted-engine-ha",
        "%dir /etc/ovirt-hosted-engine-ha", "%dir /etc/ovirt-hosted-engine-ha/notifications",
        "%dir /usr/libexec/ovirt-hosted-engine-ha",
        "%dir /usr/lib/python3.6/site-packages/ovirt_hosted_engine_ha")

SPEC = """Name: ovirt-hosted-engine-ha
Version: 2.5.2
Release: 1
Summary: stand-in for upstream's package (tests only)
License: LGPL-2.1-or-later
BuildArch: noarch

%description
Stand-in for upstream's ovirt-hosted-engine-ha 2.5.2-1 (tests only).

%install
cp -a {stage}/. %{{buildroot}}/
mkdir -p %{{buildroot}}/var/log/ovirt-hosted-engine-ha %{{buildroot}}/var/run/ovirt-hosted-engine-ha

%files
{files}
"""


def text_of(rel: str) -> str:
    text, _ = FILES[rel]
    return text or upstream_host.FILES[rel][0]


def build(workdir: Path) -> Path:
    """rpmbuild the stand-in in `workdir`; return the .rpm."""
    stage = workdir / "stage"
    for rel in FILES:
        path = stage / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text_of(rel))
    lines = [f"{prefix} /{rel}".strip() for rel, (_, prefix) in FILES.items()]
    spec = workdir / "upstream.spec"
    spec.write_text(SPEC.format(stage=stage, files="\n".join(list(DIRS) + lines)))
    run(["rpmbuild", "-bb", "--nodeps", "--define", f"_topdir {workdir / 'top'}", str(spec)])
    return next((workdir / "top/RPMS/noarch").glob("*.rpm"))


def rpm(root: Path, *args: str) -> str:
    return run(["rpm", f"--root={root}", *args])


def run(command: list[str]) -> str:
    result = subprocess.run(command, capture_output=True, text=True, timeout=300)
    if result.returncode:
        raise AssertionError(f"{' '.join(command)} failed:\n{result.stdout}{result.stderr}")
    return result.stdout


def init_root(root: Path) -> None:
    (root / "etc").mkdir(parents=True)
    (root / "etc/passwd").write_text(upstream_host.PASSWD)
    (root / "etc/group").write_text(upstream_host.GROUP)
    rpm(root, "--initdb")


def install(root: Path, package: Path, *flags: str) -> str:
    """rpm -U (install or upgrade) without dependencies or scriptlets."""
    return rpm(root, "-U", "--nodeps", "--noscripts", *flags, str(package))
