"""get/set_shared_config and get_all_config_keys over local files and a conf volume."""

import io
import tarfile
from pathlib import Path

import pytest

from ovirt_hosted_engine_ha.client import conf_volume, shared_config
from ovirt_hosted_engine_ha.client.client import HAClient
from ovirt_hosted_engine_ha.lib import exceptions
from tests.clientsupport import hostfiles

host_root = hostfiles.host_root

SD, IMG, VOL = ("11111111-1111-1111-1111-111111111111", "22222222-2222-2222-2222-222222222222",
                "33333333-3333-3333-3333-333333333333")
BROKER_CONF = "[email]\nsmtp-server = localhost\nsmtp-port = 25\n\n" \
    "[notify]\nstate_transition = maintenance|start|stop|up|down\n"
SHARED_HE_CONF = "fqdn=engine.example.com\nvmid=vm-1\ngateway=192.0.2.1\n"


def archive(members: dict[str, str]) -> bytes:
    out = io.BytesIO()
    with tarfile.open(fileobj=out, mode="w:", format=tarfile.USTAR_FORMAT) as tar:
        for name, text in members.items():
            data = text.encode()
            info = tarfile.TarInfo(name)
            info.size, info.uid, info.gid, info.mode = len(data), 36, 36, 0o644
            tar.addfile(info, io.BytesIO(data))
    return out.getvalue()


@pytest.fixture
def volume(host_root):
    host_root.write_he_conf(
        host_id=1, sdUUID=SD, spUUID="00000000-0000-0000-0000-000000000000",
        domainType="nfs", storage="server:/export", gateway="192.0.2.1",
        metadata_image_UUID=IMG, metadata_volume_UUID=VOL,
        lockspace_image_UUID=IMG, lockspace_volume_UUID=VOL,
        conf_image_UUID=IMG, conf_volume_UUID=VOL, conf="/var/run/ovirt-hosted-engine-ha/vm.conf")
    path = host_root.path(f"/run/vdsm/storage/{SD}/{IMG}/{VOL}")
    data = archive({"version": "2.5.2", "fhanswers.conf": "[environment:default]\n",
                    "hosted-engine.conf": SHARED_HE_CONF, "broker.conf": BROKER_CONF,
                    "vm.conf": "vmId=vm-1\nmemSize=4096\n"})
    path.write_bytes(data + bytes(1024 * 1024))  # the archive at the start of a larger volume
    host_root.path("/var/run/ovirt-hosted-engine-ha/vm.conf").write_text(
        "vmId=vm-1\nmemSize=4096\n")
    return path


def members(path: Path) -> dict[str, str]:
    with tarfile.open(path, mode="r:") as tar:
        return {m.name: tar.extractfile(m).read().decode() for m in tar.getmembers()}


def test_get_from_each_source(volume):
    client = HAClient()
    assert client.get_shared_config("host_id") == ["1", "he_local"]
    assert client.get_shared_config("vmid") == ["vm-1", "he_shared"]
    assert client.get_shared_config("email.smtp-port") == ["25", "broker"]
    assert client.get_shared_config("local_maintenance") == ["False", "ha"]
    assert client.get_shared_config("memSize", "vm") == ["4096", "vm"]


def test_duplicate_key_needs_a_type(volume):
    with pytest.raises(exceptions.SharedConfigError) as e:
        HAClient().get_shared_config("gateway")
    assert str(e.value) == ("the key 'gateway' exists in several configurations "
                            "(he_local, he_shared); choose one with a type")
    assert HAClient().get_shared_config("gateway", "he_shared") == ["192.0.2.1", "he_shared"]


def test_optional_key_belongs_to_both_he_sources(volume):
    assert HAClient().get_shared_config("network_test", "he_local") == [None, "he_local"]


def test_unknown_key_is_a_key_error(volume):
    with pytest.raises(KeyError) as e:
        HAClient().get_shared_config("nosuchkey")
    assert str(e.value) == \
        "no configuration of type he_local, he_shared, broker, ha has the key 'nosuchkey'"


def test_unknown_type(volume):
    with pytest.raises(exceptions.SharedConfigError, match="unknown configuration type 'x'"):
        HAClient().get_shared_config("vmid", "x")


def test_set_shared_he_conf_rewrites_the_archive(volume):
    HAClient().set_shared_config("vmid", "vm-2", "he_shared")
    result = members(volume)
    assert list(result) == ["version", "fhanswers.conf", "hosted-engine.conf", "broker.conf",
                            "vm.conf"]
    assert result["hosted-engine.conf"] == SHARED_HE_CONF.replace("vm-1", "vm-2")
    assert result["broker.conf"] == BROKER_CONF
    with tarfile.open(volume, mode="r:") as tar:
        assert tar.getmember("broker.conf").uid == 36
    assert HAClient().get_shared_config("vmid") == ["vm-2", "he_shared"]


def test_set_broker_key(volume):
    HAClient().set_shared_config("email.smtp-server", "smtp.example.com")
    assert "smtp-server = smtp.example.com" in members(volume)["broker.conf"]
    assert HAClient().get_shared_config("email.smtp-server") == ["smtp.example.com", "broker"]
    assert HAClient().get_shared_config("notify.state_transition")[0] == \
        "maintenance|start|stop|up|down"


def test_set_local_files(volume, host_root):
    HAClient().set_shared_config("local_maintenance", "True")
    assert "local_maintenance=True\n" in host_root.ha_conf()
    HAClient().set_shared_config("host_id", "2")
    assert HAClient().get_local_host_id() == 2


def test_vm_is_read_only(volume):
    with pytest.raises(exceptions.SharedConfigError, match="'vm' is read-only"):
        HAClient().set_shared_config("memSize", "1", "vm")
    assert HAClient().get_all_config_keys("vm") is None


def test_all_keys(volume):
    keys = HAClient().get_all_config_keys()
    assert list(keys) == ["he_local", "he_shared", "broker", "ha"]
    assert keys["he_shared"] == sorted(["fqdn", "vmid", "gateway", "iscsi_paths_blacklist",
                                        "network_test", "tcp_t_address", "tcp_t_port"])
    assert keys["broker"] == ["email.smtp-port", "email.smtp-server",
                              "notify.state_transition"]
    assert HAClient().get_all_config_keys("ha") == \
        {"ha": ["local_maintenance", "local_maintenance_manual"]}


def test_shared_falls_back_to_local_copy_when_the_volume_is_unreadable(
        volume, host_root, monkeypatch):
    def no_vdsm(*args, **kwargs):
        raise exceptions.VdsmError("vdsm is not running")

    monkeypatch.setattr("ovirt_hosted_engine_ha.lib.vdsm_util.call", no_vdsm)
    volume.unlink()
    host_root.path("/var/lib/ovirt-hosted-engine-ha/hosted-engine.conf").write_text("vmid=cached\n")
    assert HAClient().get_shared_config("vmid") == ["cached", "he_shared"]
    with pytest.raises(exceptions.SharedConfigError):
        HAClient().set_shared_config("vmid", "x", "he_shared")


def test_archive_changed_meanwhile_aborts(volume, monkeypatch):
    original = conf_volume._members

    def racing(path, region):
        with open(path, "r+b") as f:  # another host rewrites the archive meanwhile
            f.seek(0)
            f.write(archive({"version": "other writer"}))
        return original(path, region)

    monkeypatch.setattr(conf_volume, "_members", racing)
    with pytest.raises(conf_volume.ConfVolumeError, match="changed meanwhile; try again"):
        conf_volume.replace_member(volume, "hosted-engine.conf", "vmid=mine\n")
    assert "vmid=mine" not in volume.read_bytes()[:20480].decode(errors="replace")


def test_incomplete_archive_is_refused(volume):
    volume.write_bytes(archive({"version": "1", "hosted-engine.conf": "vmid=x\n"}))
    with pytest.raises(conf_volume.ConfVolumeError, match="lacks fhanswers.conf, broker.conf"):
        conf_volume.read_member(volume, "hosted-engine.conf")


def test_ini_helpers():
    assert shared_config.ini_replace("", "plain", "1") == "[default]\nplain = 1\n\n"
    assert shared_config.ini_values("[a]\nb = %(x)s\n") == {"a.b": "%(x)s"}
