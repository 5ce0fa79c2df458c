"""A lab host's root laid out as a host running upstream 2.5.2.

What upstream's RPM and a deployed host leave there (spec/broker.md §1.4,
§1.5, §9.3, §10; spec/agent.md §1, §4.1, §8.4): configuration in
/etc/ovirt-hosted-engine-ha, state files and log files owned by vdsm:kvm
(36:36, vdsm's own ids) in 0700 directories, the agent's vm.conf copy in the
runtime directory, the sudoers file, the units and daemons. The texts are
written here from those facts; program files are placeholders that never
run. The root is usr-merged (lib -> usr/lib) as on EL and Debian 12.

`backup` / `restore` are README's rollback steps: a tar of upstream's files
taken before the upgrade, extracted back after `dpkg --remove`, then our
leftovers (the logrotate file, *.dpkg-dist) deleted.
"""

from __future__ import annotations

import hashlib
import os
import stat
import subprocess
import tarfile
from pathlib import Path

VDSM = 36
PASSWD = ("root:x:0:0:root:/root:/bin/bash\n"
          "vdsm:x:36:36:Node Virtualization Manager:/var/lib/vdsm:/sbin/nologin\n")
GROUP = "root:x:0:\nkvm:x:36:qemu,sanlock\n"


LONG_FORMAT = ("%(threadName)s::%(levelname)s::%(asctime)s::%(module)s::%(lineno)d::%(name)s"
               "::(%(funcName)s) %(message)s")


def _log_conf(program: str) -> str:
    return f"""[loggers]
keys=root

[handlers]
keys=syslog,logfile

[formatters]
keys=long,sysform

[logger_root]
level=INFO
handlers=syslog,logfile
propagate=0

[handler_syslog]
level=ERROR
class=handlers.SysLogHandler
formatter=sysform
args=('/dev/log', handlers.SysLogHandler.LOG_USER)

[handler_logfile]
class=logging.handlers.TimedRotatingFileHandler
args=('/var/log/ovirt-hosted-engine-ha/{program}.log', 'd', 1, 7)
level=DEBUG
formatter=long

[formatter_long]
format={LONG_FORMAT}

[formatter_sysform]
format=ovirt-ha-{program} %(name)s %(levelname)s %(message)s
datefmt=
"""


AGENT_CONF = """# Same values on every host of the cluster.
[score]
base-score=3400
network-score-penalty=1600
not-uptodate-config-penalty=1000
mgmt-bridge-score-penalty=600
free-memory-score-penalty=400
cpu-load-score-penalty=1000
engine-retry-score-penalty=50
cpu-load-penalty-min=0.4
cpu-load-penalty-max=0.9
"""

STATE_TRANSITION = """From: {source-email}
To: {destination-emails}
Subject: ovirt-hosted-engine state transition {detail}

The state machine changed state on {hostname}: {detail}.
"""

UNIT_BROKER = """[Unit]
Description=oVirt Hosted Engine High Availability Communications Broker
ConditionFileNotEmpty=/etc/ovirt-hosted-engine/hosted-engine.conf
After=ovirt-early.service

[Service]
EnvironmentFile=-/etc/sysconfig/ovirt-ha-broker
ExecStart=/usr/libexec/ovirt-hosted-engine-ha/ovirt-ha-broker
Restart=on-failure
StandardOutput=null
User=vdsm
Group=kvm
RuntimeDirectory=ovirt-hosted-engine-ha
RuntimeDirectoryMode=0755

[Install]
WantedBy=multi-user.target
"""

UNIT_AGENT = """[Unit]
Description=oVirt Hosted Engine High Availability Monitoring Agent
ConditionFileNotEmpty=/etc/ovirt-hosted-engine/hosted-engine.conf
Wants=ovirt-ha-broker.service vdsmd.service sanlock.service
After=ovirt-early.service ovirt-ha-broker.service vdsmd.service sanlock.service

[Service]
EnvironmentFile=-/etc/sysconfig/ovirt-ha-agent
ExecStart=/usr/libexec/ovirt-hosted-engine-ha/ovirt-ha-agent
Restart=always
RestartSec=10s
StandardOutput=null
User=vdsm
Group=kvm

[Install]
WantedBy=multi-user.target
Also=ovirt-ha-broker.service
"""

SUDOERS = "Cmnd_Alias OVIRT_HA = /usr/sbin/losetup, /usr/bin/mount, /usr/bin/umount\n" \
          "vdsm ALL=(ALL) NOPASSWD: OVIRT_HA\n"


def _placeholder(program: str) -> str:
    return f"#!/usr/bin/python3\n# stands for upstream 2.5.2's {program} (never run here)\n"


# rel path -> (text, mode, owned by vdsm:kvm)
FILES: dict[str, tuple[str, int, bool]] = {
    "etc/passwd": (PASSWD, 0o644, False),
    "etc/group": (GROUP, 0o644, False),
    "etc/ovirt-hosted-engine-ha/broker-log.conf": (_log_conf("broker"), 0o644, False),
    "etc/ovirt-hosted-engine-ha/agent-log.conf": (_log_conf("agent"), 0o644, False),
    "etc/ovirt-hosted-engine-ha/agent.conf": (AGENT_CONF, 0o644, False),
    "etc/ovirt-hosted-engine-ha/notifications/state_transition.txt":
        (STATE_TRANSITION, 0o644, False),
    "etc/sudoers.d/60_ovirt-ha": (SUDOERS, 0o440, False),
    "var/lib/ovirt-hosted-engine-ha/ha.conf":
        ("local_maintenance=False\nlocal_maintenance_manual=False\n", 0o644, True),
    "var/log/ovirt-hosted-engine-ha/broker.log":
        ("MainThread::INFO::2026-12-01 10:00:00,000::broker::1::ovirt_hosted_engine_ha"
         ".broker.broker.Broker::(run) ovirt-hosted-engine-ha broker 2.5.2 started\n",
         0o640, True),
    "var/log/ovirt-hosted-engine-ha/agent.log":
        ("MainThread::INFO::2026-12-01 10:00:00,000::agent::1::ovirt_hosted_engine_ha"
         ".agent.agent.Agent::(run) ovirt-hosted-engine-ha agent 2.5.2 started\n", 0o640, True),
    "run/ovirt-hosted-engine-ha/vm.conf": ("vmId=lab-engine\nmemSize=4096\n", 0o644, True),
    "usr/libexec/ovirt-hosted-engine-ha/ovirt-ha-broker": (_placeholder("broker"), 0o755, False),
    "usr/libexec/ovirt-hosted-engine-ha/ovirt-ha-agent": (_placeholder("agent"), 0o755, False),
    "usr/lib/systemd/system/ovirt-ha-broker.service": (UNIT_BROKER, 0o644, False),
    "usr/lib/systemd/system/ovirt-ha-agent.service": (UNIT_AGENT, 0o644, False),
    "usr/lib/python3.6/site-packages/ovirt_hosted_engine_ha/__init__.py":
        ("# stands for upstream 2.5.2's Python package\n", 0o644, False),
}
# Directories owned vdsm:kvm 0700 (spec/broker.md §1.5).
VDSM_DIRS = ("var/log/ovirt-hosted-engine-ha", "var/lib/ovirt-hosted-engine-ha")
# What upstream's package owns: the administrator's backup before the upgrade.
BACKUP = ("etc/ovirt-hosted-engine-ha", "etc/sudoers.d/60_ovirt-ha",
          "usr/libexec/ovirt-hosted-engine-ha", "usr/lib/systemd/system/ovirt-ha-broker.service",
          "usr/lib/systemd/system/ovirt-ha-agent.service", "usr/lib/python3.6/site-packages")
# Configuration and state that the upgrade must leave exactly as they were.
KEPT = ("etc/passwd", "etc/group", "etc/ovirt-hosted-engine-ha",
        "etc/ovirt-hosted-engine/hosted-engine.conf", "etc/sudoers.d",
        "var/lib/ovirt-hosted-engine-ha", "var/log/ovirt-hosted-engine-ha/broker.log",
        "var/log/ovirt-hosted-engine-ha/agent.log", "run/ovirt-hosted-engine-ha/vm.conf")
# Files of ours that stay after `dpkg --remove`, deleted by the rollback.
OUR_LEFTOVERS = ("etc/logrotate.d/ovirt-hosted-engine-ha",)


def lay_out(root: Path) -> None:
    """Add upstream's files to a lab host root (its hosted-engine.conf and
    broker.conf are already there, as a deployment leaves them)."""
    if not (root / "lib").exists():
        (root / "usr/lib").mkdir(parents=True, exist_ok=True)
        (root / "lib").symlink_to("usr/lib")
    for rel, (text, mode, vdsm) in FILES.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
        path.chmod(mode)
        if vdsm:
            os.chown(path, VDSM, VDSM)
    broker_conf = root / "var/lib/ovirt-hosted-engine-ha/broker.conf"
    os.chown(broker_conf, VDSM, VDSM)
    cached = root / "var/lib/ovirt-hosted-engine-ha/hosted-engine.conf"
    cached.write_bytes((root / "etc/ovirt-hosted-engine/hosted-engine.conf").read_bytes())
    os.chown(cached, VDSM, VDSM)
    for rel in VDSM_DIRS:
        os.chown(root / rel, VDSM, VDSM)
        (root / rel).chmod(0o700)


def _describe(path: Path) -> tuple[object, ...]:
    st = os.lstat(path)
    if stat.S_ISLNK(st.st_mode):
        content: str = "-> " + os.readlink(path)
    elif stat.S_ISREG(st.st_mode):
        content = hashlib.sha256(path.read_bytes()).hexdigest()
    else:
        content = ""
    return (stat.S_IFMT(st.st_mode), stat.S_IMODE(st.st_mode), st.st_uid, st.st_gid, content)


def snapshot(root: Path, rels: tuple[str, ...]) -> dict[str, tuple[object, ...]]:
    """rel path -> (type, mode, uid, gid, sha256) for `rels` and what they contain."""
    found = {}
    for rel in rels:
        top = root / rel
        paths = [top] + (sorted(top.rglob("*")) if top.is_dir() and not top.is_symlink() else [])
        for path in paths:
            if path.exists() or path.is_symlink():
                found[str(path.relative_to(root))] = _describe(path)
    return found


def backup(root: Path, archive: Path) -> None:
    """`tar -cpf archive` of upstream's files, paths relative to the root."""
    with tarfile.open(archive, "w") as tar:
        for rel in BACKUP:
            tar.add(root / rel, arcname=rel)


def restore(root: Path, archive: Path) -> None:
    """Rollback after `dpkg --remove`: upstream's files back, our leftovers gone."""
    subprocess.run(["tar", "-xpf", str(archive), "-C", str(root)], check=True, timeout=120)
    for rel in OUR_LEFTOVERS:
        (root / rel).unlink(missing_ok=True)
    for dist in (root / "etc/ovirt-hosted-engine-ha").rglob("*.dpkg-dist"):
        dist.unlink()
