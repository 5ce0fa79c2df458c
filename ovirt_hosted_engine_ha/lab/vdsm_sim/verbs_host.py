"""The Host namespace: ping, statistics, storage domain monitors, HA maintenance."""

import logging
import time
from collections.abc import Callable

from . import errors
from .state import SimState

log = logging.getLogger(__name__)

HA_STATS = {"configured": False, "active": False, "score": 0,
            "globalMaintenance": False, "localMaintenance": False}


def ping2(state: SimState) -> bool:
    return True


def get_stats(state: SimState) -> dict[str, object]:
    k = state.knobs
    busy = min(k.cpu_load * 100, 100.0)
    vms = state.vms.snapshot()
    return {
        "memFree": k.mem_free,
        "memAvailable": k.mem_free,
        "memCommitted": 0,
        "memShared": 0,
        "memUsed": "20",
        "swapFree": 0,
        "swapTotal": 0,
        "cpuLoad": f"{k.cpu_load:.2f}",
        "cpuUser": f"{busy * 0.7:.2f}",
        "cpuSys": f"{busy * 0.3:.2f}",
        "cpuIdle": f"{100 - busy:.2f}",
        "network": {state.bridge: _bridge_stats(state)},
        "storageDomains": state.monitors.vitals(),
        "elapsedTime": str(int(time.monotonic() - state.started)),
        "vmCount": len(vms),
        "vmActive": sum(1 for s in vms.values() if s != "Down"),
        "vmMigrating": 0,
        "haStats": dict(HA_STATS),
    }


def _bridge_stats(state: SimState) -> dict[str, object]:
    return {
        "name": state.bridge,
        "state": "up" if state.knobs.bridge_up else "down",
        "speed": "1000",
        "duplex": "unknown",
        "rx": "0", "tx": "0",
        "rxErrors": "0", "txErrors": "0",
        "rxDropped": "0", "txDropped": "0",
        "sampleTime": time.time(),
    }


def get_storage_repo_stats(state: SimState, domains: list[str] | None = None) -> dict:
    return state.monitors.vitals(domains)


def start_monitoring_domain(state: SimState, sdUUID: str, hostID: int) -> bool:
    state.monitors.start(sdUUID, int(hostID))
    return True


def stop_monitoring_domain(state: SimState, sdUUID: str) -> bool:
    state.monitors.stop(sdUUID)
    return True


def get_vm_list(state: SimState, onlyUUID: bool = True) -> list:
    vms = state.vms.snapshot()
    if onlyUUID:
        return sorted(vms)
    return [{"vmId": vm_id, "status": status} for vm_id, status in sorted(vms.items())]


class MaintenanceFailed(errors.VdsmError):
    default_code = 61
    template = "Failed to set Hosted Engine HA policy: {detail}"


def set_ha_maintenance_mode(state: SimState, mode: str, enabled: bool) -> dict:
    """As vdsm (spec/vdsm.md §3.3): HAClient.set_maintenance_mode(GLOBAL|LOCAL, enabled).

    LOCAL writes this host's ha.conf (the simulator runs with its
    OVIRT_HA_ROOT); GLOBAL goes through this host's broker.
    """
    from ...client.client import HAClient

    modes = {"global": HAClient.MaintenanceMode.GLOBAL,
             "local": HAClient.MaintenanceMode.LOCAL}
    chosen = modes.get(str(mode).lower())
    if chosen is None:
        raise MaintenanceFailed(f"unknown mode {mode!r}")
    try:
        HAClient().set_maintenance_mode(chosen, bool(enabled), timeout=60)
    except Exception as e:
        log.error("setHaMaintenanceMode(%s, %s) failed: %s", mode, enabled, e)
        raise MaintenanceFailed(str(e)) from None
    log.info("HA maintenance mode %s set to %s", chosen, bool(enabled))
    return {"code": 0, "message": "Done"}


VERBS: dict[str, Callable[..., object]] = {
    "Host.ping2": ping2,
    "Host.getStats": get_stats,
    "Host.getStorageRepoStats": get_storage_repo_stats,
    "Host.startMonitoringDomain": start_monitoring_domain,
    "Host.stopMonitoringDomain": stop_monitoring_domain,
    "Host.getVMList": get_vm_list,
    "Host.setHaMaintenanceMode": set_ha_maintenance_mode,
}
