"""`ovirt-ha-client vm-status [--json]`: upstream's `hosted-engine --vm-status` output.

Text layout, labels and JSON keys are upstream's (spec/client.md §8): one
block per host, the engine status of
a host whose data is not up to date shown as ``unknown stale-data``, a
banner before and after when the cluster is in global maintenance. JSON is
one line: the host entries keyed by id, each engine status as an object,
and ``global_maintenance`` last.

Ours also: hosts are listed by host id (upstream keeps the broker's
first-seen order, so each host listed itself first and two hosts' outputs
differed); a host whose slot cannot be parsed is shown with the reason
(``Metadata error``); 1970 dates in the extra text are shown as real dates;
when the broker's metadata is stale (lib/staleness.py: its last good read
of the shared storage is too old) the text starts with a warning line and
the JSON carries ``metadata_age`` (seconds) and ``metadata_stale`` before
``global_maintenance`` (both absent with an upstream broker, which sends no
age: the output is then exactly upstream's).
"""

import json
from typing import Any

from ...lib import staleness
from ..client import LIVE_DATA, METADATA_ERROR, HAClient
from . import dates

STALE = "unknown stale-data"
LABEL_WIDTH = 35
BANNER = "\n\n!! Cluster is in GLOBAL MAINTENANCE mode !!\n\n"
EXTRA = "extra"
LABELS = {
    "host-id": "Host ID",
    "host-ts": "Host timestamp",
    "score": "Score",
    "engine-status": "Engine status",
    "hostname": "Hostname",
    "maintenance": "Local maintenance",
    LIVE_DATA: "Status up-to-date",
    EXTRA: "Extra metadata (valid at timestamp)",
    METADATA_ERROR: "Metadata error",
    # legacy keys, never produced now
    "first-update": "First update",
    "last-update-local-ts": "Last update received",
    "last-update-host-ts": "Last update generated",
    "alive": "Host is alive",
}
MARKED_KEYS = ("host-id", METADATA_ERROR, LIVE_DATA)


class NoHosts(Exception):
    """No host has published metadata."""


def gather(client: HAClient, timeout: float | None) -> tuple[dict[int, dict[str, Any]], bool]:
    """(host entries, global maintenance) from one `get_all_stats` call.

    The metadata age of that call is `client.metadata_age` afterwards.
    """
    stats = client.get_all_stats(timeout=timeout)
    cluster = stats.pop(0, {})
    return stats, bool(cluster.get(HAClient.GlobalMdFlags.MAINTENANCE, False))


def stale_warning(metadata_age: float | None) -> str:
    """The line printed before the status when the broker's data is stale, else ""."""
    if metadata_age is None or not staleness.is_stale(metadata_age):
        return ""
    return (f"!! Metadata is stale: the broker's last good read of the shared storage was "
            f"{metadata_age:.0f} s ago; the status below may be out of date !!\n")


def _line(key: str, value: object) -> str:
    return f"{LABELS.get(key, key):<{LABEL_WIDTH}}: {value}\n"


def _host_text(entry: dict[str, Any]) -> str:
    marked = METADATA_ERROR in entry
    name = "(metadata unreadable)" if marked else entry.get("hostname")
    out = [f"\n\n--== Host {name} (id: {entry.get('host-id')}) status ==--\n\n"]
    for key, value in entry.items():
        if key == EXTRA or (marked and key not in MARKED_KEYS):
            continue
        if key == "engine-status" and not entry.get(LIVE_DATA, True):
            value = STALE
        out.append(_line(key, value))
    if entry.get(EXTRA):
        out.append(f"{LABELS[EXTRA]:<{LABEL_WIDTH}}:\n")
        out.extend(f"\t{line}\n" for line in dates.fix_dates(entry[EXTRA]).splitlines())
    return "".join(out)


def render_text(hosts: dict[int, dict[str, Any]], global_maintenance: bool) -> str:
    if not hosts:
        raise NoHosts("no host has published its status yet")
    banner = BANNER if global_maintenance else ""
    blocks = (_host_text(entry) for _, entry in sorted(hosts.items()))
    return banner + "".join(blocks) + banner


def _engine_status(text: object) -> object:
    try:
        return json.loads(text)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return text  # not JSON: kept as the text the host wrote


def render_json(hosts: dict[int, dict[str, Any]], global_maintenance: bool,
                metadata_age: float | None = None) -> str:
    out: dict[str, Any] = {}
    for host_id, entry in sorted(hosts.items()):
        entry = dict(entry)
        entry["engine-status"] = _engine_status(entry.get("engine-status"))
        if EXTRA in entry:
            entry[EXTRA] = dates.fix_dates(entry[EXTRA])
        out[str(host_id)] = entry
    if metadata_age is not None:
        out["metadata_age"] = metadata_age
        out["metadata_stale"] = staleness.is_stale(metadata_age)
    out["global_maintenance"] = global_maintenance
    return json.dumps(out)
