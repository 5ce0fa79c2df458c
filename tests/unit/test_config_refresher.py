"""The broker's refresher: local copies of vm.conf and the shared configuration, freshness."""

import json
from pathlib import Path

import pytest

from ovirt_hosted_engine_ha.broker.config_refresher import ConfigRefresher
from ovirt_hosted_engine_ha.broker.monitor import Monitor
from ovirt_hosted_engine_ha.env import paths
from ovirt_hosted_engine_ha.lab import conffiles, engine_ovf
from ovirt_hosted_engine_ha.lib import exceptions
from tests.monitorsupport.wait import wait_for
from tests.ovfsupport.domain import make_domain


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def domain(disk_tmp, monkeypatch):
    return make_domain(Path(disk_tmp), monkeypatch)


def local(path: str) -> str:
    return paths.resolve(path).read_text()


def status(refresher) -> dict:
    return json.loads(refresher.value())


def test_a_refresh_writes_every_local_copy(domain):
    clock = Clock()
    refresher = ConfigRefresher(domain.conf, domain.call, period=60, clock=clock)
    assert status(refresher) == {"source": None, "age": None, "error": None,
                                 "ovf_error": None, "shared_age": None, "shared_error": None,
                                 "refreshes": 0}
    refresher.refresh_once()
    vm_conf = local("/var/run/ovirt-hosted-engine-ha/vm.conf")
    assert vm_conf.startswith("# Editing the hosted engine VM is only possible via the manager")
    assert f"vmId={domain.ids.vm_id}\nmemSize=4096\n" in vm_conf and "xmlBase64=" in vm_conf
    assert local("/var/lib/ovirt-hosted-engine-ha/hosted-engine.conf") == \
        conffiles.hosted_engine_conf(domain.ids, host_id=1)
    assert local("/var/lib/ovirt-hosted-engine-ha/broker.conf") == conffiles.broker_conf()
    clock.now += 12.5
    assert status(refresher) == {"source": "ovf", "age": 12.5, "error": None,
                                 "ovf_error": None, "shared_age": 12.5, "shared_error": None,
                                 "refreshes": 1}


def test_a_vm_change_in_the_engine_reaches_vm_conf_at_the_next_refresh(domain):
    refresher = ConfigRefresher(domain.conf, domain.call, period=60, clock=Clock())
    refresher.refresh_once()
    path = paths.resolve("/var/run/ovirt-hosted-engine-ha/vm.conf")
    before = path.stat().st_mtime_ns
    refresher.refresh_once()
    assert path.stat().st_mtime_ns == before        # unchanged content: not rewritten
    engine_ovf.change(domain.layout, domain.ids, memory_mib=8192, vcpus=4)
    refresher.refresh_once()
    text = path.read_text()
    assert "memSize=8192\n" in text and "smp=4\n" in text


def test_fallback_and_failures_are_reported_and_keep_the_copies(domain, caplog):
    clock = Clock()
    refresher = ConfigRefresher(domain.conf, domain.call, period=60, clock=clock)
    refresher.refresh_once()
    for image, volume in engine_ovf.volumes(domain.ids):
        with open(domain.layout.volume(domain.ids.sd_uuid, image, volume), "r+b") as f:
            f.write(b"\0" * 4096)
    clock.now += 5
    refresher.refresh_once()
    got = status(refresher)
    assert (got["source"], got["age"], got["error"]) == ("conf-volume", 0.0, None)
    assert f"has no {domain.ids.vm_id}.ovf" in got["ovf_error"]
    assert "Not using the OVF_STORE" in caplog.text
    with open(domain.volume("conf"), "r+b") as f:
        f.write(b"\0" * 4096)
    clock.now += 5
    caplog.clear()
    refresher.refresh_once()
    refresher.refresh_once()
    got = status(refresher)
    assert (got["source"], got["age"], got["refreshes"]) == ("conf-volume", 5.0, 4)
    assert got["error"].startswith("no OVF_STORE (") and got["shared_error"]
    assert caplog.text.count("Cannot refresh vm.conf") == 1      # once per change
    assert "memSize=4096" in local("/var/run/ovirt-hosted-engine-ha/vm.conf")
    assert local("/var/lib/ovirt-hosted-engine-ha/broker.conf") == conffiles.broker_conf()


def test_the_vm_config_monitor_answers_freshness_and_refreshes_on_demand(domain):
    refresher = ConfigRefresher(domain.conf, domain.call, period=3600)
    refresher.refresh_once()
    refresher.start()
    monitor = Monitor(domain.conf, refresher=refresher, stop_timeout=2)
    try:
        assert monitor.start("vm-config", {}) == "vm-config"
        assert json.loads(monitor.status("vm-config"))["source"] == "ovf"
        wait_for(lambda: refresher.freshness.refreshes >= 2, 10)
        engine_ovf.change(domain.layout, domain.ids, memory_mib=2048)
        monitor.start("vm-config", {})        # already running: still a refresh request
        wait_for(lambda: "memSize=2048" in local("/var/run/ovirt-hosted-engine-ha/vm.conf"),
                 10)
        assert json.loads(monitor.status("vm-config"))["refreshes"] >= 3
    finally:
        monitor.stop_all(2)
        refresher.stop(2)


def test_without_a_refresher_the_monitor_is_unknown(domain):
    with pytest.raises(exceptions.UnknownMonitor, match="configuration refresher"):
        Monitor(domain.conf).start("vm-config", {})
