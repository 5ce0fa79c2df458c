"""Helpers for integration tests on a lab cluster: VM status, the lease, the health page."""

import urllib.error
import urllib.request

from ovirt_hosted_engine_ha.lab import leaselog
from ovirt_hosted_engine_ha.lab.cluster import Cluster, Host
from tests.monitorsupport.wait import wait_for  # noqa: F401  (re-exported)


def vm_stats(host: Host) -> dict | None:
    """The engine VM's getStats on `host`, None when unknown there."""
    try:
        return host.sim.call("VM.getStats", vmID=host.cluster.ids.vm_id)[0]
    except Exception as e:
        if getattr(e, "code", None) == 1:
            return None
        raise


def vm_pid(host: Host) -> int:
    """The pid of the engine VM stand-in running on `host`."""
    stats = vm_stats(host)
    assert stats is not None and "pid" in stats, f"no engine VM stand-in on host{host.id}"
    return int(stats["pid"])


def status(host: Host) -> str | None:
    stats = vm_stats(host)
    return stats["status"] if stats else None


def health(cluster: Cluster, timeout: float = 2) -> str:
    """The health page's body, or why there is none."""
    try:
        with urllib.request.urlopen(cluster.engine_url, timeout=timeout) as r:
            return r.read().decode()
    except urllib.error.HTTPError as e:
        return f"HTTP {e.code}"
    except OSError as e:
        return f"no answer: {e}"


def healthy(cluster: Cluster) -> bool:
    return health(cluster).startswith("DB Up")


def destroy_everywhere(cluster: Cluster) -> None:
    """Destroy the engine VM on every host whose simulator runs."""
    for host in cluster.hosts.values():
        if host.pid("sim") is None:
            continue
        try:
            host.sim.call("VM.destroy", vmID=cluster.ids.vm_id)
        except Exception as e:
            if getattr(e, "code", None) != 1:
                raise


def journal(cluster: Cluster) -> list[dict]:
    return leaselog.read(cluster.layout.lease_log)


def assert_exclusive(cluster: Cluster) -> None:
    assert leaselog.check_exclusive(journal(cluster)) == []
