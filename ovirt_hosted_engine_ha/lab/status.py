"""What each lab host is doing: processes alive, broker answers.

For each host: are its sanlock daemon, probe target, simulator, broker and
agent running, does
the broker answer ``get_stats`` (and which slots it returns), which hosts
it reports alive (``is_host_alive``, as pushed by the agent), and what its
sanlock daemon says: the id it holds in the hosted-engine lockspace and the
hosts it sees LIVE there.
"""

import dataclasses

from . import procs, sanlockd, sim_leases
from .cluster import Cluster, Host

KINDS = ("sanlock", "probe", "sim", "broker", "agent")


@dataclasses.dataclass
class HostStatus:
    host_id: int
    pids: dict[str, int | None]          # kind -> pid if running, else None
    broker: str                          # "ok" or why not
    slots: list[int]
    alive: list[int]                     # is_host_alive: what the agent pushed
    lockspace_id: int | None = None      # the id this host's sanlock daemon holds
    lockspace_live: list[int] = dataclasses.field(default_factory=list)
    notify: str | None = None            # the broker's last STATUS=, when known
    watchdogs: int = 0                   # WATCHDOG=1 received, when known


def host_status(host: Host, all_ids: list[int], timeout: float = 2.0) -> HostStatus:
    pids: dict[str, int | None] = {}
    for kind in KINDS:
        record = host.process(kind)
        pids[kind] = record.pid if record is not None and procs.running(record) else None
    slots: list[int] = []
    alive: list[int] = []
    try:
        link = host.link(timeout=timeout)
        slots = sorted(link.get_stats_from_storage())
        alive = [h for h in all_ids if link.is_host_alive(h)]
        broker = "ok"
    except Exception as e:
        broker = f"error: {e}"
    view = sanlockd.LockspaceView(None, {})
    if pids["sanlock"] is not None:
        try:
            view = sanlockd.lockspace_view(host.layout, timeout=timeout)
        except Exception:
            pass
    live = sorted(h for h, state in view.hosts.items() if state == "LIVE")
    return HostStatus(host.id, pids, broker, slots, alive, view.host_id, live,
                      host.broker_status, host.watchdogs)


def gather(cluster: Cluster, timeout: float = 2.0) -> list[HostStatus]:
    ids = sorted(cluster.hosts)
    return [host_status(cluster.hosts[k], ids, timeout) for k in ids]


def _pid(pid: int | None) -> str:
    return str(pid) if pid is not None else "-"


def id_list(ids: list[int]) -> str:
    """"1,2,5-40": runs of three or more consecutive ids as ranges (a filled lab
    lists 2000 ids); "-" for none."""
    parts: list[str] = []
    for first, count in sim_leases.runs(ids, len(ids)):
        if count >= 3:
            parts.append(f"{first}-{first + count - 1}")
        else:
            parts.extend(str(i) for i in range(first, first + count))
    return ",".join(parts) or "-"


def format_table(statuses: list[HostStatus]) -> str:
    header = ("host", "sanlock", "probe", "vdsm-sim", "broker", "agent", "get_stats", "slots",
              "alive", "ls-id", "ls-live")
    rows = [header]
    for s in statuses:
        rows.append((
            f"host{s.host_id}", _pid(s.pids["sanlock"]), _pid(s.pids["probe"]),
            _pid(s.pids["sim"]), _pid(s.pids["broker"]), _pid(s.pids["agent"]),
            s.broker if len(s.broker) <= 40 else s.broker[:37] + "...",
            id_list(s.slots), id_list(s.alive), _pid(s.lockspace_id), id_list(s.lockspace_live),
        ))
    widths = [max(len(r[i]) for r in rows) for i in range(len(header))]
    lines = ["  ".join(cell.ljust(w) for cell, w in zip(r, widths, strict=True)).rstrip()
             for r in rows]
    notes = [f"host{s.host_id} broker: {s.notify} (watchdog keep-alives: {s.watchdogs})"
             for s in statuses if s.notify]
    return "\n".join(lines + notes)
