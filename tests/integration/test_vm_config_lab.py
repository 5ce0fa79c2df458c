"""The VM configuration in a lab: from the engine's OVF_STORE to every host's vm.conf,
and an agent whose cycles open nothing on shared storage.

The engine stand-in's OVF is changed as an administrator would (ovirt-ha-lab
engine set-memory); every broker must copy it into its host's vm.conf
within one refresh period (10 s, the default) and say so through the
"vm-config" monitor. The agent runs under an audit hook
(tests/agentsupport/open_audit.py: Python's PEP 578 events, raised for
every open, listing and spawn in every thread) for its start-up, a VM
start and several cycles; no path it opened may lie on the storage
domain (the lab's storage directory, reached directly or through the
host's /rhev/data-center/mnt link or /run/vdsm/storage).
"""

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from ovirt_hosted_engine_ha.agent import constants
from ovirt_hosted_engine_ha.broker import config_refresher
from ovirt_hosted_engine_ha.lab import cli, clusterview, engine_ovf
from ovirt_hosted_engine_ha.lib import metadata
from tests.monitorsupport.wait import wait_for

pytestmark = pytest.mark.integration

PERIOD = config_refresher.DEFAULT_PERIOD
SLACK = 5.0             # a loaded 2-core machine: broker thread wake-up, file polling
SCALE = 5
AUDIT = Path(__file__).resolve().parents[1] / "agentsupport" / "open_audit.py"


def memory(host) -> str | None:
    return clusterview.vm_conf_memory(host.layout.vm_conf)


def freshness(host) -> dict:
    link = host.link(10)
    link.start_monitor("vm-config", {})
    return json.loads(link.get_monitor_status("vm-config"))


def test_a_vm_change_reaches_every_hosts_vm_conf_within_one_refresh_period(
        shared_cluster, capsys):
    lab = shared_cluster(hosts=3)
    hosts = list(lab.hosts.values())
    assert [memory(h) for h in hosts] == ["4096"] * 3
    for h in hosts:
        got = freshness(h)
        assert (got["source"], got["error"], got["ovf_error"]) == ("ovf", None, None)
    root = str(lab.root)
    assert cli.main(["engine", "--root", root, "set-cpus", "99"]) == 1
    assert "vCPUs 1..16" in capsys.readouterr().err
    assert cli.main(["engine", "--root", root, "set-memory", "6144"]) == 0
    start = time.monotonic()
    assert "6144 MiB, 2 vCPUs (OVF generation 2)" in capsys.readouterr().out
    reached: dict[int, float] = {}

    def everywhere() -> bool:
        for h in hosts:
            if h.id not in reached and memory(h) == "6144":
                reached[h.id] = time.monotonic() - start
        return len(reached) == len(hosts)

    wait_for(everywhere, PERIOD + SLACK, 0.1)
    print(f"\nset-memory -> vm.conf per host (s): "
          f"{ {k: round(v, 1) for k, v in sorted(reached.items())} }")
    for h in hosts:
        got = freshness(h)
        assert got["source"] == "ovf" and got["age"] <= PERIOD + SLACK


def read_bytes(pid: int) -> int:
    for line in Path(f"/proc/{pid}/io").read_text().splitlines():
        if line.startswith("read_bytes:"):
            return int(line.split()[1])
    return -1


def host_ts(host) -> int:
    raw = host.link(10).get_stats_from_storage()
    return metadata.parse_host_slot(1, raw[1]).host_ts if 1 in raw else 0


def storage_roots(lab, host) -> list[str]:
    return [os.path.realpath(lab.layout.storage),
            str(host.root / "rhev"), str(host.root / "run/vdsm/storage"),
            str(host.root / "var/run/vdsm/storage")]


def opened_paths(log: Path, cwd: Path) -> list[tuple[str, str]]:
    result = []
    for line in log.read_text().splitlines():
        event, _, path = line.partition("\t")
        result.append((event, os.path.normpath(os.path.join(cwd, path))))
    return result


def test_the_agent_opens_nothing_on_shared_storage(shared_cluster):
    lab = shared_cluster(hosts=3)
    host = lab.hosts[1]
    log = host.root / "var/log/ovirt-hosted-engine-ha/agent-opens.log"
    env = dict(host.env, PYTHONUNBUFFERED="1")
    env[constants.TIME_SCALE_ENV] = str(SCALE)
    with open(host.layout.agent_log, "w") as out:
        agent = subprocess.Popen(
            [sys.executable, str(AUDIT), str(log), "ovirt_hosted_engine_ha.agent"],
            env=env, stdout=out, stderr=subprocess.STDOUT, cwd=host.root)
    try:
        # Start-up, warm-up (12 s at scale 5), the VM start, cycles after it.
        wait_for(lambda: host.sim.get()["vms"].get(lab.ids.vm_id) == "Up", 120, 0.5)
        engine_ovf.change(lab.layout, lab.ids, memory_mib=5120)
        wait_for(lambda: memory(host) == "5120", PERIOD + SLACK, 0.2)
        first, read_before = host_ts(host), read_bytes(agent.pid)
        wait_for(lambda: host_ts(host) >= first + 3 * constants.WAIT, 60, 0.5)
        assert agent.poll() is None
        print(f"\nagent: {read_bytes(agent.pid) - read_before} bytes read from block "
              "devices over 3 cycles (/proc/PID/io read_bytes, all files)")
    finally:
        agent.send_signal(signal.SIGTERM)
        agent.wait(60)
    opened = opened_paths(log, host.root)
    roots = storage_roots(lab, host)
    on_storage = [(e, p) for e, p in opened
                  if any(os.path.realpath(p).startswith(r) or p.startswith(r) for r in roots)]
    print(f"agent: {len(opened)} audited opens/listings, {len(on_storage)} on storage")
    assert on_storage == []
    assert ("open", str(host.layout.vm_conf)) in opened
