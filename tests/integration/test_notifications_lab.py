"""Notifications through lab brokers: broker.conf from the configuration volume, real SMTP."""

import sys
import threading
from pathlib import Path

import pytest

from ovirt_hosted_engine_ha.lib import exceptions
from ovirt_hosted_engine_ha.lib.exceptions import FaultCode

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
from tests.monitorsupport import servers  # noqa: E402
from tests.monitorsupport.lab import replace_conf_volume_member  # noqa: E402

pytestmark = pytest.mark.integration

STATE = "state_transition"


def broker_conf(port: int, rule: str = "maintenance|start|stop|up|down",
                timeout: str = "10") -> str:
    return (f"[email]\nsmtp-server = 127.0.0.1\nsmtp-port = {port}\nsmtp-timeout = {timeout}\n"
            "source-email = ha@lab.example\n"
            "destination-emails = admin@lab.example,ops@lab.example\n"
            f"\n[notify]\n{STATE} = {rule}\n")


@pytest.fixture
def lab(shared_cluster):
    """The module's cluster; its configuration volume and local broker.conf files restored."""
    c = shared_cluster(hosts=2)
    volume = c.conf_volume_path.read_bytes()
    local = {h: local_conf(h).read_bytes() if local_conf(h).exists() else None
             for h in c.hosts.values()}
    yield c
    c.conf_volume_path.write_bytes(volume)
    for host, data in local.items():
        if data is None:
            local_conf(host).unlink(missing_ok=True)
        else:
            local_conf(host).write_bytes(data)


@pytest.fixture
def smtp():
    with servers.SmtpServer() as s:
        yield s


def local_conf(host) -> Path:
    return Path(host.root, "var/lib/ovirt-hosted-engine-ha/broker.conf")


def test_sent_with_conf_volume_settings(lab, smtp):
    replace_conf_volume_member(lab, "broker.conf", broker_conf(smtp.port))
    for host_id, host in lab.hosts.items():
        assert host.link().notify(STATE, "EngineDown-EngineStart",
                                  hostname=f"host{host_id}") == "sent"
        assert local_conf(host).read_text() == broker_conf(smtp.port)
    assert len(smtp.messages) == 2
    sender, recipients, message = smtp.messages[1]
    assert (sender, recipients) == ("ha@lab.example", ["admin@lab.example", "ops@lab.example"])
    assert message["Subject"] == "ovirt-hosted-engine state transition EngineDown-EngineStart"
    assert message["To"] == "admin@lab.example,ops@lab.example"
    assert message["Date"]
    assert message.get_payload().strip() == (
        "Hosted engine host: host2 changed state: EngineDown-EngineStart.")


def test_filtered_by_rule(lab, smtp):
    replace_conf_volume_member(lab, "broker.conf", broker_conf(smtp.port, rule="engineup-"))
    link = lab.hosts[1].link()
    assert link.notify(STATE, "EngineUp-EngineMaybeAway", hostname="h") == "sent"
    assert link.notify(STATE, "EngineDown-EngineStart", hostname="h") == "ignored"
    assert link.notify("other_event", "EngineUp-EngineStop", hostname="h") == "ignored"
    assert [m["Subject"].split()[-1] for _, _, m in smtp.messages] == [
        "EngineUp-EngineMaybeAway"]


def test_bad_regex_is_a_fault(lab):
    replace_conf_volume_member(lab, "broker.conf", broker_conf(25, rule="(up"))
    with pytest.raises(exceptions.RequestError) as e:
        lab.hosts[1].link().notify(STATE, "EngineDown-EngineUp", hostname="h")
    assert e.value.code == FaultCode.NOTIFICATION
    assert "invalid regular expression '(up' for [notify] state_transition" in str(e.value)


def test_black_hole_smtp_does_not_block_other_callers(lab):
    with servers.BlackHole() as hole:
        replace_conf_volume_member(lab, "broker.conf", broker_conf(hole.port, timeout="5"))
        link = lab.hosts[1].link(timeout=60)
        link.start_monitor("network", {"network_test": "none"})
        results: list[object] = []
        caller = threading.Thread(target=lambda: results.append(
            link.notify(STATE, "EngineUp-EngineStop", hostname="h")))
        caller.start()
        try:
            assert hole.accepted.wait(30)
            # While the mail waits on the silent server, other verbs answer.
            assert link.get_monitor_status("network") == "1.0"
            assert isinstance(link.get_stats_from_storage(), dict)
            assert link.is_host_alive(1) in (True, False)
            assert results == []
        finally:
            caller.join(60)
    assert results == ["ignored"]
    link.stop_monitor("network")
