"""Bringing a lab's root, storage and processes up, and taking them down.

`prepare_root` checks and wipes DIR, `build` makes storage and host roots
and starts sanlock daemons and simulators, `down` stops everything a
record lists, by pid. Brokers are started by the Cluster (they need a
notify listener that outlives this module's calls).
"""

import logging
import os
import shutil
import signal
from pathlib import Path

from . import errors, fsprobe, hostroot, procs, sanlock_child, sanlockd, simctl, storage
from .brokerproc import STOP_GRACE, host_env
from .layout import Layout
from .record import HostRecord, LabIds, LabRecord

log = logging.getLogger(__name__)

# Stop order: clients of a service before the service.
STOP_ORDER = ("agent", "broker", "sim", "sanlock")
SIM_GRACE = 5.0


def prepare_root(root: str | os.PathLike[str], hosts: int) -> Layout:
    """Make DIR an empty, disk-backed directory; take down a lab found there.

    Refuses a non-empty DIR without lab.json, a root whose sanlock run dirs
    or sockets would be too long, and a filesystem without real O_DIRECT.
    """
    layout = Layout(Path(os.path.abspath(root)))
    hostroot.check_paths(layout.host(hosts))  # the longest host number: the longest paths
    if layout.root.exists():
        if layout.lab_json.exists():
            down(LabRecord.load(layout.lab_json))
            for entry in layout.root.iterdir():
                if entry.is_dir() and not entry.is_symlink():
                    shutil.rmtree(entry)
                else:
                    entry.unlink()
        elif any(layout.root.iterdir()):
            raise errors.RootNotEmpty(str(layout.root))
    else:
        layout.root.mkdir(parents=True)
    fsprobe.check_disk_backed(layout.root)
    return layout


def new_record(layout: Layout, hosts: int, sector: int) -> LabRecord:
    ids = LabIds()
    host_records = [
        HostRecord(k, str(layout.host(k).root), sanlockd.host_name(ids.instance, k))
        for k in range(1, hosts + 1)
    ]
    return LabRecord(str(layout.root), sector, ids, host_records)


def build(layout: Layout, record: LabRecord, sim_knobs: dict[str, object] | None = None) -> None:
    """Storage, host roots, sanlock daemons, lockspace, simulators.

    The record is saved after every process start, so `down` can always
    find what runs, even after a failure half-way.
    """
    ids = record.ids
    record.save(layout.lab_json)
    paths = storage.create(layout, ids, record.sector)
    for h in record.hosts:
        hostroot.create(layout, ids, h.host_id)
    for h in record.hosts:
        h.processes["sanlock"] = sanlockd.start(layout.host(h.host_id), h.sanlock_name)
        record.save(layout.lab_json)
    first = layout.host(record.hosts[0].host_id)
    sanlock_child.write_lockspace(sanlockd.client_env(first), str(paths["lockspace"]),
                                  record.sector)
    for h in record.hosts:
        host = layout.host(h.host_id)
        h.processes["sim"] = simctl.start(host, str(layout.storage), host_env(host), sim_knobs)
        record.save(layout.lab_json)


def _ordered(record: LabRecord) -> list[tuple[str, list[procs.ProcRecord]]]:
    kinds = [k for k in STOP_ORDER if k != "sanlock"]
    kinds += sorted({k for h in record.hosts for k in h.processes} - set(STOP_ORDER))
    kinds.append("sanlock")
    return [(k, [h.processes[k] for h in record.hosts if k in h.processes]) for k in kinds]


def down(record: LabRecord) -> None:
    """Stop every recorded process: clients first, sanlock last (killpg).

    Services get SIGTERM and a grace period (brokers release their host id),
    then SIGKILL to the whole group; sanlock daemons are killed at once
    (SIGTERM is ignored while a lockspace is joined). Raises LabError if
    anything survives.
    """
    for kind, group in _ordered(record):
        if not group:
            continue
        if kind == "sanlock":
            procs.stop(group, signo=None)
        else:
            grace = STOP_GRACE if kind in ("broker", "agent") else SIM_GRACE
            procs.stop(group, signo=signal.SIGTERM, grace=grace)
    survivors = [p for p in record.all_processes() if procs.running(p) or p.group_alive()]
    if survivors:
        names = ", ".join(f"{p.name} (pid {p.pid})" for p in survivors)
        raise errors.LabDetailError(f"processes survived down: {names}")
