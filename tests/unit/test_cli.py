"""ovirt-ha-client against a broker double: output, exit codes, errors."""

import http.server
import json
import os
import socket
import subprocess
import sys
import threading
import time

import pytest

from ovirt_hosted_engine_ha.client import cli
from ovirt_hosted_engine_ha.client.cli import commands
from ovirt_hosted_engine_ha.lib import metadata
from tests.clientsupport import hostfiles
from tests.clientsupport.hostfiles import ENGINE_UP, host_slot

host_root = hostfiles.host_root
broker = hostfiles.broker

# spec/client.md §8.3 (host 2's crc32 is its real checksum here)
EXTRA = (
    "metadata_parse_version=1\nmetadata_feature_version=1\n"
    "timestamp=4823 (Mon Nov 24 20:10:00 2025)\nhost-id=1\nscore=3400\n"
    "vm_conf_refresh_time=4790 (Mon Nov 24 20:09:27 2025)\n"
    "conf_on_shared_storage=True\nmaintenance=False\nstate=EngineUp\nstopped=False\n"
)
HOST1 = host_slot(1, host_ts=4823, engine_status=ENGINE_UP, local_conf_timestamp=4790,
                  extra=EXTRA)
HOST2 = host_slot(2, host_ts=1200, score=0, engine_status=ENGINE_UP, maintenance=True,
                  local_conf_timestamp=1100)
EXAMPLE = f"""\


!! Cluster is in GLOBAL MAINTENANCE mode !!



--== Host host1.example.com (id: 1) status ==--

Host ID                            : 1
Host timestamp                     : 4823
Score                              : 3400
Engine status                      : {{"vm": "up", "health": "good", "detail": "Up"}}
Hostname                           : host1.example.com
Local maintenance                  : False
stopped                            : False
crc32                              : 00e57683
conf_on_shared_storage             : True
local_conf_timestamp               : 4790
Status up-to-date                  : True
Extra metadata (valid at timestamp):
\tmetadata_parse_version=1
\tmetadata_feature_version=1
\ttimestamp=4823 (Mon Nov 24 20:10:00 2025)
\thost-id=1
\tscore=3400
\tvm_conf_refresh_time=4790 (Mon Nov 24 20:09:27 2025)
\tconf_on_shared_storage=True
\tmaintenance=False
\tstate=EngineUp
\tstopped=False


--== Host host2.example.com (id: 2) status ==--

Host ID                            : 2
Host timestamp                     : 1200
Score                              : 0
Engine status                      : unknown stale-data
Hostname                           : host2.example.com
Local maintenance                  : True
stopped                            : False
crc32                              : {HOST2.crc32}
conf_on_shared_storage             : True
local_conf_timestamp               : 1100
Status up-to-date                  : False


!! Cluster is in GLOBAL MAINTENANCE mode !!

"""


def run(capsys, *argv):
    code = cli.main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture
def cluster(broker):
    broker.put_host(HOST1)
    broker.put_host(HOST2)
    broker.set_global(True)
    broker.alive = [1]
    return broker


# vm-status


def test_vm_status_text_is_upstreams(cluster, capsys):
    assert HOST1.crc32 == "00e57683"
    code, out, err = run(capsys, "vm-status")
    assert (code, err) == (0, "")
    assert out == EXAMPLE


def test_vm_status_without_global_maintenance(cluster, capsys):
    cluster.set_global(False)
    code, out, _ = run(capsys, "vm-status")
    assert code == 0
    assert "GLOBAL MAINTENANCE" not in out
    assert out.startswith("\n\n--== Host host1.example.com (id: 1) status ==--\n\n")


def test_vm_status_json(cluster, capsys):
    code, out, _ = run(capsys, "vm-status", "--json")
    assert code == 0
    assert out.count("\n") == 1
    result = json.loads(out)
    assert list(result) == ["1", "2", "global_maintenance"]  # no age header: upstream's keys
    assert result["global_maintenance"] is True
    assert list(result["1"]) == ["host-id", "host-ts", "score", "engine-status", "hostname",
                                 "maintenance", "stopped", "crc32", "conf_on_shared_storage",
                                 "local_conf_timestamp", "extra", "live-data"]
    assert result["1"]["engine-status"] == {"vm": "up", "health": "good", "detail": "Up"}
    assert result["1"]["extra"] == EXTRA
    # not masked in JSON, as upstream
    assert result["2"]["engine-status"]["vm"] == "up" and result["2"]["live-data"] is False
    assert '"host-id": 1, "host-ts": 4823' in out  # default separators


def test_vm_status_warns_when_metadata_is_stale(cluster, capsys):
    cluster.metadata_age = 47.3
    code, out, _ = run(capsys, "vm-status")
    assert code == 0
    assert out == ("!! Metadata is stale: the broker's last good read of the shared storage "
                   "was 47 s ago; the status below may be out of date !!\n" + EXAMPLE)
    result = json.loads(run(capsys, "vm-status", "--json")[1])
    assert (result["metadata_age"], result["metadata_stale"]) == (47.3, True)
    assert list(result) == ["1", "2", "metadata_age", "metadata_stale", "global_maintenance"]


def test_vm_status_fresh_metadata_has_no_warning(cluster, capsys):
    cluster.metadata_age = 4.0
    assert run(capsys, "vm-status")[1] == EXAMPLE
    result = json.loads(run(capsys, "vm-status", "--json")[1])
    assert (result["metadata_age"], result["metadata_stale"]) == (4.0, False)


def test_vm_status_engine_status_not_json(broker, capsys):
    broker.put_host(host_slot(1, engine_status="None"))
    result = json.loads(run(capsys, "vm-status", "--json")[1])
    assert result["1"]["engine-status"] == "None"


def test_vm_status_marks_a_bad_slot_and_shows_the_others(cluster, capsys):
    cluster.slots[3] = metadata.build_host_slot(host_slot(3)).replace(b"|3400|", b"|9999|")
    code, out, _ = run(capsys, "vm-status")
    assert code == 0
    assert "--== Host host1.example.com (id: 1) status ==--" in out
    block = out[out.index("(id: 3)"):]
    assert block.startswith("(id: 3) status ==--\n\nHost ID                            : 3\n"
                            "Metadata error                     : metadata slot 3 is malformed: "
                            "checksum")
    assert "--== Host (metadata unreadable) (id: 3)" in out
    result = json.loads(run(capsys, "vm-status", "--json")[1])
    assert "checksum" in result["3"]["metadata-error"]
    assert result["1"]["score"] == 3400


def test_vm_status_shows_real_dates(broker, capsys, monkeypatch):
    monkeypatch.setenv("TZ", "UTC")
    time.tzset()
    try:
        extra = "timestamp=4823 (Mon Nov 24 20:10:00 2025)\ntimeout=Thu Jan  1 01:25:23 1970\n"
        broker.put_host(host_slot(1, extra=extra))
        out = run(capsys, "vm-status")[1]
        assert "\ttimeout=Mon Nov 24 20:15:00 2025\n" in out
        assert "1970" not in out
        assert "1970" not in run(capsys, "vm-status", "--json")[1]
    finally:
        monkeypatch.undo()
        time.tzset()


def test_vm_status_no_hosts(broker, capsys):
    code, out, err = run(capsys, "vm-status")
    assert code == 1 and out == ""
    assert err == "ovirt-ha-client vm-status: No status to show: " \
                  "no host has published its status yet.\n"
    code, out, _ = run(capsys, "vm-status", "--json")
    assert (code, out) == (0, '{"global_maintenance": false}\n')


def test_vm_status_broker_down(host_root, capsys):
    code, out, err = run(capsys, "vm-status")
    assert code == 1 and out == ""
    assert err.count("\n") == 1
    assert err.startswith("ovirt-ha-client vm-status: Cannot connect to the HA daemon: "
                          "cannot reach the broker at ")
    assert "No such file or directory" in err


def test_vm_status_json_broker_down(host_root, capsys):
    code, out, err = run(capsys, "vm-status", "--json")
    assert code == 1
    assert json.loads(out)["exception"].startswith("Cannot connect to the HA daemon")
    assert err


def test_vm_status_storage_unreadable(broker, capsys):
    broker.faults["get_stats"] = (4, "get_stats: metadata volume: Input/output error")
    code, out, err = run(capsys, "vm-status", "--json")
    assert code == 1
    assert json.loads(out) == {"exception": (
        "The HA daemon cannot access the shared storage: get_stats: metadata volume: "
        "Input/output error. Please make sure your storage is reachable.")}


def test_vm_status_other_fault(broker, capsys):
    broker.faults["get_stats"] = (9, "get_stats: internal error, see the broker log")
    code, _, err = run(capsys, "vm-status")
    assert code == 1
    assert err == "ovirt-ha-client vm-status: The HA daemon failed: " \
                  "get_stats: internal error, see the broker log\n"


def test_vm_status_not_deployed(broker, host_root, capsys):
    host_root.path("/etc/ovirt-hosted-engine/hosted-engine.conf").unlink()
    code, _, err = run(capsys, "vm-status")
    assert code == 1 and "you must run deploy first" in err


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


# The command itself


@pytest.mark.parametrize("command", [[], ["vm-status"], ["set-maintenance"],
                                     ["reinitialize-lockspace"], ["check-liveliness"],
                                     ["score"]])
def test_help(command, capsys):
    with pytest.raises(SystemExit) as e:
        cli.main(command + ["--help"])
    assert e.value.code == 0
    assert capsys.readouterr().out.startswith("usage: ovirt-ha-client")


def test_console_script_runs(cluster, host_root):
    env = dict(os.environ, OVIRT_HA_ROOT=str(host_root.root))
    result = subprocess.run([sys.executable, "-m", "ovirt_hosted_engine_ha.client.cli",
                             "vm-status"], env=env, capture_output=True, text=True, timeout=60)
    assert (result.returncode, result.stderr) == (0, "")
    assert result.stdout == EXAMPLE
