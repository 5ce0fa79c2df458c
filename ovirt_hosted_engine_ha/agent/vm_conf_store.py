"""The agent's vm.conf: the local copy the broker keeps fresh.

The broker reads the engine VM's configuration from the OVF_STORE (else the
configuration volume) on its own period and writes it to the path named by
hosted-engine.conf `conf` (default /var/run/ovirt-hosted-engine-ha/vm.conf,
under OVIRT_HA_ROOT; broker/config_refresher.py, lib/local_copies.py). The
agent reads that file only: its cycle does no storage reads. The broker
reports how fresh the copy is through its "vm-config" monitor.

Runtime directory (spec/reliability.md R24): upstream keeps this copy in the
broker's systemd RuntimeDirectory, which systemd empties whenever the
broker stops. We keep the path; the units must not delete it on a broker
restart (RuntimeDirectoryPreserve=yes on the broker, or the agent's own
RuntimeDirectory for the same path); the broker writes it again before it
answers anyway.
"""

from __future__ import annotations

import logging

from ..env import config
from ..lib import local_copies
from .vm_conf import VmConf, VmConfError

log = logging.getLogger(__name__)



class VmConfStore:
    def __init__(self, conf: config.HostedEngineConf) -> None:
        self.path = local_copies.vm_conf_path(conf)

    def refresh(self, now: int, epoch: int) -> VmConf:
        """Read the local vm.conf; `now`/`epoch` stamp it."""
        try:
            text = self.path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as e:
            raise VmConfError(f"no usable vm.conf: cannot read {self.path} (written by the "
                              f"broker): {e}") from None
        return VmConf.from_text(text, refreshed=now, epoch=epoch)
