"""The host's local copies of the shared configuration, written by the broker.

The broker refreshes them from shared storage (broker/config_refresher.py);
the agent and the notifications read only these files:

- vm.conf: hosted-engine.conf `conf` (default
  /var/run/ovirt-hosted-engine-ha/vm.conf), with upstream's 3-line header;
- hosted-engine.conf as shared on the configuration volume:
  /var/lib/ovirt-hosted-engine-ha/hosted-engine.conf;
- broker.conf: /var/lib/ovirt-hosted-engine-ha/broker.conf.

Every write replaces the file atomically (readers see the old or the new
content) and only when the content changed.
"""

from __future__ import annotations

import time
from pathlib import Path

from ..env import config, constants, paths
from . import atomicfile

VM_CONF_HEADER = (
    "# Editing the hosted engine VM is only possible via the manager UI\\API\n"
    "# This file was generated at {date}\n"
    "\n"
)


def vm_conf_path(conf: config.HostedEngineConf) -> Path:
    return paths.resolve(conf.get("conf") or constants.LOCAL_VM_CONF_PATH)


def shared_conf_path(member: str) -> Path:
    """Where the configuration volume's `member` is kept on this host."""
    if member == constants.NOTIFY_BROKER_CONF_MEMBER:
        return paths.resolve(constants.NOTIFY_CONF_FILE)
    return paths.resolve(constants.CACHED_ENGINE_SETUP_CONF_FILE)


def vm_conf_body(text: str) -> str:
    """vm.conf without the generated header (what the comparison uses)."""
    lines = text.splitlines(keepends=True)
    header_lines = VM_CONF_HEADER.count("\n")
    if len(lines) >= header_lines and lines[0].startswith("# Editing the hosted engine VM"):
        return "".join(lines[header_lines:])
    return text


def _current(path: Path) -> str | None:
    try:
        return path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return None


def write_vm_conf(path: Path, body: str) -> bool:
    """Write vm.conf with its header unless it already holds `body`; True if written."""
    current = _current(path)
    if current is not None and vm_conf_body(current) == body:
        return False
    atomicfile.replace_text(path, VM_CONF_HEADER.format(date=time.ctime()) + body)
    return True


def write_text(path: Path, text: str) -> bool:
    """Write `text` unless the file already holds it; True if written."""
    if _current(path) == text:
        return False
    atomicfile.replace_text(path, text)
    return True
