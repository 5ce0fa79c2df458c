"""The stats side of HAClient: raw slots from the broker into upstream's dicts.

A slot that cannot be parsed does not fail the call: its host is *marked*
(`marked_host`), the other hosts are reported as usual (design.md §7,
spec/reliability.md R3). Upstream skips such a host, or fails the whole
call on a bad integer or a slot that is not UTF-8.
"""

import json
import logging
import xmlrpc.client
from collections.abc import Mapping
from typing import Any

from ..lib import exceptions, metadata
from ..lib.brokerlink import BrokerLink

log = logging.getLogger(__name__)

METADATA_ERROR = "metadata-error"
LIVE_DATA = "live-data"


class ClientLink(BrokerLink):
    """BrokerLink plus the two reads the client needs in raw form."""

    def get_raw_stats(self) -> dict[int, bytes]:
        """``{slot: bytes}``, undecoded: one bad slot cannot fail the call."""
        return self.get_raw_stats_and_age()[0]

    def get_raw_stats_and_age(self) -> tuple[dict[int, bytes], float | None]:
        """`get_raw_stats` and the broker's metadata age (None: an upstream broker)."""
        result, age = self._get_stats()
        slots: dict[int, bytes] = {}
        for key, value in result.items():
            if not str(key).isdigit():
                log.warning("Ignoring get_stats member %r: not a slot number", key)
                continue
            data = value.data if isinstance(value, xmlrpc.client.Binary) else value
            slots[int(key)] = data if isinstance(data, bytes) else str(data).encode("utf-8")
        return slots, age

    def alive_hosts(self) -> set[int]:
        """Host ids the local agent last reported alive (empty when stale)."""
        result = self._call("is_host_alive")
        return {h for h in result if isinstance(h, int)} if isinstance(result, list) else set()


def parse_stats(raw: Mapping[int, bytes | str], hosts: bool,
                cluster: bool) -> dict[int, dict[str, Any]]:
    """Parse the slots in broker order: host slots if `hosts`, slot 0 if `cluster`."""
    result: dict[int, dict[str, Any]] = {}
    for slot, data in raw.items():
        if metadata.slot_is_empty(data):
            continue  # a cleaned slot is no host
        if slot == 0 and cluster:
            result[0] = parse_global(data)
        elif slot != 0 and hosts:
            result[slot] = parse_host(slot, data)
    return result


def parse_global(data: bytes | str) -> dict[str, Any]:
    try:
        return dict(metadata.parse_global_slot(data).to_stats())
    except exceptions.MetadataError as e:
        log.error("%s", e)
        return {METADATA_ERROR: str(e)}


def parse_host(slot: int, data: bytes | str) -> dict[str, Any]:
    try:
        return metadata.parse_host_slot(slot, data).to_stats()
    except exceptions.MetadataError as e:
        log.error("%s", e)
        return marked_host(slot, e)


def marked_host(slot: int, error: Exception) -> dict[str, Any]:
    """The entry of a host whose slot cannot be parsed.

    Every key vdsm and hosted-engine tools read is present with a neutral
    value (score 0, not in maintenance, agent not stopped, engine status
    unknown), and `METADATA_ERROR` names the problem.
    """
    status = {"vm": "unknown", "health": "unknown", "detail": "unknown",
              "reason": "metadata unreadable"}
    return {
        "host-id": slot,
        "host-ts": 0,
        "score": 0,
        "engine-status": json.dumps(status),
        "hostname": "",
        "maintenance": False,
        "stopped": False,
        METADATA_ERROR: str(error),
    }


def add_live_data(stats: dict[int, dict[str, Any]], alive: set[int]) -> None:
    for slot, md in stats.items():
        if slot != 0:
            md[LIVE_DATA] = md["host-id"] in alive


def check_reset_is_safe(stats: dict[int, dict[str, Any]]) -> None:
    """Raise `LockspaceResetRefused` unless a lockspace reset is safe (spec/client.md §6).

    A marked host counts as an active agent: its state is unknown.
    """
    if 0 in stats and not stats[0].get("maintenance", False):
        raise exceptions.LockspaceResetRefused(
            "Lockfile reset can be performed in global maintenance mode only.")
    active = sorted(slot for slot, md in stats.items() if slot != 0 and not md.get("stopped"))
    if active:
        hosts = ", ".join(map(str, active))
        raise exceptions.LockspaceResetRefused(
            f"Lockfile reset cannot be performed with an active agent (host {hosts}).")
