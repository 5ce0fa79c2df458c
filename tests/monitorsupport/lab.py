"""Lab helpers for monitor and notification integration tests."""

import io
import tarfile
from pathlib import Path

from ovirt_hosted_engine_ha.lab.cluster import Cluster, Host


def set_conf_key(host: Host, key: str, value: str) -> None:
    """Change one key of a host's hosted-engine.conf (before its broker starts)."""
    path = Path(host.root, "etc/ovirt-hosted-engine/hosted-engine.conf")
    lines = [ln for ln in path.read_text().splitlines() if not ln.startswith(f"{key}=")]
    path.write_text("\n".join(lines + [f"{key}={value}"]) + "\n")


def agent_monitors(cluster: Cluster, gateway: str = "127.0.0.1") -> dict[str, dict]:
    """The monitors and options upstream's agent starts (spec/monitors.md §1.7), plus cpu-load."""
    vdsm = {"address": "0", "use_ssl": "true"}
    vm = cluster.ids.vm_id
    return {
        "network": {"addr": gateway, "network_test": "ping",
                    "tcp_t_address": None, "tcp_t_port": None},
        "mgmt-bridge": {**vdsm, "bridge_name": "ovirtmgmt"},
        "mem-free": dict(vdsm),
        "cpu-load": {},
        "cpu-load-no-engine": {**vdsm, "vm_uuid": vm},
        "engine-health": {**vdsm, "vm_uuid": vm},
        "storage-domain": {"sd_uuid": cluster.ids.sd_uuid},
    }


def replace_conf_volume_member(cluster: Cluster, name: str, text: str) -> None:
    """Rewrite one member of the configuration volume's archive (in place, same size)."""
    path = cluster.conf_volume_path
    old = path.read_bytes()
    members: list[tuple[tarfile.TarInfo, bytes]] = []
    with tarfile.open(fileobj=io.BytesIO(old), mode="r:") as tar:
        for info in tar.getmembers():
            stream = tar.extractfile(info)
            members.append((info, stream.read() if stream else b""))
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w", format=tarfile.GNU_FORMAT) as tar:
        for info, data in members:
            if info.name == name:
                data = text.encode()
                info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    new = buf.getvalue()
    path.write_bytes(new + b"\0" * max(0, len(old) - len(new)))
