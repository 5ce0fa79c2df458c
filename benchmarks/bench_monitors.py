"""Monitor benchmarks: status_monitor throughput and the broker's CPU use with all monitors.

`run(cluster)` starts the 7 monitors on every host of a running lab cluster
(with the options upstream's agent sends; cpu-load too), then measures:

- `status_monitor` calls/s on host 1 with a new connection per call, as
  upstream's client makes them (upstream here: ~2,200 calls/s);
- each broker's CPU use, its probe processes (ping) included, over a
  window with all monitors running and no other load (target: < 2 % of
  one core).

Monitors this function started are stopped again; ones already running
are left alone.
"""

import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import load  # noqa: E402

from ovirt_hosted_engine_ha.lib import exceptions  # noqa: E402
from tests.monitorsupport.lab import agent_monitors  # noqa: E402

Row = tuple[str, str, str]
CLK_TCK = os.sysconf("SC_CLK_TCK")


def cpu_seconds(pid: int) -> float:
    """utime + stime of `pid` and its reaped children (seconds)."""
    text = Path(f"/proc/{pid}/stat").read_text()
    fields = text[text.rindex(")") + 2:].split()
    # fields[11..14] = utime stime cutime cstime (stat fields 14..17)
    return sum(int(v) for v in fields[11:15]) / CLK_TCK



def start_all(cluster) -> dict[int, list[str]]:
    """Start every monitor on every host; return what was started per host id."""
    started: dict[int, list[str]] = {}
    for host_id, host in cluster.hosts.items():
        link = host.link()
        started[host_id] = []
        for type, options in agent_monitors(cluster).items():
            try:
                link.get_monitor_status(type)
                continue  # already running (e.g. an agent's): leave it
            except exceptions.RequestError:
                pass
            link.start_monitor(type, options)
            started[host_id].append(type)
    return started


def stop_started(cluster, started: dict[int, list[str]]) -> None:
    for host_id, types in started.items():
        link = cluster.hosts[host_id].link()
        for type in types:
            link.stop_monitor(type)


def wait_first_values(cluster, timeout: float = 30.0) -> None:
    """Until every monitor but cpu-load-no-engine (first value after 10 s) has a value."""
    deadline = time.monotonic() + timeout
    for host in cluster.hosts.values():
        link = host.link()
        for type in ("network", "mgmt-bridge", "mem-free", "cpu-load", "engine-health",
                     "storage-domain"):
            while link.get_monitor_status(type) == "None" and time.monotonic() < deadline:
                time.sleep(0.1)


def cpu_use(cluster, seconds: float) -> dict[int, float]:
    """Percent of one core used by each broker over `seconds`."""
    pids = {host_id: host.broker_pid for host_id, host in cluster.hosts.items()}
    before = {h: cpu_seconds(p) for h, p in pids.items() if p}
    start = time.monotonic()
    time.sleep(seconds)  # the measurement window, not a readiness wait
    wall = time.monotonic() - start
    return {h: 100 * (cpu_seconds(pids[h]) - t) / wall for h, t in before.items()}


def run(cluster, cpu_window: float | None = None, rpc_seconds: float = 5.0) -> list[Row]:
    """Rows (figure, ours, upstream); the CPU window is 60 s, 15 s with BENCH=quick."""
    if cpu_window is None:
        cpu_window = 15.0 if os.environ.get("BENCH") == "quick" else 60.0
    started = start_all(cluster)
    try:
        wait_first_values(cluster)
        rows: list[Row] = []
        for host_id, percent in sorted(cpu_use(cluster, cpu_window).items()):
            rows.append((f"broker CPU, 7 monitors, host{host_id} (% of one core)",
                         f"{percent:.2f} %", "n/a (target < 2 %)"))
        path = str(cluster.hosts[min(cluster.hosts)].socket_path)
        rate = load.calls_per_second(path, "status_monitor", ("network",), rpc_seconds)
        rows.insert(0, ("status_monitor calls/s, 7 monitors running", f"{rate:,.0f}", "~2,200"))
        return rows
    finally:
        stop_started(cluster, started)


if __name__ == "__main__":
    import tempfile

    from ovirt_hosted_engine_ha.lab.cluster import Cluster

    base = os.environ.get("OVIRT_HA_TEST_DIR", "/var/tmp/ovirt-ha-tests")
    os.makedirs(base, exist_ok=True)
    with Cluster.up(tempfile.mkdtemp(prefix="bench", dir=base), hosts=2) as lab:
        for name, ours, upstream in run(lab):
            print(f"{name:55} {ours:>12} {upstream:>20}")
