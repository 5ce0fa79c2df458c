"""network submonitor: real ping/dig/nc against local targets the tests start."""

import logging
import sys
import threading
from pathlib import Path

import pytest

from ovirt_hosted_engine_ha.broker import monitor
from ovirt_hosted_engine_ha.broker.submonitors import base, network
from ovirt_hosted_engine_ha.lib import exceptions

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
from tests.monitorsupport import servers  # noqa: E402
from tests.monitorsupport.fakes import FakeVdsm  # noqa: E402
from tests.monitorsupport.wait import wait_value  # noqa: E402

QUICK = {"count": "2", "delay": "0", "timeout": "1"}


def build(**options: str) -> network.Submonitor:
    return network.Submonitor(options, base.Context(conf=None, vdsm=FakeVdsm()))


@pytest.fixture
def mon():
    m = monitor.Monitor(None, vdsm=FakeVdsm(), interval=0.05)
    yield m
    m.stop_all(10)


def test_initial_value_is_one():
    assert build(addr="127.0.0.1").text == "1.0"


def test_ping_localhost():
    assert build(addr="127.0.0.1", **QUICK).measure() == 1.0


def test_ping_is_the_default_test():
    sub = build(addr="127.0.0.1", network_test="")
    assert sub.command() == ["ping", "-c", "1", "-W", "5", "127.0.0.1"]


def test_ping_ipv6_adds_family_flag():
    assert build(addr="::1").command() == ["ping", "-c", "1", "-W", "5", "-6", "::1"]


def test_tcp_listener_up_and_down(mon):
    listener = servers.TcpListener()
    options = {"network_test": "tcp", "tcp_t_address": "127.0.0.1",
               "tcp_t_port": str(listener.port), **QUICK}
    mon.start("network", options)
    listener.close()
    wait_value(lambda: mon.status("network"), "0.0", 20)
    with servers.TcpListener(port=listener.port):
        wait_value(lambda: mon.status("network"), "1.0", 20)


def test_tcp_command():
    sub = build(network_test="tcp", tcp_t_address="127.0.0.1", tcp_t_port="8080")
    assert sub.command() == ["nc", "-w", "5", "-z", "127.0.0.1", "8080"]


def test_dns_with_local_responder():
    with servers.DnsResponder() as dns:
        sub = build(network_test="dns", dns_server="127.0.0.1", dns_port=str(dns.port), **QUICK)
        assert sub.measure() == 1.0
        assert dns.queries == 2
    assert sub.measure() == 0.0


def test_dns_default_command_uses_host_resolvers():
    assert build(network_test="dns").command() == ["dig", "+tries=1", "+time=5", "+tcp"]


def test_none_test():
    sub = build(network_test="none")
    assert sub.command() is None
    assert sub.measure() == 1.0


def test_partial_success_ratio(monkeypatch):
    sub = build(addr="127.0.0.1", count="5", delay="0")
    results = iter([True, False, True, False, True])
    monkeypatch.setattr(sub, "_probe", lambda command: next(results))
    value = sub.measure()
    assert value == 0.6
    sub.publish(value)
    assert sub.text == "0.6"


def test_missing_tool_is_a_failure_logged_once(monkeypatch, tmp_path, caplog):
    monkeypatch.setenv("PATH", str(tmp_path))
    sub = build(addr="127.0.0.1", **QUICK)
    for _ in range(3):
        sub._measure_once()
    assert sub.text == "0.0"
    failures = [r for r in caplog.records if "Monitor network failed" in r.getMessage()]
    assert len(failures) == 1
    assert failures[0].levelno == logging.ERROR


def test_stop_interrupts_delay_between_probes():
    sub = build(addr="127.0.0.1", count="3", delay="60")
    sub.request_stop()
    assert sub.measure() is base.KEEP


@pytest.mark.parametrize("options,message", [
    ({}, "invalid network option 'addr': network requires addr"),
    ({"addr": "-f"}, "invalid network option 'addr': '-f' is not a host name or address"),
    ({"addr": "a b"}, "invalid network option 'addr': 'a b' is not a host name or address"),
    ({"network_test": "icmp"},
     "invalid network option 'network_test': icmp: invalid network_test, "
     "expected one of ping, dns, tcp, none"),
    ({"network_test": "tcp", "tcp_t_address": "127.0.0.1"},
     "invalid network options: tcp test requires tcp_t_address and tcp_t_port"),
    ({"network_test": "tcp", "tcp_t_address": "127.0.0.1", "tcp_t_port": "http"},
     "invalid network option 'tcp_t_port': 'http' is not an integer"),
    ({"network_test": "tcp", "tcp_t_address": "127.0.0.1", "tcp_t_port": "70000"},
     "invalid network option 'tcp_t_port': 70000 is not in 1..65535"),
    ({"addr": "127.0.0.1", "count": "0"}, "invalid network option 'count': 0 is not in 1..100"),
    ({"addr": "127.0.0.1", "timeout": "5.5"},
     "invalid network option 'timeout': '5.5' is not an integer"),
    ({"addr": "127.0.0.1", "delay": "-1"},
     "invalid network option 'delay': -1.0 is not in 0.0..60.0"),
])
def test_invalid_options(options, message):
    with pytest.raises(exceptions.InvalidArgument) as e:
        build(**options)
    assert str(e.value) == message


def test_agent_options_accepted():
    # What upstream's agent sends: nil for the unused tcp options.
    sub = network.Submonitor({"addr": "127.0.0.1", "network_test": "ping",
                              "tcp_t_address": None, "tcp_t_port": None},
                             base.Context(conf=None, vdsm=FakeVdsm()))
    assert sub.test == "ping"


def test_stop_kills_a_probe_in_flight(mon):
    with servers.BlackHole() as hole:
        # dig waits up to an hour for a silent server; stop must not.
        mon.start("network", {"network_test": "dns", "dns_server": "127.0.0.1",
                              "dns_port": str(hole.port), "timeout": "3600", "count": "1"})
        assert hole.accepted.wait(10)
        mon.stop_all(10)
        assert not [t for t in threading.enumerate() if t.name == "monitor-network"]
