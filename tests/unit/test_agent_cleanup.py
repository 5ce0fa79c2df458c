"""ovirt-ha-agent --cleanup: empty a host's slot unless the host is alive (or forced)."""

import logging

import pytest

from ovirt_hosted_engine_ha.agent.cleanup import Cleaner, Request
from tests.agentsupport.world import World
from tests.brokersupport import agent_slot as slot


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.now += seconds


@pytest.fixture
def world():
    return World(3)


def cleaner(world, host_id=2):
    clock = Clock()
    return Cleaner(world.hosts[host_id].broker, "sd", sleep=clock.sleep, clock=clock)


def test_a_stopped_slot_is_cleaned_and_the_id_released(world):
    world.slots[2] = slot(2, stopped=True)
    assert cleaner(world).run(Request(2)) == 0
    assert world.slots[2] == ""
    broker = world.hosts[2].broker
    assert broker.holds_id is None
    assert "lockspace-hosts" not in broker.monitors


def test_an_empty_slot_is_nothing_to_do(world):
    assert cleaner(world).run(Request(2)) == 0
    assert 2 not in world.slots


def test_a_live_slot_is_refused_unless_forced(world, caplog):
    world.slots[2] = slot(2, stopped=False)
    with caplog.at_level(logging.ERROR):
        assert cleaner(world).run(Request(2)) == 1
    assert "the host is alive: its slot does not say the agent stopped" in caplog.text
    assert world.slots[2] == slot(2, stopped=False)
    assert world.hosts[2].broker.holds_id is None
    assert cleaner(world).run(Request(2, force=True)) == 0
    assert world.slots[2] == ""


def test_a_running_agent_here_means_alive_and_keeps_its_id(world):
    broker = world.hosts[2].broker
    broker.lock_host_id(2)                       # the agent runs and holds the id
    broker.start_monitor("lockspace-hosts", {})
    world.slots[2] = slot(2, stopped=True)
    assert cleaner(world).run(Request(2)) == 1
    assert world.slots[2] == slot(2, stopped=True)
    assert cleaner(world).run(Request(2, force=True)) == 0
    assert world.slots[2] == ""
    assert broker.holds_id == 2                   # not taken from the running agent
    assert "lockspace-hosts" in broker.monitors   # the agent's monitor stays


def test_another_host_alive_in_the_lockspace_is_refused(world):
    world.hosts[2].broker.lock_host_id(2)
    world.hosts[3].broker.lock_host_id(3)
    world.slots[3] = slot(3, stopped=True)
    assert cleaner(world, 2).run(Request(3)) == 1
    assert world.slots[3] == slot(3, stopped=True)


def test_a_dead_host_is_cleaned_from_a_live_one_without_taking_its_id(world):
    world.hosts[2].broker.lock_host_id(2)
    world.hosts[3].lease_expires = 0.0           # host 3 died, its lease expired
    world.slots[3] = slot(3, stopped=False)
    assert cleaner(world, 2).run(Request(3, force=True)) == 0
    assert world.slots[3] == ""
    assert world.hosts[2].broker.holds_id == 2
