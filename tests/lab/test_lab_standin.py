"""The vdsm.client stand-in: upstream's call shape, exceptions and events."""

import queue
import threading

import pytest
from labsupport import wait_for
from vdsm import client, config
from vdsm.common import exception
from vdsm.virt import vmexitreason, vmstatus


def test_connect_without_simulator(tmp_path, monkeypatch):
    monkeypatch.setenv("OVIRT_HA_ROOT", str(tmp_path))
    with pytest.raises(client.ConnectionError) as e:
        client.connect("localhost", timeout=900)
    assert str(e.value).startswith(
        "Connection to localhost:54321 with use_tls=True, timeout=900 failed: ")
    assert e.value.host == "localhost" and e.value.port == 54321
    assert isinstance(e.value, client.Error)


def test_connect_ignores_tls_settings(cli, sim):
    other = client.connect("example.invalid", port=1, use_tls=True, timeout=5)
    try:
        assert other.Host.ping2() is True
    finally:
        other.close()


def test_ping(cli):
    assert cli.Host.ping2(_timeout=5) is True


def test_unknown_verb(cli):
    with pytest.raises(client.ServerError) as e:
        cli.Host.noSuchVerb(x=1)
    assert e.value.code == -32601
    assert e.value.cmd == "Host.noSuchVerb"
    assert e.value.params == {"x": 1}
    assert str(e.value) == (
        "Command Host.noSuchVerb with args {'x': 1} failed:\n"
        f"(code=-32601, message={e.value.resp_msg})")


def test_unknown_namespace(cli):
    with pytest.raises(AttributeError):
        cli.NoSuchNamespace  # noqa: B018


def test_keyword_arguments_only(cli):
    with pytest.raises(TypeError):
        cli.VM.getStats("some-vm")


def test_invalid_params(cli):
    with pytest.raises(client.ServerError) as e:
        cli.VM.getStats(vmId="wrong-name")
    assert e.value.code == -32602


def test_timeout_is_removed_from_params(cli, sim):
    cli.Host.getStats(_timeout=3)
    assert sim.state.calls()["Host.getStats"] == 1


def test_timeout_error(cli, sim):
    sim.state.faults.set("Host.getStats", sim_fault("hang"))
    with pytest.raises(client.TimeoutError) as e:
        cli.Host.getStats(_timeout=0.2)
    assert str(e.value) == "Request Host.getStats with args {} timed out after 0.2 seconds"


def test_shared_by_threads(cli):
    errors = []

    def worker(n):
        try:
            for i in range(50):
                with pytest.raises(client.ServerError) as e:
                    cli.VM.getStats(vmID=f"vm-{n}-{i}")
                assert e.value.params == {"vmID": f"vm-{n}-{i}"}
                assert cli.Host.ping2() is True
        except BaseException as e:  # reported below
            errors.append(e)

    threads = [threading.Thread(target=worker, args=(n,)) for n in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []


def test_hung_call_does_not_block_others(cli, sim):
    sim.state.faults.set("Host.getStats", sim_fault("hang"))
    result = {}
    t = threading.Thread(target=lambda: result.setdefault("stats", cli.Host.getStats()))
    t.start()
    wait_for(lambda: sim.state.calls().get("Host.getStats"))
    assert cli.Host.ping2() is True
    sim.state.faults.set("Host.getStats", None)
    t.join(timeout=5)
    assert result["stats"]["memFree"] > 0


def test_closed_client(cli):
    cli.close()
    with pytest.raises(client.ClientError) as e:
        cli.Host.ping2()
    assert str(e.value) == "Request Host.ping2 with args {} failed: client is closed"


def test_simulator_gone_fails_pending_call(cli, sim):
    sim.state.faults.set("Host.getStats", sim_fault("hang"))
    failure = {}

    def call():
        try:
            cli.Host.getStats(_timeout=10)
        except client.Error as e:
            failure["error"] = e

    t = threading.Thread(target=call)
    t.start()
    wait_for(lambda: sim.state.calls().get("Host.getStats"))
    sim.server.shutdown()
    t.join(timeout=5)
    assert isinstance(failure["error"], client.ClientError | client.ServerError)


def test_events(cli, sim):
    events: queue.Queue = queue.Queue()
    sub = cli.subscribe(config.config.get("addresses", "event_queue"), events)
    cli.VM.create(vmID="vm1", vmParams={"vmId": "vm1"})
    seen = []
    while "Up" not in seen:
        method, params = events.get(timeout=5)
        assert method == "|virt|VM_status|vm1"
        assert isinstance(params["notify_time"], int)
        seen.append(params["vm1"]["status"])
    assert seen == ["WaitForLaunch", "Powering up", "Up"]
    cli.unsubscribe(sub)
    assert events.get(timeout=1) is None


def test_close_ends_subscriptions(cli):
    events: queue.Queue = queue.Queue()
    cli.subscribe("jms.queue.events", events)
    cli.close()
    assert events.get(timeout=1) is None


def test_simulator_gone_ends_subscriptions(cli, sim):
    events: queue.Queue = queue.Queue()
    cli.subscribe("jms.queue.events", events)
    sim.server.shutdown()
    assert events.get(timeout=5) is None


def test_other_vdsm_names():
    assert config.config.get("addresses", "event_queue") == "jms.queue.events"
    assert exception.NoSuchVM.code == 1
    assert (vmstatus.UP, vmstatus.DOWN, vmstatus.WAIT_FOR_LAUNCH) == ("Up", "Down", "WaitForLaunch")
    assert vmstatus.MIGRATION_DESTINATION == "Migration Destination"
    assert vmstatus.POWERING_UP == "Powering up"
    assert vmstatus.RESTORING_STATE == "Restoring state"
    assert vmstatus.PAUSED == "Paused"
    assert vmexitreason.MIGRATION_SUCCEEDED == 4


def sim_fault(mode, **kw):
    from ovirt_hosted_engine_ha.lab.vdsm_sim.knobs import make_fault

    return make_fault(mode, kw.get("seconds"), kw.get("code"), kw.get("message"))
