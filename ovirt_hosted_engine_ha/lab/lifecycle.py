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

from . import (
    blockdev,
    blockdomain,
    errors,
    fsprobe,
    hostroot,
    probe,
    procs,
    sanlock_child,
    sanlockd,
    simctl,
    storage,
)
from .brokerproc import STOP_GRACE, host_env
from .engineconf import EngineConfig, free_port
from .faultfs import mount as faultfs_mount
from .layout import Layout
from .record import HostRecord, LabIds, LabRecord

log = logging.getLogger(__name__)

# Stop order: clients of a service before the service.
STOP_ORDER = ("agent", "broker", "sim", "probe", "sanlock")
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


def new_record(layout: Layout, hosts: int, sector: int, domain: str = "file") -> LabRecord:
    ids = LabIds()
    host_records = [
        HostRecord(k, str(layout.host(k).root), sanlockd.host_name(ids.instance, k),
                   probe_port=free_port())
        for k in range(1, hosts + 1)
    ]
    if domain not in blockdomain.DOMAIN_TYPES:
        raise errors.LabDetailError(f"domain must be file or block, got {domain!r}")
    return LabRecord(str(layout.root), sector, ids, host_records, engine_port=free_port(),
                     domain=domain)


def engine_config(layout: Layout, record: LabRecord) -> EngineConfig:
    sd = record.ids.sd_uuid
    return EngineConfig(
        vm_id=record.ids.vm_id, sd_uuid=sd, lease_path=str(layout.domain_xleases(sd)),
        lease_offset=0, ids_path=str(layout.domain_ids(sd)), sector=record.sector,
        port=record.engine_port, lease_log=str(layout.lease_log), lab_root=str(layout.root))


def build(layout: Layout, record: LabRecord, sim_knobs: dict[str, object] | None = None,
          faultfs: bool = False) -> None:
    """Storage, host roots, sanlock daemons, lockspaces and lease, probes, simulators.

    With `faultfs`, the FUSE daemon covers DIR/storage before anything
    opens a file there; a block domain's loop devices are set up next
    (through the mount, so faults reach them).

    The record is saved after every process start, so `down` can always
    find what runs, even after a failure half-way.
    """
    ids = record.ids
    record.save(layout.lab_json)
    engine = engine_config(layout, record)
    engine.save(layout.engine_json)
    domain_type = blockdomain.DOMAIN_TYPES[record.domain]
    if faultfs:
        faultfs_mount.check_available()
    paths = storage.create(layout, ids, record.sector, engine.fqdn, domain_type)
    if faultfs:
        record.faultfs = faultfs_mount.start(str(layout.storage), str(layout.faultfs_socket),
                                             str(layout.faultfs_log))
        record.save(layout.lab_json)
    if record.domain == "block":
        blockdomain.make(layout, record, paths, lambda: record.save(layout.lab_json))
    for h in record.hosts:
        hostroot.create(layout, ids, h.host_id, engine.fqdn, h.probe_port, domain_type)
    for h in record.hosts:
        h.processes["sanlock"] = sanlockd.start(layout.host(h.host_id), h.sanlock_name)
        record.save(layout.lab_json)
    first = sanlockd.client_env(layout.host(record.hosts[0].host_id))
    sanlock_child.write_lockspace(first, str(paths["lockspace"]), record.sector)
    sanlock_child.init_domain(first, engine.ids_path, engine.lease_path, ids.sd_uuid,
                              ids.vm_id, record.sector)
    for h in record.hosts:
        start_host_services(layout, record, h, sim_knobs)


def start_host_services(layout: Layout, record: LabRecord, h: HostRecord,
                        sim_knobs: dict[str, object] | None = None) -> None:
    """The probe target and the vdsm simulator of one host (its sanlock runs)."""
    host = layout.host(h.host_id)
    env = host_env(host)
    if h.probe_port and "network" not in h.degraded:
        h.processes["probe"] = probe.start(host, h.probe_port, env)
        record.save(layout.lab_json)
    h.processes["sim"] = simctl.start(host, str(layout.storage), env, sim_knobs,
                                      str(layout.engine_json))
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
    (SIGTERM is ignored while a lockspace is joined). Storage faults are
    healed first (a process waiting on held I/O cannot die), loop devices
    detached and the faultfs mount removed last. Raises LabError if
    anything survives.
    """
    layout = Layout(Path(record.root))
    if record.faultfs is not None and procs.running(record.faultfs):
        faultfs_mount.heal_quietly(str(layout.faultfs_socket))
    for kind, group in _ordered(record):
        if not group:
            continue
        if kind == "sanlock":
            procs.stop(group, signo=None)
        else:
            grace = STOP_GRACE if kind in ("broker", "agent") else SIM_GRACE
            procs.stop(group, signo=signal.SIGTERM, grace=grace)
    blockdomain.release(record)
    faultfs_mount.stop(record.faultfs, str(layout.storage), str(layout.faultfs_socket))
    release_storage(layout.root)
    survivors = [p for p in record.all_processes() if procs.running(p) or p.group_alive()]
    if survivors:
        names = ", ".join(f"{p.name} (pid {p.pid})" for p in survivors)
        raise errors.LabDetailError(f"processes survived down: {names}")


def release_storage(root: str | os.PathLike[str]) -> list[str]:
    """Detach loop devices backed under `root`, then unmount faultfs mounts there; name them.

    What a lab whose owner died (kill -9 of a test session) may leave behind.
    """
    released = [dev for dev, backing in blockdev.backed_under(root).items()
                if blockdev.detach(dev, backing)]
    for point in faultfs_mount.mounts_under(root):
        faultfs_mount.force_unmount(point)
        released.append(point)
    return released
