"""Where vm.conf comes from on a host, and where the agent keeps its copy.

The source is member `vm.conf` of the hosted-engine configuration volume
(located as the broker's notifications do, lib/conf_archive.py). The engine's
OVF_STORE, which upstream tries first, is not read. Each refresh writes the
copy named by hosted-engine.conf `conf` (default
/var/run/ovirt-hosted-engine-ha/vm.conf, under OVIRT_HA_ROOT) with a short
header; when the volume cannot be read, the existing copy is used.

Runtime directory (spec/reliability.md R24): upstream keeps this copy in the
broker's systemd RuntimeDirectory, which systemd empties whenever the
broker stops. We keep the path; the units must not delete it on a broker
restart (RuntimeDirectoryPreserve=yes on the broker, or the agent's own
RuntimeDirectory for the same path). The agent re-creates the file at its
next refresh anyway and falls back to it only when the volume is unreadable.
"""

from __future__ import annotations

import logging
import time
from pathlib import Path

from ..env import config, constants, paths
from ..lib import atomicfile, conf_archive
from .vm_conf import VmConf, VmConfError

log = logging.getLogger(__name__)

HEADER = (
    "# Editing the hosted engine VM is only possible via the manager UI\\API\n"
    "# This file was generated at {date}\n"
    "\n"
)


def local_path(conf: config.HostedEngineConf) -> Path:
    return paths.resolve(conf.get("conf") or constants.LOCAL_VM_CONF_PATH)


def _write(path: Path, text: str) -> None:
    atomicfile.replace_text(path, text)


class VmConfStore:
    def __init__(self, conf: config.HostedEngineConf, call: conf_archive.VdsmCall) -> None:
        self._conf = conf
        self._call = call
        self.path = local_path(conf)
        self._last_problem: str | None = None

    def refresh(self, now: int, epoch: int) -> VmConf:
        """Read vm.conf from the volume (or the local copy); `now`/`epoch` stamp it."""
        try:
            text = self._from_volume()
        except (conf_archive.ConfVolumeError, UnicodeDecodeError, OSError) as e:
            problem = f"cannot refresh vm.conf from the configuration volume: {e}"
            if problem != self._last_problem:
                log.warning("%s; using %s", problem, self.path)
                self._last_problem = problem
            return self._from_copy(now, epoch)
        self._last_problem = None
        _write(self.path, HEADER.format(date=time.ctime()) + text)
        return VmConf.from_text(text, refreshed=now, epoch=epoch)

    def _from_volume(self) -> str:
        volume = conf_archive.volume_path(self._conf, self._call)
        if volume is None:
            raise conf_archive.ConfVolumeError(
                f"{self._conf.path} names no configuration volume")
        return conf_archive.read_member(volume, constants.VM_CONF_MEMBER).decode("utf-8")

    def _from_copy(self, now: int, epoch: int) -> VmConf:
        try:
            text = self.path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as e:
            raise VmConfError(f"no usable vm.conf: cannot read {self.path}: {e}") from None
        return VmConf.from_text(text, refreshed=now, epoch=epoch)
