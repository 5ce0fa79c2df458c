"""Where everything of a lab lives, under its root directory DIR.

    DIR/lab.json                       the record (record.py)
    DIR/storage/<sdUUID>/...           the shared storage domain (storage.py)
    DIR/host<K>/                       host K's root (OVIRT_HA_ROOT), hostroot.py:
        run/sanlock/                   its sanlock daemon's run dir
        run/notify.sock                where its broker sends READY=1
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


@dataclasses.dataclass(frozen=True)
class Layout:
    root: Path

    @property
    def lab_json(self) -> Path:
        return self.root / "lab.json"

    @property
    def storage(self) -> Path:
        return self.root / "storage"

    def host(self, host_id: int) -> HostLayout:
        return HostLayout(host_id, self.root / f"host{host_id}")

    def domain(self, sd_uuid: str) -> Path:
        return self.storage / sd_uuid

    def volume(self, sd_uuid: str, image_uuid: str, volume_uuid: str) -> Path:
        return self.storage / sd_uuid / "images" / image_uuid / volume_uuid
