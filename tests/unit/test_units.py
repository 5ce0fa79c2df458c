"""The systemd units in initscripts/: what the daemons and the specs need of them.

Checked as text (systemd-analyze verify/security run in tests/package).
"""

from pathlib import Path

import pytest

from ovirt_hosted_engine_ha.env import constants

UNITS = Path(__file__).resolve().parents[2] / "initscripts"
# agent.md §8: start_domain_monitor may block ~240 s; sanlock add_lockspace
# (lock_host_id) ~160 s; the first cycle (before READY=1) may do both.
DOMAIN_MONITOR_WAIT = constants.MAX_DOMAIN_MONITOR_WAIT_SECS
LOCK_HOST_ID_WAIT = 160


def parse(name: str) -> dict[str, dict[str, list[str]]]:
    sections: dict[str, dict[str, list[str]]] = {}
    current: dict[str, list[str]] = {}
    for raw in (UNITS / name).read_text().splitlines():
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        if line.startswith("["):
            current = sections.setdefault(line.strip("[]"), {})
            continue
        key, _, value = line.partition("=")
        current.setdefault(key, []).append(value)
    return sections


def words(values: list[str]) -> set[str]:
    return {w for v in values for w in v.split()}


def seconds(text: str) -> float:
    return float(text.rstrip("s"))


@pytest.fixture(params=["ovirt-ha-broker.service", "ovirt-ha-agent.service"])
def unit(request):
    return request.param, parse(request.param)


def test_both_run_as_vdsm_notify_under_watchdog(unit):
    name, u = unit
    service = u["Service"]
    assert service["Type"] == ["notify"]
    assert service["User"] == ["vdsm"] and service["Group"] == ["kvm"]
    assert service["ExecStart"] == [f"/usr/libexec/ovirt-hosted-engine-ha/{name[:-8]}"]
    assert seconds(service["WatchdogSec"][0]) > 0
    assert u["Unit"]["ConditionFileNotEmpty"] == [constants.ENGINE_SETUP_CONF_FILE]


def test_runtime_directory_survives_either_unit_stopping(unit):
    # spec/reliability.md R24: the agent's vm.conf lives in the broker's dir
    service = unit[1]["Service"]
    run_dir = constants.RUN_DIR.rsplit("/", 1)[1]
    assert service["RuntimeDirectory"] == [run_dir]
    assert service["RuntimeDirectoryPreserve"] == ["yes"]
    assert service["RuntimeDirectoryMode"] == ["0755"]


def test_sandbox_keeps_storage_sanlock_and_vdsm_reachable(unit):
    service = unit[1]["Service"]
    assert service["ProtectSystem"] == ["strict"]
    assert words(service["ReadWritePaths"]) == {"-/rhev/data-center"}
    assert service["LogsDirectory"] == [constants.LOG_DIR.rsplit("/", 1)[1]]
    assert service["StateDirectory"] == [constants.STATE_DIR.rsplit("/", 1)[1]]
    assert service["LogsDirectoryMode"] == service["StateDirectoryMode"] == ["0700"]
    assert service.get("PrivateDevices", ["no"]) == ["no"]  # block domains: /dev/dm-*
    assert "block-device-mapper rw" in service["DeviceAllow"]
    assert {"AF_UNIX", "AF_INET", "AF_INET6"} <= words(service["RestrictAddressFamilies"])
    assert "PrivateNetwork" not in service and "PrivateUsers" not in service
    assert "InaccessiblePaths" not in service
    for key in ("NoNewPrivileges", "ProtectHome", "ProtectKernelModules", "RestrictSUIDSGID",
                "LockPersonality", "RestrictRealtime", "ProtectControlGroups"):
        assert service[key] == ["yes"], key
    assert service["SystemCallFilter"] == ["@system-service"]


def test_broker_restarts_on_failure_and_may_ping():
    service = parse("ovirt-ha-broker.service")["Service"]
    assert service["Restart"] == ["on-failure"]
    assert service["CapabilityBoundingSet"] == ["CAP_NET_RAW"]
    assert service["AmbientCapabilities"] == ["CAP_NET_RAW"]


def test_agent_after_broker_and_vdsm_wants_sanlock_limits_cover_long_calls():
    u = parse("ovirt-ha-agent.service")
    after = words(u["Unit"]["After"])
    assert {"ovirt-ha-broker.service", "vdsmd.service", "sanlock.service"} <= after
    assert {"ovirt-ha-broker.service", "sanlock.service"} <= words(u["Unit"]["Wants"])
    service = u["Service"]
    assert service["Restart"] == ["always"]
    assert service["CapabilityBoundingSet"] == [""]
    # one call may hold a cycle for 240 s: the watchdog must outlast it and a cycle
    assert seconds(service["WatchdogSec"][0]) >= DOMAIN_MONITOR_WAIT + constants.LOOP_DELAY
    assert seconds(service["TimeoutStartSec"][0]) >= (
        DOMAIN_MONITOR_WAIT + LOCK_HOST_ID_WAIT + constants.LOOP_DELAY)
    assert u["Install"]["Also"] == ["ovirt-ha-broker.service"]
