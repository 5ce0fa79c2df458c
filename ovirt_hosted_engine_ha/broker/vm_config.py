"""Where the engine VM's configuration comes from: the OVF_STORE, else the
configuration volume (spec/agent.md §6.4).

`VmConfigSource.read()` returns vm.conf's body and which source gave it:

1. "ovf": `<vmid>.ovf` (hosted-engine.conf `vmid`) from the domain's
   OVF_STORE volumes, converted (lib/ovf). The volumes found by a scan are
   kept and tried newest-found first (upstream: the last match wins); when
   none of them can be read, or none was found, the next read scans again.
   A document naming another VM id is refused.
2. "conf-volume": member `vm.conf` of the configuration volume, when the
   OVF_STORE gave nothing usable; the OVF problem is returned alongside.

Both fail: `VmConfigError` with both causes.
"""

from __future__ import annotations

import dataclasses
import logging
from typing import Any

from ..env import config, constants
from ..lib import conf_archive, exceptions
from ..lib.ovf import document, store, vm_params

log = logging.getLogger(__name__)

SOURCE_OVF = "ovf"
SOURCE_CONF_VOLUME = "conf-volume"


class VmConfigError(exceptions.DetailError):
    """Neither the OVF_STORE nor the configuration volume gave a vm.conf."""


@dataclasses.dataclass(frozen=True)
class VmConfig:
    body: str
    source: str
    ovf_problem: str | None = None     # why the OVF_STORE was not used


class VmConfigSource:
    def __init__(self, conf: config.HostedEngineConf, call: conf_archive.VdsmCall) -> None:
        self._conf = conf
        self._call = call
        self._volumes: list[store.OvfStoreVolume] = []

    def read(self) -> VmConfig:
        try:
            return VmConfig(self._from_ovf(), SOURCE_OVF)
        except (store.OvfStoreError, document.OvfError, UnicodeDecodeError) as e:
            ovf_problem = str(e)
        try:
            return VmConfig(self.from_conf_volume(), SOURCE_CONF_VOLUME, ovf_problem)
        except (conf_archive.ConfVolumeError, UnicodeDecodeError) as e:
            raise VmConfigError(f"no OVF_STORE ({ovf_problem}) and no configuration "
                                f"volume ({e})") from None

    def _from_ovf(self) -> str:
        vm_id = self._conf.get("vmid")
        if vm_id is None:
            raise document.OvfError(f"{self._conf.path} names no vmid")
        if not self._volumes:
            self._volumes = store.find_volumes(self._call, self._conf.sd_uuid,
                                               self._conf.sp_uuid)
            if not self._volumes:
                raise store.OvfStoreError(
                    f"no OVF_STORE volume in storage domain {self._conf.sd_uuid}")
            log.info("OVF_STORE volumes: %s",
                     ", ".join(f"{v.image}/{v.volume}" for v in self._volumes))
        problems = []
        for volume in reversed(self._volumes):
            try:
                data = store.read_member(volume.path, f"{vm_id}.ovf")
            except store.OvfStoreError as e:
                problems.append(str(e))
                continue
            vm = document.parse(data)
            if vm.vm_id != vm_id:
                raise document.OvfError(
                    f"{vm_id}.ovf in {volume.path} describes VM {vm.vm_id}")
            return vm_params.to_vm_conf(vm)
        self._volumes = []
        raise store.OvfStoreError("; ".join(problems))

    def from_conf_volume(self) -> str:
        volume = conf_archive.volume_path(self._conf, self._call)
        if volume is None:
            raise conf_archive.ConfVolumeError(f"{self._conf.path} names no configuration "
                                               "volume")
        return conf_archive.read_member(volume, constants.VM_CONF_MEMBER).decode("utf-8")


def shared_members(conf: config.HostedEngineConf, call: Any) -> dict[str, str]:
    """hosted-engine.conf and broker.conf as the configuration volume holds them."""
    volume = conf_archive.volume_path(conf, call)
    if volume is None:
        raise conf_archive.ConfVolumeError(f"{conf.path} names no configuration volume")
    names = (constants.HE_CONF_MEMBER, constants.NOTIFY_BROKER_CONF_MEMBER)
    try:
        return {name: data.decode("utf-8")
                for name, data in conf_archive.read_members(volume, names).items()}
    except UnicodeDecodeError as e:
        raise conf_archive.ConfVolumeError(f"configuration volume {volume}: {e}") from None
