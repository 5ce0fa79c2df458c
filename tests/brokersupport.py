"""Helpers for tests that drive real brokers in the lab."""

import os
import subprocess
import sys
import time
from collections.abc import Callable

from ovirt_hosted_engine_ha.lib import metadata

SLOT = 4096


def wait_for(predicate: Callable[[], object], timeout: float, interval: float = 0.05) -> object:
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            raise TimeoutError(f"condition not met within {timeout} s")
        time.sleep(interval)


def host_slot(host_id: int, ts: int = 100, score: int = 3400) -> str:
    record = metadata.HostSlot(
        host_id=host_id, host_ts=ts, score=score,
        engine_status='{"vm": "down", "health": "bad", "detail": "unknown"}',
        hostname=f"host{host_id}.lab", extra=f"state=EngineDown\ntimestamp={ts}\n")
    return metadata.build_host_slot(record, pad=False).decode()


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
