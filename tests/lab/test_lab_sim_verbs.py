"""The vdsm simulator's verbs and answer shapes (spec/vdsm.md §2.2, §4),
called through the real stand-in client over a real socket."""

import os
import time

import pytest
from labsupport import make_domain, wait_for
from vdsm import client

BLANK = "00000000-0000-0000-0000-000000000000"


def server_error(call, *args, **kwargs) -> client.ServerError:
    with pytest.raises(client.ServerError) as e:
        call(*args, **kwargs)
    return e.value


# Storage


def test_domain_info(cli, sim):
    info = cli.StorageDomain.getInfo(storagedomainID=sim.ids.sd_uuid)
    assert info["block_size"] == 512
    assert info["alignment"] == 1048576
    assert info["remotePath"] == "localhost:/lab"
    assert info["pool"] == []
    assert info["uuid"] == sim.ids.sd_uuid
    assert info["version"] == 5


def test_domain_info_4096(lab_dir, sim, cli):
    domain = make_domain(lab_dir / "other", sector=4096)
    sim.state.storage.dir = domain.layout.storage.resolve()
    assert cli.StorageDomain.getInfo(storagedomainID=domain.ids.sd_uuid)["block_size"] == 4096


def test_unknown_domain(cli):
    e = server_error(cli.StorageDomain.getInfo, storagedomainID="no-such-sd")
    assert e.code == 358
    assert e.params == {"storagedomainID": "no-such-sd"}


def test_domain_stats(cli, sim):
    stats = cli.StorageDomain.getStats(storagedomainID=sim.ids.sd_uuid)
    assert int(stats["diskfree"]) > 0
    assert stats["mdavalid"] is True


def test_connect_storage_server(cli, sim):
    params = [{"connection": "localhost:/lab", "user": "kvm", "id": "c1",
               "protocol_version": "auto"}]
    assert cli.StoragePool.connectStorageServer(
        storagepoolID=BLANK, domainType=1, connectionParams=params) == [{"id": "c1", "status": 0}]


def test_connect_storage_server_wrong_path(cli):
    params = [{"connection": "otherhost:/export", "user": "kvm", "id": "c2"}]
    result = cli.StoragePool.connectStorageServer(
        storagepoolID=BLANK, domainType=1, connectionParams=params)
    assert result[0]["id"] == "c2" and result[0]["status"] != 0


def test_image_prepare(cli, sim):
    ids = sim.ids
    answer = cli.Image.prepare(storagepoolID=BLANK, storagedomainID=ids.sd_uuid,
                               imageID=ids.metadata_image, volumeID=ids.metadata_volume)
    expected = os.path.join(os.path.realpath(sim.domain.layout.storage), ids.sd_uuid,
                            "images", ids.metadata_image, ids.metadata_volume)
    assert answer == {"path": expected}
    run_link = sim.host_root / "run/vdsm/storage" / ids.sd_uuid / ids.metadata_image
    assert os.path.realpath(run_link) == os.path.dirname(expected)


def test_image_prepare_missing_volume(cli, sim):
    e = server_error(cli.Image.prepare, storagepoolID=BLANK, storagedomainID=sim.ids.sd_uuid,
                     imageID=sim.ids.metadata_image, volumeID="no-such-volume")
    assert e.code == 201


def test_images_volumes_and_volume_info(cli, sim):
    ids = sim.ids
    images = cli.StorageDomain.getImages(storagedomainID=ids.sd_uuid)
    assert {ids.metadata_image, ids.lockspace_image, ids.conf_image} <= set(images)
    volumes = cli.StorageDomain.getVolumes(storagedomainID=ids.sd_uuid, storagepoolID=BLANK,
                                           imageID=ids.conf_image)
    assert volumes == [ids.conf_volume]
    info = cli.Volume.getInfo(volumeID=ids.conf_volume, imageID=ids.conf_image,
                              storagepoolID=BLANK, storagedomainID=ids.sd_uuid)
    assert info["description"] == "HostedEngineConfigurationImage"


# Domain monitor


def test_domain_monitor_life_cycle(cli, sim):
    sd = sim.ids.sd_uuid
    assert cli.Host.getStorageRepoStats(domains=[sd]) == {}
    assert cli.Host.startMonitoringDomain(sdUUID=sd, hostID=1) is True
    first = cli.Host.getStorageRepoStats(domains=[sd])[sd]
    assert first["acquired"] is False
    assert first["valid"] is True
    assert float(first["delay"]) <= 10 and isinstance(first["delay"], str)
    assert isinstance(first["lastCheck"], str)
    assert first["code"] == 0 and first["version"] == 5 and first["actual"] is True
    wait_for(lambda: cli.Host.getStorageRepoStats(domains=[sd])[sd]["acquired"])
    assert cli.Host.stopMonitoringDomain(sdUUID=sd) is True
    assert cli.Host.getStorageRepoStats(domains=[sd]) == {}


def test_monitor_unknown_domain(cli):
    assert server_error(cli.Host.startMonitoringDomain, sdUUID="nope", hostID=1).code == 358


def test_domain_health_knobs(cli, sim):
    sd = sim.ids.sd_uuid
    cli.Host.startMonitoringDomain(sdUUID=sd, hostID=1)
    cli.Lab.set(domain_valid=False, domain_delay=12.5, domain_code=200)
    vitals = cli.Host.getStorageRepoStats(domains=[sd])[sd]
    assert vitals["valid"] is False
    assert float(vitals["delay"]) == 12.5
    assert vitals["code"] == 200


def test_acquire_delay_knob(cli, sim):
    sd = sim.ids.sd_uuid
    cli.Lab.set(acquire_delay=0.0)
    cli.Host.startMonitoringDomain(sdUUID=sd, hostID=1)
    assert cli.Host.getStorageRepoStats(domains=[sd])[sd]["acquired"] is True


# Host statistics


def test_host_stats(cli, sim):
    stats = cli.Host.getStats()
    assert isinstance(stats["memFree"], int)
    assert stats["network"]["ovirtmgmt"]["state"] == "up"
    assert stats["storageDomains"] == {}
    float(stats["cpuLoad"])


def test_host_stats_knobs(cli, sim):
    cli.Lab.set(bridge_up=False, mem_free=300)
    stats = cli.Host.getStats()
    assert stats["network"]["ovirtmgmt"]["state"] == "down"
    assert stats["memFree"] == 300
    cli.Host.startMonitoringDomain(sdUUID=sim.ids.sd_uuid, hostID=1)
    assert sim.ids.sd_uuid in cli.Host.getStats()["storageDomains"]


# VMs


def test_vm_unknown(cli):
    e = server_error(cli.VM.getStats, vmID="vm1")
    assert e.code == 1
    assert server_error(cli.VM.destroy, vmID="vm1").code == 1
    assert server_error(cli.VM.shutdown, vmID="vm1", delay="120", message="bye").code == 1


def test_vm_start(cli):
    created = cli.VM.create(vmID="vm1", vmParams={"vmId": "vm1", "memSize": "4096"})
    assert created["status"] == "WaitForLaunch"
    assert created["vmId"] == "vm1"
    assert server_error(cli.VM.create, vmID="vm1", vmParams={}).code == 4
    seen = set()

    def up():
        stats = cli.VM.getStats(vmID="vm1")
        assert isinstance(stats, list) and len(stats) == 1
        seen.add(stats[0]["status"])
        return stats[0]["status"] == "Up" and stats[0]

    stats = wait_for(up)
    assert "Powering up" in seen or "WaitForLaunch" in seen
    assert isinstance(stats["statusTime"], str) and int(stats["statusTime"]) > 2**31
    float(stats["cpuUser"]), float(stats["cpuSys"])
    assert stats["cpuActual"] is True


def test_vm_shutdown(cli):
    cli.VM.create(vmID="vm1", vmParams={})
    wait_for(lambda: cli.VM.getStats(vmID="vm1")[0]["status"] == "Up")
    assert cli.VM.shutdown(vmID="vm1", delay="120", message="VM is shutting down!") is True
    assert cli.VM.getStats(vmID="vm1")[0]["status"] == "Powering down"
    down = wait_for(lambda: (s := cli.VM.getStats(vmID="vm1")[0])["status"] == "Down" and s)
    assert down["exitCode"] == 0
    assert isinstance(down["exitReason"], int)
    assert isinstance(down["exitMessage"], str)
    assert cli.VM.destroy(vmID="vm1") is True
    assert server_error(cli.VM.getStats, vmID="vm1").code == 1


def test_vm_destroy_running(cli):
    cli.VM.create(vmID="vm1", vmParams={})
    assert cli.VM.destroy(vmID="vm1") is True
    assert server_error(cli.VM.getStats, vmID="vm1").code == 1


def test_vm_schedule_knobs(cli):
    cli.Lab.set(vm_launch_delay=30.0)
    cli.VM.create(vmID="vm1", vmParams={})
    time.sleep(0.2)  # longer than the fixture's default schedule: must not have moved
    assert cli.VM.getStats(vmID="vm1")[0]["status"] == "WaitForLaunch"


def test_forced_vm_status(cli):
    cli.Lab.setVm(vmID="vm1", status="Down", exitCode=1, exitReason=4,
                  exitMessage="Migration succeeded")
    stats = cli.VM.getStats(vmID="vm1")[0]
    assert (stats["status"], stats["exitReason"], stats["exitMessage"]) == (
        "Down", 4, "Migration succeeded")
    cli.Lab.setVm(vmID="vm1", status="Paused")
    assert cli.VM.getStats(vmID="vm1")[0]["status"] == "Paused"
    cli.Lab.removeVm(vmID="vm1")
    assert server_error(cli.VM.getStats, vmID="vm1").code == 1
