"""Where everything of a lab lives, under its root directory DIR.

    DIR/lab.json                       the record (record.py)
    DIR/engine.json                    the engine VM's lease and address (engineconf.py)
    DIR/lease-events.jsonl             who took and gave back the VM lease (leaselog.py)
    DIR/storage/<sdUUID>/...           the shared storage domain (storage.py)
    DIR/storage/block/<vol>.img        block domain: files behind the loop devices (blockdomain.py)
    DIR/faultfs.sock, faultfs.log      the FUSE daemon over DIR/storage, if any (faultfs/)
    DIR/host<K>/                       host K's root (OVIRT_HA_ROOT), hostroot.py:
        run/sanlock/                   its sanlock daemon's run dir
        run/notify.sock                where its broker sends READY=1
        run/agent-notify.sock          where its agent sends READY=1
        var/run -> ../run              as on a real host
        var/run/vdsm/lab-sim.sock      its vdsm simulator
        var/run/ovirt-hosted-engine-ha/broker.socket
        var/log/...                    logs of its processes
        rhev/data-center/mnt/localhost:_lab -> DIR/storage
"""

import dataclasses
from pathlib import Path

REMOTE_PATH = "localhost:/lab"
MOUNT_DIR = "localhost:_lab"  # vdsm's mount name: "_" -> "__", "/" -> "_"
SANLOCK_RUN_DIR_MAX = 93
SOCKET_PATH_MAX = 107  # sun_path is 108 bytes with the final NUL


@dataclasses.dataclass(frozen=True)
class HostLayout:
    host_id: int
    root: Path

    @property
    def run_dir(self) -> Path:
        return self.root / "run"

    @property
    def sanlock_run_dir(self) -> Path:
        return self.root / "run" / "sanlock"

    @property
    def notify_socket(self) -> Path:
        return self.root / "run" / "notify.sock"

    @property
    def agent_notify_socket(self) -> Path:
        return self.root / "run" / "agent-notify.sock"

    @property
    def sim_socket(self) -> Path:
        return self.root / "var/run/vdsm/lab-sim.sock"

    @property
    def broker_socket(self) -> Path:
        return self.root / "var/run/ovirt-hosted-engine-ha/broker.socket"

    @property
    def hosted_engine_conf(self) -> Path:
        return self.root / "etc/ovirt-hosted-engine/hosted-engine.conf"

    @property
    def mount_link(self) -> Path:
        return self.root / "rhev/data-center/mnt" / MOUNT_DIR

    @property
    def sanlock_log(self) -> Path:
        return self.root / "var/log/sanlock.log"

    @property
    def sim_log(self) -> Path:
        return self.root / "var/log/vdsm/lab-sim.log"

    @property
    def broker_log(self) -> Path:
        return self.root / "var/log/ovirt-hosted-engine-ha/broker.stderr"

    @property
    def agent_log(self) -> Path:
        return self.root / "var/log/ovirt-hosted-engine-ha/agent.stderr"

    @property
    def probe_log(self) -> Path:
        return self.root / "var/log/lab-probe.log"

    @property
    def engine_vm_log(self) -> Path:
        return self.root / "var/log/vdsm/engine-vm.log"

    @property
    def vm_conf(self) -> Path:
        """The broker's local copy of the engine VM's configuration."""
        return self.root / "var/run/ovirt-hosted-engine-ha/vm.conf"

    @property
    def ha_conf(self) -> Path:
        return self.root / "var/lib/ovirt-hosted-engine-ha/ha.conf"


@dataclasses.dataclass(frozen=True)
class Layout:
    root: Path

    @property
    def lab_json(self) -> Path:
        return self.root / "lab.json"

    @property
    def engine_json(self) -> Path:
        return self.root / "engine.json"

    @property
    def lease_log(self) -> Path:
        return self.root / "lease-events.jsonl"

    @property
    def storage(self) -> Path:
        return self.root / "storage"

    @property
    def faultfs_socket(self) -> Path:
        """The control socket of the FUSE daemon over `storage` (lab/faultfs)."""
        return self.root / "faultfs.sock"

    @property
    def faultfs_log(self) -> Path:
        return self.root / "faultfs.log"

    def block_backing(self, volume_uuid: str) -> Path:
        """The file behind a block domain volume's loop device."""
        return self.storage / "block" / f"{volume_uuid}.img"

    def host(self, host_id: int) -> HostLayout:
        return HostLayout(host_id, self.root / f"host{host_id}")

    def domain(self, sd_uuid: str) -> Path:
        return self.storage / sd_uuid

    def domain_ids(self, sd_uuid: str) -> Path:
        """The domain's own sanlock lockspace (vdsm's dom_md/ids)."""
        return self.storage / sd_uuid / "dom_md" / "ids"

    def domain_xleases(self, sd_uuid: str) -> Path:
        """The domain's external leases volume: the engine VM's lease lives here."""
        return self.storage / sd_uuid / "dom_md" / "xleases"

    def volume(self, sd_uuid: str, image_uuid: str, volume_uuid: str) -> Path:
        return self.storage / sd_uuid / "images" / image_uuid / volume_uuid
