"""Helpers for tests that drive real brokers in the lab."""

import os
import subprocess
import sys
import time

from ovirt_hosted_engine_ha.lib import metadata
from tests.monitorsupport.wait import wait_for  # noqa: F401  (re-exported)

SLOT = 4096



def host_slot(host_id: int, ts: int = 100, score: int = 3400) -> str:
    record = metadata.HostSlot(
        host_id=host_id, host_ts=ts, score=score,
        engine_status='{"vm": "down", "health": "bad", "detail": "unknown"}',
        hostname=f"host{host_id}.lab", extra=f"state=EngineDown\ntimestamp={ts}\n")
    return metadata.build_host_slot(record, pad=False).decode()


def hold_ids_and_publish(cluster, alive: list[int] | None = None):
    """Every host locks its id and publishes its slot (and `alive`, if given); the cluster."""
    for host_id, host in cluster.hosts.items():
        host.link(60).lock_host_id(host_id)
        host.link().put_stats_on_storage(host_id, host_slot(host_id))
        if alive is not None:
            host.link().put_hosts_state_on_storage(host_id, alive)
    return cluster


def read_volume(path: os.PathLike[str] | str) -> bytes:
    with open(path, "rb") as f:
        return f.read(2001 * SLOT)


def sanlock_in_host(host, code: str) -> str:
    """Run Python code talking to `host`'s sanlock daemon; return its stdout."""
    result = subprocess.run([sys.executable, "-c", "import sanlock\n" + code], env=host.env,
                            capture_output=True, text=True, timeout=60)
    if result.returncode:
        raise AssertionError(f"sanlock probe failed: {result.stderr}")
    return result.stdout.strip()


def inquire(host, host_id: int, lockspace_path) -> str:
    return sanlock_in_host(
        host, f"print(sanlock.inq_lockspace(b'hosted-engine', {host_id}, {str(lockspace_path)!r}))")


class BrokerProcess:
    """A broker run in the foreground of the test, as systemd would run it."""

    COMMAND = [sys.executable, "-m", "ovirt_hosted_engine_ha.broker"]

    def __init__(self, host, notify_path: str, extra_env: dict[str, str] | None = None) -> None:
        from ovirt_hosted_engine_ha.lab.notify import NotifyListener

        self.notify = NotifyListener(notify_path)
        env = dict(host.env, NOTIFY_SOCKET=self.notify.path, WATCHDOG_USEC="1000000",
                   **(extra_env or {}))
        self.proc = subprocess.Popen(self.COMMAND, env=env, stdout=subprocess.PIPE,
                                     stderr=subprocess.STDOUT, text=True)
        self.started = time.monotonic()

    def wait_ready(self, timeout: float = 30) -> float:
        """Seconds from spawn to READY=1."""
        if not self.notify.wait_ready(lambda: self.proc.poll() is None, timeout):
            raise AssertionError(f"no READY=1: {self.finish()}")
        return time.monotonic() - self.started

    def finish(self, timeout: float = 30) -> str:
        out, _ = self.proc.communicate(timeout=timeout)
        self.notify.close()
        return out

    def terminate(self) -> str:
        self.proc.send_signal(15)
        return self.finish()
