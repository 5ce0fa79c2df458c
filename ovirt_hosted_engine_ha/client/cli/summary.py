"""The one-line-per-host summary that `vm-status` prints first.

Hosts are grouped so that the ones an administrator looks for stand out:
where the engine runs; hosts with a problem (unreadable metadata, stale
data, score 0, local maintenance); then the hosts ready to take over, best
score first. Within a group, by host id.
"""

import json
from typing import Any

from ..client import LIVE_DATA, METADATA_ERROR

DETAIL_HOSTS = 8
GROUPS = (
    "engine VM running",
    "metadata unreadable",
    "stale: no update within the liveness window",
    "score 0",
    "local maintenance",
    "ready (score > 0), best first",
)
HEADER = f"{'id':>5}  {'hostname':<28} {'state':<24} {'score':>5}  {'engine':<18} freshness"


def _state(entry: dict[str, Any]) -> str:
    for line in str(entry.get("extra", "")).splitlines():
        key, _, value = line.partition("=")
        if key == "state":
            return value
    return "-"


def _engine(entry: dict[str, Any]) -> tuple[str, bool]:
    """(short engine status, whether the VM runs there)."""
    try:
        status = json.loads(entry.get("engine-status", ""))
    except (TypeError, ValueError):
        return str(entry.get("engine-status", "-"))[:18], False
    if not isinstance(status, dict):
        return str(status)[:18], False
    vm = str(status.get("vm", "?"))
    health = status.get("health")
    return (f"{vm}/{health}" if vm == "up" and health else vm), vm == "up"


def _group(entry: dict[str, Any], running: bool) -> int:
    fresh = entry.get(LIVE_DATA, True)
    if running and fresh:
        return 0
    if METADATA_ERROR in entry:
        return 1
    if not fresh:
        return 2
    if entry.get("maintenance"):
        return 4
    if not entry.get("score"):
        return 3
    return 5


def _line(entry: dict[str, Any], engine: str) -> str:
    fresh = "up to date" if entry.get(LIVE_DATA, True) else "STALE"
    if METADATA_ERROR in entry:
        return f"{entry.get('host-id', '?'):>5}  {'(metadata unreadable)':<28} " \
               f"{str(entry[METADATA_ERROR])[:60]}"
    return (f"{entry.get('host-id', '?'):>5}  {str(entry.get('hostname', '-'))[:28]:<28} "
            f"{_state(entry)[:24]:<24} {entry.get('score', '-'):>5}  {engine:<18} {fresh}")


def render(hosts: dict[int, dict[str, Any]], global_maintenance: bool) -> str:
    groups: list[list[tuple[int, int, str]]] = [[] for _ in GROUPS]
    for host_id, entry in hosts.items():
        engine, running = _engine(entry)
        group = _group(entry, running)
        raw_score = entry.get("score")
        score = raw_score if isinstance(raw_score, int) else 0
        groups[group].append((-score if group == 5 else 0, host_id, _line(entry, engine)))
    stale = len(groups[2])
    engine_at = ", ".join(str(h) for _, h, _ in sorted(groups[0])) or "no host"
    out = [f"Cluster: {len(hosts)} hosts; engine VM up on {engine_at}; {stale} stale; "
           f"{len(groups[5])} ready; global maintenance {'ON' if global_maintenance else 'off'}\n"]
    for title, members in zip(GROUPS, groups, strict=True):
        if not members:
            continue
        out.append(f"\n-- {title} ({len(members)}) --\n{HEADER}\n")
        out.extend(line + "\n" for _, _, line in sorted(members))
    return "".join(out)
