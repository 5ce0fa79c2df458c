"""The agent's configuration, read once at start-up (spec/agent.md §1.3, §2).

From hosted-engine.conf: the host id (the agent runs only when it is set
and `configured` is absent or "True"), the engine VM id, the monitors'
options; whether the configuration lives on shared storage (spUUID is the
blank UUID: otherwise the score loses 1000 points). From agent.conf: the
score weights. The host name is the CN of vdsm's certificate when it can be
read, else the system host name (what upstream publishes in practice).
`conf_on_shared_storage` is the start-up answer, published in the slot as
upstream does; the score asks again every time (conf_check.py).
"""

from __future__ import annotations

import dataclasses
import re
import socket
import subprocess
from pathlib import Path

from ..env import config, constants, paths
from ..lib import exceptions
from .conf_check import up_to_date
from .monitors import MonitorSpec, required_monitors
from .scoring import ScoreConfig

CN_RE = re.compile(r"/CN=([A-Za-z0-9\-_.]+)")


class NotConfigured(exceptions.DetailError):
    """hosted-engine.conf does not describe a deployed hosted engine host."""


@dataclasses.dataclass(frozen=True)
class AgentConfig:
    host_id: int
    vm_uuid: str
    monitors: tuple[MonitorSpec, ...]
    score: ScoreConfig = ScoreConfig()
    conf_on_shared_storage: bool = True
    hostname: str = "localhost"           # published in the slot
    notify_hostname: str = "localhost"    # sent with state-transition notifications


def certificate_cn(cert: Path) -> str | None:
    """The CN in the subject of `cert`, or None."""
    if not cert.exists():
        return None
    try:
        out = subprocess.run(
            ["openssl", "x509", "-in", str(cert), "-noout", "-subject", "-nameopt", "compat"],
            capture_output=True, text=True, timeout=10, check=False)
    except (OSError, subprocess.SubprocessError):
        return None
    match = CN_RE.search(out.stdout) if out.returncode == 0 else None
    return match.group(1) if match else None


def hostname() -> str:
    return certificate_cn(paths.resolve(constants.VDSM_CERT_FILE)) or socket.gethostname()


def from_conf(conf: config.HostedEngineConf, score: ScoreConfig | None = None,
              host_id: int | None = None, name: str | None = None) -> AgentConfig:
    """Build the agent's configuration; raise NotConfigured or ConfigError."""
    configured = conf.values.get("configured")
    host_id = host_id or conf.host_id
    if host_id is None or configured not in (None, "True"):
        raise NotConfigured(
            f"{conf.path}: this host is not configured for hosted engine "
            f"(host_id={conf.values.get('host_id')!r}, configured={configured!r})")
    vm_uuid = conf.get("vmid")
    if vm_uuid is None:
        raise exceptions.MissingConfigKey(conf.path, "vmid")
    values = {key: conf.get(key) for key in conf.values}
    return AgentConfig(
        host_id=host_id,
        vm_uuid=vm_uuid,
        monitors=required_monitors(values),
        score=score or ScoreConfig(),
        conf_on_shared_storage=up_to_date(conf.values),
        hostname=name or hostname(),
        notify_hostname=socket.gethostname(),
    )


def load(host_id: int | None = None) -> tuple[config.HostedEngineConf, AgentConfig]:
    conf = config.load_hosted_engine_conf()
    score = ScoreConfig.load(paths.resolve(constants.AGENT_CONF_FILE))
    return conf, from_conf(conf, score, host_id)
