"""Text of the configuration files a hosted-engine deployment leaves behind.

hosted-engine.conf (per host and shared), broker.conf, vm.conf and the
configuration volume: a tar archive with members ``version``,
``fhanswers.conf``, ``hosted-engine.conf``, ``broker.conf`` and ``vm.conf``
(spec/broker.md §9.2, spec/agent.md §6).
"""

import io
import tarfile
import time

from ..env import constants
from .layout import REMOTE_PATH
from .record import LabIds

CONF_MEMBERS = ("version", "fhanswers.conf", "hosted-engine.conf", "broker.conf", "vm.conf")
CONF_ARCHIVE_SIZE = 20480  # what hosted-engine setup writes (spec/agent.md §6)
VM_MEM_MIB = 4096
VDSM_UID = VDSM_GID = 36


DEFAULT_FQDN = "localhost"


def hosted_engine_conf(ids: LabIds, host_id: int, fqdn: str = DEFAULT_FQDN,
                       probe_port: int = 0, domain_type: str = constants.DOMAIN_TYPE_NFS) -> str:
    """The host's hosted-engine.conf.

    `fqdn` is where the engine's health page answers (``127.0.0.1:<port>``
    in the lab). With a `probe_port`, the network monitor's test is
    ``tcp`` against 127.0.0.1:`probe_port` (the host's lab probe target,
    which `ovirt-ha-lab degrade K network` stops); without, ``ping`` of
    the gateway.
    """
    network = ({"network_test": "tcp", "tcp_t_address": "127.0.0.1",
                "tcp_t_port": str(probe_port)} if probe_port else {"network_test": "ping"})
    values = {
        "fqdn": fqdn,
        "vm_disk_id": ids.vm_disk_id,
        "vm_disk_vol_id": ids.vm_disk_vol_id,
        "vmid": ids.vm_id,
        "storage": REMOTE_PATH,
        "conf": constants.LOCAL_VM_CONF_PATH,
        "host_id": str(host_id),
        "domainType": domain_type,
        "spUUID": ids.sp_uuid,
        "sdUUID": ids.sd_uuid,
        "connectionUUID": ids.connection_uuid,
        "ca_cert": "/etc/pki/vdsm/libvirt-spice/ca-cert.pem",
        "vdsm_use_ssl": "true",
        "gateway": "127.0.0.1",
        "bridge": "ovirtmgmt",
        **network,
        "metadata_volume_UUID": ids.metadata_volume,
        "metadata_image_UUID": ids.metadata_image,
        "lockspace_volume_UUID": ids.lockspace_volume,
        "lockspace_image_UUID": ids.lockspace_image,
        "conf_volume_UUID": ids.conf_volume,
        "conf_image_UUID": ids.conf_image,
    }
    header = f"# hosted-engine.conf written by ovirt-ha-lab (instance {ids.instance})\n"
    return header + "".join(f"{k}={v}\n" for k, v in values.items())


def broker_conf() -> str:
    return (
        "[email]\n"
        "smtp-server = localhost\n"
        "smtp-port = 25\n"
        "source-email = root@localhost\n"
        "destination-emails = root@localhost\n"
        "\n"
        "[notify]\n"
        "state_transition = maintenance|start|stop|up|down\n"
    )


def vm_conf(ids: LabIds) -> str:
    disk = (
        f"{{index:0,iface:virtio,format:raw,poolID:{ids.sp_uuid},"
        f"volumeID:{ids.vm_disk_vol_id},imageID:{ids.vm_disk_id},specParams:{{}},"
        f"readonly:false,domainID:{ids.sd_uuid},optional:false,deviceId:{ids.vm_disk_id},"
        "device:disk,shared:exclusive,propagateErrors:off,type:disk,bootOrder:1}"
    )
    values = {
        "vmId": ids.vm_id,
        "vmName": "HostedEngine",
        "memSize": str(VM_MEM_MIB),
        "smp": "2",
        "maxVCpus": "2",
        "cpuType": "qemu64",
        "emulatedMachine": "pc",
        "display": "vnc",
        "spiceSecureChannels": ("smain,sdisplay,sinputs,scursor,splayback,srecord,"
                                "ssmartcard,susbredir"),
        "devices": disk,
    }
    return "".join(f"{k}={v}\n" for k, v in values.items())


def fhanswers_conf(ids: LabIds, domain_type: str = constants.DOMAIN_TYPE_NFS) -> str:
    return (
        "[environment:default]\n"
        f"OVEHOSTED_STORAGE/sdUUID=str:{ids.sd_uuid}\n"
        f"OVEHOSTED_STORAGE/storageDomainConnection=str:{REMOTE_PATH}\n"
        f"OVEHOSTED_STORAGE/domainType=str:{domain_type}\n"
        f"OVEHOSTED_VM/vmUUID=str:{ids.vm_id}\n"
        f"OVEHOSTED_VM/vmMemSizeMB=int:{VM_MEM_MIB}\n"
    )


def conf_archive(ids: LabIds, fqdn: str = DEFAULT_FQDN,
                 domain_type: str = constants.DOMAIN_TYPE_NFS) -> bytes:
    """The configuration volume's content: a GNU tar, zero-padded to 20480 bytes."""
    members = {
        "version": "2.5.2\n",
        "fhanswers.conf": fhanswers_conf(ids, domain_type),
        "hosted-engine.conf": hosted_engine_conf(ids, host_id=1, fqdn=fqdn,
                                                 domain_type=domain_type),
        "broker.conf": broker_conf(),
        "vm.conf": vm_conf(ids),
    }
    buf = io.BytesIO()
    now = int(time.time())
    with tarfile.open(fileobj=buf, mode="w", format=tarfile.GNU_FORMAT) as tar:
        for name in CONF_MEMBERS:
            data = members[name].encode("utf-8")
            info = tarfile.TarInfo(name)
            info.size, info.mtime, info.mode = len(data), now, 0o644
            info.uid, info.gid, info.uname, info.gname = VDSM_UID, VDSM_GID, "vdsm", "kvm"
            tar.addfile(info, io.BytesIO(data))
    data = buf.getvalue()
    return data + b"\0" * max(0, CONF_ARCHIVE_SIZE - len(data))
