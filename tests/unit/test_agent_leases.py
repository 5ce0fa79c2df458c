"""The agent's lockspace view: the lockspace-hosts monitor read through the broker."""

import logging

from ovirt_hosted_engine_ha.agent import leases
from ovirt_hosted_engine_ha.agent.failures import Failures
from ovirt_hosted_engine_ha.lib import exceptions
from tests.agentsupport.world import World


def test_parse():
    assert leases.parse('{"1": "live", "2": "dead", "3": "fail", "4": "free"}') == \
        leases.Leases(expired=frozenset({2}), failing=frozenset({3}))
    assert leases.parse("None") is None
    assert leases.parse("[1, 2]") is None
    assert leases.parse("garbage") is None


def view_of(world, host_id=1):
    host = world.hosts[host_id]
    host.broker.lock_host_id(host_id)
    return host, leases.LeaseView(host.broker, Failures(), "sd")


def test_expired_leases_and_the_switch_logged_once_per_change(caplog):
    world = World(3)
    for host in world.hosts.values():
        host.broker.lock_host_id(host.host_id)
    host, view = view_of(world)
    with caplog.at_level(logging.INFO, "ovirt_hosted_engine_ha.agent"):
        assert view.read() == leases.NOTHING
        world.hosts[3].lease_expires = 5.0
        assert view.read().failing == {3}
        world.clock.now = 5.0
        assert view.read().expired == {3}
        host.broker.restart()                      # monitor forgotten: fallback this cycle
        assert view.read() == leases.NOTHING
        assert view.read().expired == {3}               # started again
    assert [r.getMessage() for r in caplog.records] == [
        "Liveness: sanlock host-id leases first, metadata timestamps second",
        "Liveness: metadata timestamps only (no lockspace view)",
        "Liveness: sanlock host-id leases first, metadata timestamps second",
    ]


class UpstreamBroker:
    """An upstream broker does not know the monitor type."""

    def start_monitor(self, type, options):
        raise exceptions.RequestError("start_monitor: unknown monitor type",
                                      exceptions.FaultCode.UNKNOWN_MONITOR)


def test_an_upstream_broker_means_timestamps_only(caplog):
    failures = Failures()
    view = leases.LeaseView(UpstreamBroker(), failures, "sd")
    with caplog.at_level(logging.INFO, "ovirt_hosted_engine_ha.agent"):
        assert view.read() == leases.NOTHING
        assert view.read() == leases.NOTHING
    assert failures.counts["start_monitor lockspace-hosts"] == 2
    assert [r.getMessage() for r in caplog.records] == [
        "start_monitor lockspace-hosts failed: start_monitor: unknown monitor type"]
