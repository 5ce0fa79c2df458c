"""F28: soak. The mixed verb load of a host's agent and clients, sped up,
against one lab broker for OVIRT_HA_SOAK_SECS (default 600 s); the
broker's RSS, threads and open fds are sampled every few seconds and their
slopes (per minute, least squares after the warm-up: the first third of
the run, at most 10 minutes) printed. Flat means: threads and fds do not
grow, and RSS grows by less than RSS_BYTES_PER_CALL per call served and
RSS_SLOPE_LIMIT_KIB per minute (allocator noise; a leak of even one small
object per call would be several times that). With OVIRT_HA_SOAK_TRACE=PATH
every sample (seconds, RSS KiB, threads, fds) goes to PATH as it is taken.

A 24 h run on a lab machine:

    OVIRT_HA_SOAK_SECS=86400 OVIRT_HA_TEST_DIR=/var/tmp/ovirt-ha-soak \\
        .venv/bin/python -m pytest -q tests/faults/test_soak.py \\
        --faults-report=reports/soak.md
"""

import os
import time

import pytest

from benchmarks import procstats
from tests.brokersupport import host_slot
from tests.faults import procsupport
from tests.faults.procsupport import VerbLoad, ms

pytestmark = pytest.mark.integration

SOAK_SECS = float(os.environ.get("OVIRT_HA_SOAK_SECS", "600"))
SAMPLE_SECS = 5.0
TRACE = os.environ.get("OVIRT_HA_SOAK_TRACE")
WARM_UP = min(600.0, SOAK_SECS / 3)
RSS_SLOPE_LIMIT_KIB = 256
RSS_BYTES_PER_CALL = 32
MONITOR = "mem-free"


def slope_per_minute(samples: list[tuple[float, float]]) -> float:
    """Least-squares slope of (seconds, value) samples, per minute."""
    n = len(samples)
    if n < 2:
        return 0.0
    mean_t = sum(t for t, _ in samples) / n
    mean_v = sum(v for _, v in samples) / n
    var = sum((t - mean_t) ** 2 for t, _ in samples)
    cov = sum((t - mean_t) * (v - mean_v) for t, v in samples)
    return cov / var * 60 if var else 0.0


@pytest.mark.row("F28")
@pytest.mark.timeout(int(SOAK_SECS) + 300)
def test_soak_mixed_verbs(shared_cluster, row):
    lab = shared_cluster(hosts=1)
    host = lab.hosts[1]
    pid = host.broker_pid
    assert pid is not None
    setup = host.link(60)
    setup.lock_host_id(1)
    setup.start_monitor(MONITOR, {"address": "0", "use_ssl": "true"})
    link = host.link(10)
    seq = iter(range(1, 10**9))
    calls = {
        "get_stats": link.get_stats_from_storage,
        "put_stats": lambda: link.put_stats_on_storage(1, host_slot(1, ts=next(seq))),
        "is_host_alive": lambda: link.is_host_alive(1),
        "status_monitor": lambda: link.get_monitor_status(MONITOR),
        "push_hosts_state": lambda: link.put_hosts_state_on_storage(1, [1]),
    }
    samples: list[tuple[float, int, int, int]] = []
    trace = open(TRACE, "w") if TRACE else None
    load = VerbLoad(calls, threads=2, pause=0.01)
    start = time.monotonic()
    try:
        while (now := time.monotonic() - start) < SOAK_SECS:
            seen = procstats.snapshot(pid)
            samples.append((now, int(seen.rss_mib * 1024), seen.threads, seen.fds))
            if trace is not None:
                print(*samples[-1], file=trace, flush=True)
            time.sleep(SAMPLE_SECS)
    finally:
        if trace is not None:
            trace.close()
        load.stop()
        setup.stop_monitor(MONITOR)
        setup.release_host_id()
    steady = [s for s in samples if s[0] >= WARM_UP]
    rss = slope_per_minute([(t, r) for t, r, _, _ in steady])
    per_call = rss * 1024 / (load.calls / SOAK_SECS * 60)
    threads = slope_per_minute([(t, n) for t, _, n, _ in steady])
    fds = slope_per_minute([(t, f) for t, _, _, f in steady])
    thread_range = (min(s[2] for s in steady), max(s[2] for s in steady))
    fd_range = (min(s[3] for s in steady), max(s[3] for s in steady))
    rss_range = (min(s[1] for s in steady), max(s[1] for s in steady))
    row.observe(
        f"{SOAK_SECS / 60:.0f} min, {load.calls} calls ({load.calls / SOAK_SECS:.0f}/s, "
        f"{len(load.failures)} failed, p99 {ms(procsupport.p99(load.all_latencies()))}); "
        f"slopes per minute after {WARM_UP:.0f} s: RSS {rss:+.1f} KiB ({per_call:+.1f} B/call, "
        f"{rss_range[0] / 1024:.1f}-{rss_range[1] / 1024:.1f} MiB), threads {threads:+.2f} "
        f"({thread_range[0]}-{thread_range[1]}), fds {fds:+.2f} ({fd_range[0]}-{fd_range[1]})")
    assert load.failures == []
    assert host.broker_pid == pid
    assert thread_range[1] - thread_range[0] <= 1
    assert fd_range[1] - fd_range[0] <= 4
    assert abs(fds) < 0.5 and abs(threads) < 0.5
    assert rss < RSS_SLOPE_LIMIT_KIB
    assert per_call < RSS_BYTES_PER_CALL
