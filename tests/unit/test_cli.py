"""ovirt-ha-client against a broker double: output, exit codes, errors."""

import json
import os
import subprocess
import sys
import time

import pytest

from ovirt_hosted_engine_ha.client import cli
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


run = hostfiles.run_cli


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
    assert out.startswith("Cluster: 2 hosts; engine VM up on 1; 1 stale; 0 ready; "
                          "global maintenance ON\n")
    assert out.endswith(EXAMPLE)  # upstream's blocks follow the summary


def test_vm_status_without_global_maintenance(cluster, capsys):
    cluster.set_global(False)
    code, out, _ = run(capsys, "vm-status")
    assert code == 0
    assert "GLOBAL MAINTENANCE" not in out
    assert "\n\n\n--== Host host1.example.com (id: 1) status ==--\n\n" in out


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
    cluster.metadata_age = None
    plain = run(capsys, "vm-status")[1]
    cluster.metadata_age = 47.3
    code, out, _ = run(capsys, "vm-status")
    assert code == 0
    assert out == ("!! Metadata is stale: the broker's last good read of the shared storage "
                   "was 47 s ago; the status below may be out of date !!\n" + plain)
    result = json.loads(run(capsys, "vm-status", "--json")[1])
    assert (result["metadata_age"], result["metadata_stale"]) == (47.3, True)
    assert list(result) == ["1", "2", "metadata_age", "metadata_stale", "global_maintenance"]


def test_vm_status_fresh_metadata_has_no_warning(cluster, capsys):
    cluster.metadata_age = None
    plain = run(capsys, "vm-status")[1]
    cluster.metadata_age = 4.0
    assert run(capsys, "vm-status")[1] == plain
    result = json.loads(run(capsys, "vm-status", "--json")[1])
    assert (result["metadata_age"], result["metadata_stale"]) == (4.0, False)


def test_vm_status_summary_groups_what_matters(broker, capsys):
    broker.put_host(host_slot(1, score=3400, engine_status=ENGINE_UP, extra="state=EngineUp\n"))
    broker.put_host(host_slot(2, score=0, extra="state=EngineUnexpectedlyDown\n"))
    broker.put_host(host_slot(3, score=1800))
    broker.put_host(host_slot(4, score=3400))
    broker.put_host(host_slot(5, score=3400))
    broker.put_host(host_slot(6, score=0, maintenance=True))
    broker.alive = [1, 2, 3, 4, 6]
    code, out, _ = run(capsys, "vm-status")
    assert code == 0
    titles = [line for line in out.splitlines() if line.startswith("-- ")]
    assert titles == ["-- engine VM running (1) --",
                      "-- stale: no update within the liveness window (1) --",
                      "-- score 0 (1) --", "-- local maintenance (1) --",
                      "-- ready (score > 0), best first (2) --"]
    ready = out[out.index("-- ready"):].splitlines()[2:4]
    assert [int(line.split()[0]) for line in ready] == [4, 3]  # best score first
    assert "EngineUnexpectedlyDown" in out
    assert out.startswith("Cluster: 6 hosts; engine VM up on 1; 1 stale; 2 ready;")


def test_vm_status_large_cluster_summary_only_then_host_detail(broker, capsys):
    for host_id in range(1, 12):
        broker.put_host(host_slot(host_id))
    broker.alive = list(range(1, 12))
    out = run(capsys, "vm-status")[1]
    assert "--== Host" not in out and out.count("example.com") == 11
    assert "--host N" in out
    assert run(capsys, "vm-status", "--all")[1].count("--== Host") == 11
    code, out, _ = run(capsys, "vm-status", "--host", "7")
    assert code == 0
    assert out.startswith("--== Host host7.example.com (id: 7) status ==--")
    assert out.count("--== Host") == 1
    code, _, err = run(capsys, "vm-status", "--host", "99")
    assert code == 1 and "host 99 has published no status" in err


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
    assert result.stdout.endswith(EXAMPLE)
