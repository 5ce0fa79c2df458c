"""The broker monitors the agent needs, and what their answers mean.

Six monitors, started in this order with these options (spec/agent.md §1.6,
spec/monitors.md §1.7); the broker's monitor id is the type name. Answers
are upstream's strings: numbers, "True"/"False", JSON, or "None" when the
monitor has no value yet. Conversion differs from upstream on purpose
(design.md §7): "None" (or anything unreadable) is *unknown* for every
monitor and costs no penalty; "False" from the storage-domain monitor is a
failure (upstream's truthiness test passed it).
"""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import Callable, Mapping

from .model import EngineStatus

log = logging.getLogger(__name__)

Options = dict[str, str | None]

NETWORK = "network"
BRIDGE = "bridge"
MEM_FREE = "mem-free"
CPU_LOAD = "cpu-load"
ENGINE_HEALTH = "engine-health"
STORAGE_DOMAIN = "storage-domain"


@dataclasses.dataclass(frozen=True)
class MonitorSpec:
    field: str          # the agent's name for the value
    type: str           # the broker's monitor type (and id)
    options: Options


def required_monitors(conf: Mapping[str, str | None]) -> tuple[MonitorSpec, ...]:
    """The monitors upstream starts, from hosted-engine.conf values (None when absent)."""
    use_ssl = conf.get("vdsm_use_ssl")
    vmid = conf.get("vmid")
    return (
        MonitorSpec(NETWORK, "network", {
            "addr": conf.get("gateway"),
            "network_test": conf.get("network_test"),
            "tcp_t_address": conf.get("tcp_t_address"),
            "tcp_t_port": conf.get("tcp_t_port"),
        }),
        MonitorSpec(BRIDGE, "mgmt-bridge", {
            "address": "0", "use_ssl": use_ssl, "bridge_name": conf.get("bridge")}),
        MonitorSpec(MEM_FREE, "mem-free", {"address": "0", "use_ssl": use_ssl}),
        MonitorSpec(CPU_LOAD, "cpu-load-no-engine", {
            "address": "0", "use_ssl": use_ssl, "vm_uuid": vmid}),
        MonitorSpec(ENGINE_HEALTH, "engine-health", {
            "address": "0", "use_ssl": use_ssl, "vm_uuid": vmid}),
        MonitorSpec(STORAGE_DOMAIN, "storage-domain", {"sd_uuid": conf.get("sdUUID")}),
    )


def _number(text: str) -> float | None:
    try:
        return float(text)
    except ValueError:
        return None


def _boolean(text: str) -> bool | None:
    return {"True": True, "False": False}.get(text)


def _engine(text: str) -> EngineStatus | None:
    return None if text == "None" else EngineStatus.from_json(text)


CONVERTERS: dict[str, Callable[[str], object]] = {
    NETWORK: _number,
    BRIDGE: _boolean,
    MEM_FREE: _number,
    CPU_LOAD: _number,
    ENGINE_HEALTH: _engine,
    STORAGE_DOMAIN: _boolean,
}


def convert(field: str, text: str | None) -> object:
    """The value of monitor `field` from its answer; None when unknown."""
    if text is None or text == "None":
        return None
    return CONVERTERS[field](text)
