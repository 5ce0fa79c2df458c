"""Reading the cluster: upstream peers' slots, bad slots, the global slot, monitor answers."""

import ast
import logging
import subprocess
import sys
from pathlib import Path

import pytest

from ovirt_hosted_engine_ha.agent import collect
from ovirt_hosted_engine_ha.agent.failures import Failures
from ovirt_hosted_engine_ha.agent.model import EngineStatus
from tests.agentsupport.world import SimEnv, World
from tests.clientsupport import upstream_model

AGENT = Path(__file__).resolve().parents[2] / "ovirt_hosted_engine_ha" / "agent"


def upstream_slot(host_id: int, ts: int, score: int, state: str) -> str:
    """What an upstream 2.5.2 (or, with a legacy state, 2.3) agent puts on storage."""
    blocks = upstream_model.agent_blocks(
        host_id, ts, score, '{"vm": "up", "health": "good", "detail": "Up"}',
        f"peer{host_id}", maintenance=False, stopped=False, conf_shared=True, conf_ts=ts,
        extra_lines=[f"host-id={host_id}", f"score={score}", f"state={state}"])
    return upstream_model.broker_pad(blocks).decode()


@pytest.fixture
def collector():
    world = World(1)
    host = world.hosts[1]
    c = collect.Collector(SimEnv(host), 1, host.config().monitors, Failures())
    c.start_monitors()
    return world, c


def test_upstream_peers_are_read(collector):
    world, c = collector
    world.slots[2] = upstream_slot(2, 4823, 3400, "EngineUp")
    world.slots[3] = upstream_slot(3, 100, 2400, "EngineMigratingAway")
    stats = c.collect()
    assert sorted(stats.hosts) == [2, 3]
    peer = stats.hosts[2]
    assert (peer.host_ts, peer.score, peer.hostname) == (4823, 3400, "peer2")
    assert peer.engine == EngineStatus.of("up", "good", "Up")
    assert stats.hosts[3].score == 2400


def test_own_slot_and_bad_slots_are_left_out_and_logged_once(collector, caplog):
    world, c = collector
    world.slots[1] = upstream_slot(1, 5, 3400, "EngineUp")
    world.slots[2] = upstream_slot(2, 5, 3400, "EngineUp").replace("|3400|", "|3401|", 1)
    world.slots[3] = "2|1|5|3|3400|{}|h|0|0|00000000|1|5".ljust(4096, "\0")
    with caplog.at_level(logging.ERROR, "ovirt_hosted_engine_ha.agent"):
        assert c.collect().hosts == {}
        assert c.collect().hosts == {}
    messages = [r.getMessage() for r in caplog.records]
    assert len(messages) == 2
    assert messages[0].startswith("Ignoring host 2: metadata slot 2 is malformed: checksum")
    assert messages[1] == ("Ignoring host 3: metadata slot 3 has parse version 2, newer than "
                           "the supported version 1")


def test_global_maintenance(collector, caplog):
    world, c = collector
    assert not c.collect().global_maintenance
    world.slots[0] = upstream_model.build_global({"maintenance": True})
    assert c.collect().global_maintenance
    world.slots[0] = "maintenance=maybe".ljust(4096, "\0")
    with caplog.at_level(logging.ERROR, "ovirt_hosted_engine_ha.agent"):
        assert not c.collect().global_maintenance
    assert "Ignoring the global slot" in caplog.text


def test_local_values(collector):
    world, c = collector
    host = world.hosts[1]
    host.knobs.network, host.knobs.bridge, host.knobs.mem_free = 0.6, None, 2048
    host.knobs.local_maintenance = True
    local = c.collect().local
    assert (local.network, local.bridge, local.mem_free, local.maintenance) == \
        (0.6, None, 2048.0, True)
    assert local.engine.vm == "down"
    host.broker.none_monitors.add("engine-health")
    assert c.collect().local.engine.vm == "unknown"


POLICY_MODULES = ("state_machine.py", "states.py", "scoring.py", "refresh.py", "model.py")
FORBIDDEN = {"time", "sanlock", "vdsm", "brokerlink", "subprocess", "socket"}


@pytest.mark.parametrize("name", POLICY_MODULES)
def test_decisions_import_no_host_access(name):
    tree = ast.parse((AGENT / name).read_text())
    imported = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            imported |= {alias.name.split(".")[-1] for alias in node.names}
        elif isinstance(node, ast.ImportFrom):
            imported |= {(node.module or "").split(".")[-1]}
            imported |= {alias.name for alias in node.names}
    assert not imported & FORBIDDEN


def test_the_loop_loads_without_vdsm_sanlock_or_the_broker_link():
    code = ("import sys, ovirt_hosted_engine_ha.agent.loop; "
            "bad = [m for m in ('sanlock', 'vdsm', 'ovirt_hosted_engine_ha.lib.brokerlink') "
            "if m in sys.modules]; print(bad)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         cwd=AGENT.parents[1], check=True)
    assert out.stdout.strip() == "[]"


def test_a_monitor_answering_none_is_an_outage_logged_once_and_counted(collector, caplog):
    world, c = collector
    world.hosts[1].broker.none_monitors.add("mem-free")
    world.clock.advance(20)                      # past the first-value grace
    with caplog.at_level(logging.INFO, "ovirt_hosted_engine_ha.agent"):
        first = c.collect()
        second = c.collect()
    assert first.local.mem_free is None and second.local.mem_free is None
    assert c._failures.counts["status_monitor mem-free"] == 2
    warnings = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    assert warnings == ["status_monitor mem-free failed: the broker's mem-free monitor "
                        "has no value (it answers None)"]
    world.hosts[1].broker.none_monitors.clear()
    caplog.clear()
    with caplog.at_level(logging.INFO, "ovirt_hosted_engine_ha.agent"):
        assert c.collect().local.mem_free == 16384
    assert [r.getMessage() for r in caplog.records] == [
        "status_monitor mem-free failed: the broker's mem-free monitor has no value "
        "(it answers None) (repeated 1 time in 0 s)",
        "status_monitor mem-free works again (2 failed calls)"]


def test_none_right_after_the_start_is_no_value_yet_not_an_outage(collector):
    world, c = collector
    world.hosts[1].broker.none_monitors.add("cpu-load-no-engine")
    assert c.collect().local.cpu_load is None
    assert c._failures.counts["status_monitor cpu-load-no-engine"] == 0
    world.clock.advance(20)
    assert c.collect().local.cpu_load is None
    assert c._failures.counts["status_monitor cpu-load-no-engine"] == 1
