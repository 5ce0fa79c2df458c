"""A host's root directory (its OVIRT_HA_ROOT), as setup and systemd leave it.

Creates the directories the broker expects (systemd's RuntimeDirectory,
the log and state dirs), ``var/run -> ../run`` as on a real host,
hosted-engine.conf, the local broker.conf, and the storage mount as a
link to the lab's storage directory.
"""

import os

from ..env import constants
from . import conffiles, errors
from .layout import SANLOCK_RUN_DIR_MAX, SOCKET_PATH_MAX, HostLayout, Layout
from .record import LabIds

DIRS = (
    "run",
    "etc/ovirt-hosted-engine",
    "etc/ovirt-hosted-engine-ha",
    "var/log/ovirt-hosted-engine-ha",
    "var/log/vdsm",
    "var/lib/ovirt-hosted-engine-ha",
    "rhev/data-center/mnt",
)
RUN_DIRS = ("run/ovirt-hosted-engine-ha", "run/vdsm")


def check_run_dir(host: HostLayout) -> None:
    if len(str(host.sanlock_run_dir)) > SANLOCK_RUN_DIR_MAX:
        raise errors.RunDirTooLong(str(host.sanlock_run_dir), SANLOCK_RUN_DIR_MAX)


def check_paths(host: HostLayout) -> None:
    """Raise PathTooLong if a run dir or socket of this host cannot work."""
    check_run_dir(host)
    for sock in (host.broker_socket, host.sim_socket, host.notify_socket,
                 host.agent_notify_socket):
        if len(os.fsencode(sock)) > SOCKET_PATH_MAX:
            raise errors.SocketPathTooLong(str(sock), SOCKET_PATH_MAX)


def create(layout: Layout, ids: LabIds, host_id: int, fqdn: str = conffiles.DEFAULT_FQDN,
           probe_port: int = 0, domain_type: str = constants.DOMAIN_TYPE_NFS) -> HostLayout:
    """Host K's root; hosted-engine.conf names the engine at `fqdn` and, with a
    `probe_port`, a tcp network test against 127.0.0.1:`probe_port`."""
    host = layout.host(host_id)
    check_paths(host)
    for d in DIRS:
        (host.root / d).mkdir(parents=True, exist_ok=True)
    (host.root / "var/run").symlink_to("../run")
    for d in RUN_DIRS:
        (host.root / d).mkdir(mode=0o755, exist_ok=True)
    host.hosted_engine_conf.write_text(
        conffiles.hosted_engine_conf(ids, host_id, fqdn=fqdn, probe_port=probe_port,
                                     domain_type=domain_type))
    local_broker_conf = host.root / constants.NOTIFY_CONF_FILE.lstrip("/")
    local_broker_conf.write_text(conffiles.broker_conf())
    os.symlink(layout.storage, host.mount_link)
    return host
