"""The cluster as an administrator wants to see it: who runs the engine, and why.

Per host id: its agent's state and score (from the shared metadata, read
through the first broker that answers), the engine VM's status on that
host's vdsm, its processes and degradations. Then: where the engine VM is
Up, who owns its sanlock lease on disk, what the engine's health page says,
and how to trigger a failover from another terminal.
"""

import dataclasses
import http.client
import json
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

from ..lib import metadata
from . import engine_health
from .cluster import Cluster
from .faultfs.api import describe

KINDS = ("sanlock", "probe", "sim", "broker", "agent")


@dataclasses.dataclass
class HostView:
    host_id: int
    pids: dict[str, int | None]
    slot: metadata.HostSlot | None
    vm: str | None                  # engine VM status on this host's vdsm, None: not there
    vdsm: bool                      # its simulator answered
    degraded: list[str]
    unchanged_for: float | None = None  # seconds the slot's timestamp has not changed
    vm_memory: str | None = None    # memSize in the host's vm.conf (the broker's copy)

    @property
    def state(self) -> str:
        if self.slot is None:
            return "-"
        extra = dict(line.split("=", 1) for line in self.slot.extra.splitlines() if "=" in line)
        return extra.get("state", "?")

    @property
    def engine(self) -> str:
        """The slot's engine status, e.g. "up/good"."""
        if self.slot is None:
            return "-"
        try:
            status = json.loads(self.slot.engine_status)
            return f"{status.get('vm', '?')}/{status.get('health', '?')}"
        except (ValueError, AttributeError):
            return self.slot.engine_status[:20]


@dataclasses.dataclass
class ClusterView:
    root: str
    hosts: list[HostView]
    seen_by: int | None             # the host whose broker gave the slots
    lease: dict | None              # {"version", "owners"} or None
    health: str                     # what the health page answered
    engine_port: int
    storage: str | None = None      # faultfs: the active storage faults; None: no faultfs

    @property
    def engine_on(self) -> list[int]:
        return [h.host_id for h in self.hosts if h.vm == "Up"]


class Watcher:
    """Gathers views; remembers when each slot last changed (for `unchanged_for`)."""

    def __init__(self, cluster: Cluster, timeout: float = 2.0) -> None:
        self.cluster = cluster
        self.timeout = timeout
        self._changes: dict[int, tuple[int, float]] = {}

    def gather(self) -> ClusterView:
        c = self.cluster
        slots, seen_by = self._slots()
        vm_id = c.ids.vm_id
        hosts = []
        for k in sorted(c.hosts):
            host = c.hosts[k]
            pids = {kind: host.pid(kind) for kind in KINDS}
            vms, vdsm = {}, False
            if pids["sim"] is not None:
                try:
                    vms, vdsm = host.sim.get()["vms"], True
                except Exception:
                    pass
            view = HostView(k, pids, slots.get(k), vms.get(vm_id), vdsm,
                            list(host.record.degraded))
            view.unchanged_for = self._unchanged_for(view)
            view.vm_memory = vm_conf_memory(host.layout.vm_conf)
            hosts.append(view)
        try:
            lease: dict | None = c.read_lease()
        except Exception:
            lease = None
        return ClusterView(str(c.root), hosts, seen_by, lease, self._health(),
                           c.record.engine_port, self._storage())

    def _storage(self) -> str | None:
        if self.cluster.record.faultfs is None:
            return None
        try:
            return describe(*self.cluster.storage_faults.show())
        except Exception as e:
            return f"storage: faultfs does not answer ({e})"

    def _slots(self) -> tuple[dict[int, metadata.HostSlot], int | None]:
        for k in sorted(self.cluster.hosts):
            host = self.cluster.hosts[k]
            if host.broker_pid is None:
                continue
            try:
                raw = host.link(timeout=self.timeout).get_stats_from_storage()
            except Exception:
                continue
            slots = {}
            for host_id, text in raw.items():
                if host_id == 0:
                    continue
                try:
                    slots[host_id] = metadata.parse_host_slot(host_id, text)
                except Exception:
                    continue
            return slots, k
        return {}, None

    def _unchanged_for(self, view: HostView) -> float | None:
        if view.slot is None:
            return None
        now = time.monotonic()
        ts, since = self._changes.get(view.host_id, (None, now))
        if ts != view.slot.host_ts:
            self._changes[view.host_id] = (view.slot.host_ts, now)
            return 0.0 if ts is not None else None
        return now - since

    def _health(self) -> str:
        try:
            with urllib.request.urlopen(self.cluster.engine_url, timeout=self.timeout) as r:
                return r.read(200).decode("utf-8", "replace").strip() or "(empty page)"
        except urllib.error.HTTPError as e:
            return f"HTTP {e.code}"
        except (OSError, http.client.HTTPException) as e:
            reason = getattr(e, "reason", e)
            return f"no answer ({reason})"


def vm_conf_memory(path: Path) -> str | None:
    """memSize (MiB) in a vm.conf, None when the file or the key is missing."""
    try:
        text = path.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return None
    for line in text.splitlines():
        key, sep, value = line.partition("=")
        if sep and key.strip() == "memSize":
            return value.strip()
    return None


def _cell(value: object) -> str:
    return "-" if value is None else str(value)


def format_view(view: ClusterView) -> str:
    header = ("host", "agent state", "score", "slot engine", "vm here", "slot age",
              "vm.conf MiB", "pids sanlock/probe/vdsm/broker/agent", "degraded")
    rows = [header]
    for h in view.hosts:
        age = "-" if h.unchanged_for is None else f"{h.unchanged_for:.0f}s"
        rows.append((
            f"host{h.host_id}", h.state, _cell(h.slot.score if h.slot else None), h.engine,
            h.vm or ("-" if h.vdsm else "no vdsm"), age, _cell(h.vm_memory),
            "/".join(_cell(h.pids[k]) for k in KINDS), ",".join(h.degraded) or "-"))
    widths = [max(len(r[i]) for r in rows) for i in range(len(header))]
    lines = ["  ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)).rstrip()
             for r in rows]
    lines.append("")
    where = ", ".join(f"host{k}" for k in view.engine_on) or "nowhere"
    lease = ("unreadable" if view.lease is None else
             f"version {view.lease['version']}, owner "
             f"{','.join(f'host{o}' for o in view.lease['owners']) or 'none'}")
    lines.append(f"Engine VM Up on: {where}   lease: {lease}")
    url = f"http://127.0.0.1:{view.engine_port}{engine_health.PATH}"
    lines.append(f"Engine health page {url}: {view.health}")
    if view.seen_by is not None:
        lines.append(f"(slots as host{view.seen_by}'s broker reads them)")
    if view.storage is not None:
        lines.append(view.storage)
    return "\n".join(lines + [""] + hints(view))


def command(name: str) -> str:
    """`name` as a newcomer can paste it: the path of this venv's script when there is one."""
    script = Path(sys.executable).parent / name
    return str(script) if script.exists() else name


def hints(view: ClusterView) -> list[str]:
    """How to make something happen, from a second terminal."""
    root = view.root
    lab, client = command("ovirt-ha-lab"), command("ovirt-ha-client")
    engine = view.engine_on[0] if view.engine_on else 1
    other = next((h.host_id for h in view.hosts if h.host_id != engine), engine)
    groups = [
        ("power loss of the engine's host (another host runs it ~80 s later), then boot it:",
         [f"{lab} kill-host --root {root} {engine}",
          f"{lab} start-host --root {root} {engine}"]),
        ("local maintenance as the engine sets it (the VM migrates away), then end it:",
         [f"{lab} maintenance --root {root} {engine} local",
          f"{lab} maintenance --root {root} {engine} none"]),
        ("make a host's score drop (network, storage or load), then undo it:",
         [f"{lab} degrade --root {root} {engine} network",
          f"{lab} restore --root {root} {engine}"]),
        ("change the engine VM in the engine (every host's vm.conf follows within 10 s):",
         [f"{lab} engine --root {root} set-memory 8192"]),
    ]
    if view.storage is not None:
        groups.append(("slow, failing or hung storage (faultfs), then heal it:",
                       [f"{lab} storage --root {root} slow 3 --path metadata",
                        f"{lab} storage --root {root} hang --path lockspace",
                        f"{lab} storage --root {root} heal"]))
    groups += [
        (f"the cluster as host{other} sees it; local maintenance of a host without the VM:",
         [f"OVIRT_HA_ROOT={root}/host{other} {client} vm-status",
          f"OVIRT_HA_ROOT={root}/host{other} {client} set-maintenance --mode local"]),
    ]
    lines = ["Try it from another terminal:"]
    for why, commands in groups:
        lines += [f"  {why}"] + [f"    {c}" for c in commands]
    return lines
