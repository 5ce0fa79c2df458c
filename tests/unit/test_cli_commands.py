"""ovirt-ha-client's maintenance, lockspace, score and liveliness commands."""

import http.server
import socket
import threading

import pytest

from ovirt_hosted_engine_ha.client import cli
from ovirt_hosted_engine_ha.client.cli import commands
from tests.clientsupport import hostfiles
from tests.clientsupport.hostfiles import host_slot
from tests.clientsupport.hostfiles import run_cli as run

host_root = hostfiles.host_root
broker = hostfiles.broker

# set-maintenance


def test_set_global(broker, host_root, capsys):
    assert run(capsys, "set-maintenance", "--mode", "global") == (0, "", "")
    assert broker.slots[0] == b"maintenance=1".ljust(4096, b"\0")
    assert host_root.ha_conf() == "local_maintenance=False\nlocal_maintenance_manual=False\n"


def test_set_local(broker, host_root, capsys, monkeypatch):
    asked = []
    monkeypatch.setattr(commands, "engine_vm_here", lambda vm_id: asked.append(vm_id) or False)
    broker.set_global(True)
    assert run(capsys, "set-maintenance", "--mode", "local")[0] == 0
    assert asked == ["vm-1"]
    assert host_root.ha_conf() == "local_maintenance=True\nlocal_maintenance_manual=True\n"
    assert broker.slots[0] == b"maintenance=0".ljust(4096, b"\0")


def test_set_local_refused_while_engine_runs_here(broker, host_root, capsys, monkeypatch):
    monkeypatch.setattr(commands, "engine_vm_here", lambda vm_id: True)
    code, _, err = run(capsys, "set-maintenance", "--mode", "local")
    assert code == 1 and "the engine VM is running on the current host" in err
    assert "True" not in host_root.ha_conf()
    assert 0 not in broker.slots


def test_set_none(broker, host_root, capsys):
    host_root.write_ha_conf("local_maintenance=True\nlocal_maintenance_manual=True\n")
    broker.set_global(True)
    assert run(capsys, "set-maintenance", "--mode", "none")[0] == 0
    assert host_root.ha_conf() == "local_maintenance=False\nlocal_maintenance_manual=False\n"
    assert broker.slots[0] == b"maintenance=0".ljust(4096, b"\0")


def test_set_maintenance_needs_vmid(broker, host_root, capsys):
    host_root.write_he_conf(host_id=1)
    code, _, err = run(capsys, "set-maintenance", "--mode", "global")
    assert code == 1 and "no vmid: you must run deploy first" in err


def test_set_maintenance_broker_down(host_root, capsys):
    code, _, err = run(capsys, "set-maintenance", "--mode", "global")
    assert code == 1 and "Cannot connect to the HA daemon" in err


def test_set_maintenance_bad_mode(host_root, capsys):
    with pytest.raises(SystemExit) as e:
        cli.main(["set-maintenance", "--mode", "remote"])
    assert e.value.code == 2
    assert "invalid choice: 'remote'" in capsys.readouterr().err


# reinitialize-lockspace


def test_reinitialize_refused(broker, capsys):
    broker.set_global(False)
    code, _, err = run(capsys, "reinitialize-lockspace")
    assert code == 1
    assert err == "ovirt-ha-client reinitialize-lockspace: " \
                  "Lockfile reset can be performed in global maintenance mode only.\n"
    assert broker.resets == 0


def test_reinitialize_forced(broker, capsys):
    broker.put_host(host_slot(1))
    assert run(capsys, "reinitialize-lockspace", "--force") == (0, "", "")
    assert broker.resets == 1


def test_reinitialize_not_configured(broker, host_root, capsys):
    host_root.write_he_conf(host_id=1, configured="False")
    code, _, err = run(capsys, "reinitialize-lockspace", "--force")
    assert code == 1 and "not configured" in err


# score


def test_score(broker, capsys):
    broker.put_host(host_slot(1, score=2400))
    broker.alive = [1]
    assert run(capsys, "score") == (0, "2400\n", "")
    broker.alive = []
    assert run(capsys, "score") == (0, "0\n", "")


# check-liveliness


class Health(http.server.BaseHTTPRequestHandler):
    answer = (200, b"DB Up!Welcome to Health Status!")

    def do_GET(self):
        status, body = self.answer if self.path == "/ovirt-engine/services/health" else (404, b"")
        self.send_response(status)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


@pytest.fixture
def engine(host_root):
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Health)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    host_root.write_he_conf(host_id=1, fqdn=f"127.0.0.1:{server.server_port}")
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()


@pytest.mark.parametrize("answer,code,out", [
    ((200, b"DB Up!Welcome to Health Status!"), 0, "Hosted Engine is up!\n"),
    ((200, b"DB Down!"), 1, "Hosted Engine is not up!\n"),
    ((200, b""), 1, "Hosted Engine is not up!\n"),
    ((200, b"first line\nDB Up"), 1, "Hosted Engine is not up!\n"),
    ((500, b"DB Up"), 1, "Hosted Engine is not up!\n"),
])
def test_check_liveliness(engine, capsys, monkeypatch, answer, code, out):
    monkeypatch.setattr(Health, "answer", answer)
    assert run(capsys, "check-liveliness") == (code, out, "")


def test_check_liveliness_nobody_listens(host_root, capsys):
    with socket.socket() as unused:
        unused.bind(("127.0.0.1", 0))  # bound, not listening: connections are refused
        host_root.write_he_conf(fqdn=f"127.0.0.1:{unused.getsockname()[1]}")
        assert run(capsys, "check-liveliness") == (1, "Hosted Engine is not up!\n", "")


def test_check_liveliness_without_fqdn(host_root, capsys):
    host_root.write_he_conf(host_id=1)
    code, _, err = run(capsys, "check-liveliness")
    assert code == 2 and "has no fqdn" in err


def test_check_liveliness_without_conf(host_root, capsys):
    host_root.path("/etc/ovirt-hosted-engine/hosted-engine.conf").unlink()
    code, _, err = run(capsys, "check-liveliness")
    assert code == 2 and "Error reading the configuration file" in err
