"""The monitoring cycle (spec/agent.md §1.5): calls per cycle, delays, failures, stop."""

import collections
import logging
from typing import Any

import pytest

from ovirt_hosted_engine_ha.agent.loop import Agent
from ovirt_hosted_engine_ha.lib import exceptions, metadata
from tests.agentsupport.world import SimEnv, World


class Counting:
    """Wraps a broker and counts its verbs."""

    def __init__(self, broker: Any) -> None:
        self._broker = broker
        self.calls: collections.Counter[str] = collections.Counter()
        self.fail: dict[str, Exception] = {}

    def __getattr__(self, name: str) -> Any:
        verb = getattr(self._broker, name)

        def call(*args: Any, **kwargs: Any) -> Any:
            self.calls[name] += 1
            if name in self.fail:
                raise self.fail[name]
            return verb(*args, **kwargs)

        return call


@pytest.fixture
def world():
    return World(2)


def make_agent(world: World, host_id: int = 1) -> tuple[Agent, Counting]:
    host = world.hosts[host_id]
    env = SimEnv(host)
    env.broker = broker = Counting(host.broker)
    return Agent(env, host.config()), broker


def at(world: World, t: float, agent: Agent) -> float:
    world.clock.now = t
    return agent.step()


def test_calls_of_one_cycle(world):
    agent, broker = make_agent(world)
    assert at(world, 0, agent) == 10
    broker.calls.clear()
    assert at(world, 10, agent) == 10
    assert agent.state.name == "EngineDown"
    assert broker.calls == {"get_stats_from_storage": 1, "get_monitor_status": 8,
                            "lock_host_id": 1, "start_domain_monitor": 1,
                            "put_stats_on_storage": 1, "put_hosts_state_on_storage": 1,
                            "notify": 1}


def test_first_cycle_starts_monitors_domain_monitor_and_locks(world):
    agent, broker = make_agent(world)
    at(world, 0, agent)
    assert broker.calls["start_monitor"] == 7          # six of upstream + lockspace-hosts
    assert broker.calls["start_domain_monitor"] == 2
    assert agent.holds_host_id
    assert agent.state.name == "ReinitializeFSM"
    assert 1 in world.slots


def test_nowait_cycle_reuses_the_collection_and_skips_the_checks(world):
    agent, broker = make_agent(world)
    for t in range(0, 71, 10):
        delay = at(world, t, agent)
    assert (agent.state.name, delay) == ("EngineStart", 0)
    broker.calls.clear()
    assert at(world, 70, agent) == 10
    assert agent.state.name == "EngineStarting"
    assert broker.calls["get_stats_from_storage"] == 0
    assert broker.calls["get_monitor_status"] == 1          # the storage-domain check only
    assert broker.calls["lock_host_id"] == 0
    assert broker.calls["put_stats_on_storage"] == 1


def test_vdsm_down_delays_30_s_and_does_not_publish(world, caplog):
    agent, broker = make_agent(world)
    at(world, 0, agent)
    world.hosts[1].knobs.vdsm_up = False
    broker.calls.clear()
    with caplog.at_level(logging.WARNING, "ovirt_hosted_engine_ha.agent"):
        assert at(world, 10, agent) == 30
        assert at(world, 40, agent) == 30
    assert broker.calls["put_stats_on_storage"] == 0
    assert agent.failures.counts["vdsm"] == 2
    assert [r.getMessage() for r in caplog.records] == [
        "vdsm failed: vdsm does not answer: connection refused"]


def test_unreadable_slots_mean_no_decision_and_no_publish(world):
    agent, broker = make_agent(world)
    at(world, 0, agent)
    broker.fail["get_stats_from_storage"] = exceptions.RequestError("storage is stale", 5)
    broker.calls.clear()
    assert at(world, 10, agent) == 10
    assert agent.state.name == "ReinitializeFSM"
    assert broker.calls["put_stats_on_storage"] == 0
    assert agent.failures.counts["get_stats"] == 1


def test_a_restarted_broker_gets_its_monitors_back_and_history_is_kept(world):
    agent, broker = make_agent(world)
    for t in range(0, 71, 10):
        at(world, t, agent)
    world.hosts[1].broker.restart()
    broker.calls.clear()
    at(world, 80, agent)
    assert broker.calls["start_monitor"] == 6          # lockspace-hosts: next cycle
    assert agent.failures.counts["monitors"] == 6
    assert agent.state.data.liveness_known
    assert len(agent.state.data.history) == 9


def test_stop_publishes_agent_stopped_and_releases_the_host_id(world):
    agent, broker = make_agent(world)
    at(world, 0, agent)
    at(world, 10, agent)
    agent.stop()
    slot = metadata.parse_host_slot(1, world.slots[1])
    assert (slot.stopped, slot.score) == (True, 0)
    assert "state=AgentStopped" in slot.extra
    assert world.hosts[1].broker.holds_id is None
    assert broker.calls["stop_domain_monitor"] == 1       # the VM does not run here


def test_stop_without_the_host_id_publishes_nothing(world):
    agent, broker = make_agent(world)
    broker.fail["lock_host_id"] = exceptions.RequestError("host id busy", 6)
    at(world, 0, agent)
    assert not agent.holds_host_id
    broker.calls.clear()
    agent.stop()
    assert broker.calls["put_stats_on_storage"] == 0
    assert broker.calls["release_host_id"] == 0


def test_local_maintenance_at_start_waits_without_touching_anything(world, caplog):
    agent, broker = make_agent(world)
    world.hosts[1].knobs.local_maintenance = True
    with caplog.at_level(logging.INFO, "ovirt_hosted_engine_ha.agent"):
        delays = [at(world, t, agent) for t in range(0, 31, 2)]
    assert set(delays) == {2}
    assert not broker.calls
    assert [r.getMessage() for r in caplog.records] == \
        ["Local maintenance is set: waiting for it to end before starting"] * 2
    world.hosts[1].knobs.local_maintenance = False
    at(world, 32, agent)
    assert agent.state.name == "ReinitializeFSM"


def test_local_maintenance_stops_the_domain_monitor_unless_the_vm_runs_here(world):
    agent, broker = make_agent(world)
    at(world, 0, agent)
    world.hosts[1].knobs.local_maintenance = True
    broker.calls.clear()
    at(world, 10, agent)
    assert agent.state.name == "LocalMaintenance"
    assert broker.calls["stop_domain_monitor"] == 1
    assert broker.calls["start_domain_monitor"] == 0
    world.run_vm(1)
    broker.calls.clear()
    at(world, 20, agent)
    assert broker.calls["stop_domain_monitor"] == 0


def test_invalid_storage_domain_is_a_failure(world):
    # Upstream tests the truthiness of the string "False": its check never fails.
    agent, broker = make_agent(world)
    world.hosts[1].knobs.storage = False
    broker.calls.clear()
    at(world, 0, agent)
    assert broker.calls["put_stats_on_storage"] == 0
    assert agent.failures.counts["storage"] == 1
    world.hosts[1].knobs.storage = True
    at(world, 10, agent)
    assert 1 in world.slots


def test_state_change_is_notified(world):
    agent, _ = make_agent(world)
    at(world, 0, agent)
    at(world, 10, agent)
    assert world.hosts[1].broker.notifications == ["StartState-ReinitializeFSM",
                                                   "ReinitializeFSM-EngineDown"]


def test_published_score_and_alive_hosts(world):
    agent, _ = make_agent(world)
    peer, _ = make_agent(world, 2)
    for t in range(0, 71, 10):
        at(world, t, agent)
        at(world, t, peer)
    assert agent.published_score == 3400
    assert world.hosts[1].broker.alive_pushed == [1, 2]


def test_a_dying_peer_shortens_the_cycle_until_its_lease_expires(caplog):
    world = World(2)
    agent, _ = make_agent(world)
    peer = world.hosts[2]
    world.run_vm(2)                                  # the engine runs on the peer
    peer.start_agent()
    for t in range(0, 81, 10):
        world.clock.now = t
        peer.agent.step()
        agent.step()
    assert agent.state.data.alive_hosts == (2,)
    assert at(world, 85, agent) == 10
    peer.agent, peer.broker.up = None, False        # killed: its renewals fail
    world.vms.pop(2)
    peer.lease_expires = 120.0
    with caplog.at_level(logging.INFO, "ovirt_hosted_engine_ha.agent"):
        assert at(world, 90, agent) == 2
        assert at(world, 92, agent) == 2
    assert caplog.messages.count(
        "Lease renewals of host(s) 2 fail: checking every 2 s until their leases expire "
        "or recover") == 1
    assert at(world, 120, agent) != 2                 # expired: dead, normal cycle again
    assert agent.state.data.alive_hosts == ()
