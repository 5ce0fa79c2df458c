"""ovirt-ha-lab as an administrator runs it."""

import json
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

from ovirt_hosted_engine_ha.lab import procs
from ovirt_hosted_engine_ha.lab.record import LabRecord

pytestmark = pytest.mark.integration


def lab(*args: str, timeout: float = 120) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "ovirt_hosted_engine_ha.lab.cli", *args],
                          capture_output=True, text=True, timeout=timeout)


def recorded(root: str) -> list[procs.ProcRecord]:
    return LabRecord.load(Path(root) / "lab.json").all_processes()


def all_gone(records: list[procs.ProcRecord]) -> bool:
    return not any(r.alive() or r.group_alive() for r in records)


@pytest.fixture
def root(lab_base):
    path = tempfile.mkdtemp(prefix="c", dir=lab_base)
    yield path
    if (Path(path) / "lab.json").exists():
        lab("down", "--root", path)


def test_up_status_sim_down(root):
    up = lab("up", "--root", root, "--hosts", "2", "--no-agents")
    assert up.returncode == 0, up.stderr
    assert "lab up: 2 hosts" in up.stdout
    processes = recorded(root)
    assert len(processes) == 8 and all(p.alive() for p in processes)
    assert sorted({p.name.split("/")[1] for p in processes}) == [
        "broker", "probe", "sanlock", "vdsm-sim"]

    st = lab("status", "--root", root)
    assert st.returncode == 0, st.stderr
    lines = st.stdout.splitlines()
    assert lines[0].split()[:3] == ["host", "agent", "state"]
    assert "Engine VM Up on: nowhere   lease: version 0, owner none" in lines
    assert f"ovirt-ha-lab kill-host --root {root} 1" in st.stdout
    table = next(i for i, line in enumerate(lines) if line.split()[:2] == ["host", "sanlock"])
    assert lines[table].split()[:7] == [
        "host", "sanlock", "probe", "vdsm-sim", "broker", "agent", "get_stats"]
    assert [line.split()[5] for line in lines[table + 1:table + 3]] == ["-", "-"]  # no agents
    assert [line.split()[6] for line in lines[table + 1:table + 3]] == ["ok", "ok"]

    sim = lab("sim", "--root", root, "--host", "2", "mem_free=100", "bridge_up=down",
              "--verb", "Host.getStats", "delay", "--seconds", "0.1", "--vm", "Up")
    assert sim.returncode == 0, sim.stderr
    state = json.loads(sim.stdout)
    assert state["knobs"]["mem_free"] == 100 and state["knobs"]["bridge_up"] is False
    assert state["faults"]["Host.getStats"]["mode"] == "delay"
    assert list(state["vms"].values()) == ["Up"]

    down = lab("down", "--root", root)
    assert down.returncode == 0, down.stderr
    assert all_gone(processes)
    assert (Path(root) / "lab.json").exists()  # files kept


def test_run_without_terminal(root):
    run = lab("run", "--root", root, "--hosts", "1", "--no-agents")
    assert run.returncode == 0, run.stderr
    assert "host1" in run.stdout and "lab down" in run.stdout
    assert all_gone(recorded(root))


def test_host_faults_and_maintenance(root):
    assert lab("up", "--root", root, "--hosts", "2", "--no-agents").returncode == 0
    degrade = lab("degrade", "--root", root, "2", "network")
    assert degrade.returncode == 0, degrade.stderr
    assert "host2: network degraded" in degrade.stdout
    assert "network" in lab("status", "--root", root).stdout.splitlines()[2]
    restore = lab("restore", "--root", root, "2")
    assert restore.stdout.strip() == "host2: restored network"
    assert lab("degrade", "--root", root, "2", "weather").returncode == 2

    maint = lab("maintenance", "--root", root, "1", "local")
    assert maint.returncode == 0, maint.stderr
    ha_conf = Path(root, "host1/var/lib/ovirt-hosted-engine-ha/ha.conf").read_text()
    assert "local_maintenance=True" in ha_conf.splitlines()
    lab("maintenance", "--root", root, "1", "none")
    ha_conf = Path(root, "host1/var/lib/ovirt-hosted-engine-ha/ha.conf").read_text()
    assert "local_maintenance=False" in ha_conf.splitlines()

    host2 = [p for p in recorded(root) if p.name.startswith("host2/")]
    kill = lab("kill-host", "--root", root, "2")
    assert kill.returncode == 0, kill.stderr
    assert kill.stdout.startswith("host2: killed sanlock (pid ")
    assert all_gone(host2)
    start = lab("start-host", "--root", root, "2", "--no-agent")
    assert start.returncode == 0, start.stderr
    assert start.stdout.strip() == "host2: running sanlock, probe, sim, broker"
    assert lab("kill-host", "--root", root, "7").stderr.strip().endswith("hosts: [1, 2]")


def test_up_refuses_a_foreign_directory(root):
    (Path(root) / "data.txt").write_text("not a lab")
    up = lab("up", "--root", root, "--hosts", "1")
    assert up.returncode == 1
    assert "is not empty and holds no lab.json" in up.stderr
    assert (Path(root) / "data.txt").exists()


def test_up_refuses_a_long_root(root):
    up = lab("up", "--root", str(Path(root) / ("x" * 90)), "--hosts", "1")
    assert up.returncode == 1
    assert "Use a shorter --root" in up.stderr


def test_status_without_lab(root):
    st = lab("status", "--root", str(Path(root) / "nothing"))
    assert st.returncode == 1
    assert "no lab at" in st.stderr
