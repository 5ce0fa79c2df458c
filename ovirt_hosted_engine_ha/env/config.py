"""Configuration files, read once at start-up.

`hosted-engine.conf` is a flat ``key=value`` file (spec/broker.md §2.1):
lines starting with ``#`` are comments, each other line is split at the
first ``=``, key and value are stripped, lines without ``=`` are ignored,
quotes stay part of the value. Values are strings until a typed view is
built from them; a missing file, a missing required key or a bad value is a
`ConfigError` naming the file and the key.
"""

import dataclasses
import re
from pathlib import Path

from . import constants, errors, paths

UUID_RE = re.compile(
    r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$")


def parse_key_values(text: str) -> dict[str, str]:
    values: dict[str, str] = {}
    for line in text.splitlines():
        line = line.strip()
        if not line or line.startswith("#") or "=" not in line:
            continue
        key, value = line.split("=", 1)
        values[key.strip()] = value.strip()
    return values


def read_key_values(path: Path) -> dict[str, str]:
    try:
        return parse_key_values(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise errors.ConfigError(path, "file not found") from None
    except (OSError, UnicodeDecodeError) as e:
        raise errors.ConfigError(path, f"cannot read: {e}") from None


@dataclasses.dataclass(frozen=True)
class VolumeRef:
    image_uuid: str
    volume_uuid: str


@dataclasses.dataclass(frozen=True)
class HostedEngineConf:
    """The parts of hosted-engine.conf the broker and agent use."""

    path: Path
    sd_uuid: str
    sp_uuid: str
    domain_type: str
    metadata: VolumeRef
    lockspace: VolumeRef
    storage: str | None = None
    connection_uuid: str | None = None
    mnt_options: str | None = None
    nfs_version: str | None = None
    iqn: str | None = None
    portal: str | None = None
    user: str | None = None
    password: str | None = None
    port: str | None = None
    iscsi_paths_blacklist: str | None = None
    conf: VolumeRef | None = None
    host_id: int | None = None
    values: dict[str, str] = dataclasses.field(default_factory=dict, repr=False)

    def get(self, key: str, default: str | None = None) -> str | None:
        """A raw value (for keys without a typed field)."""
        value = self.values.get(key)
        return default if value in (None, "", "None") else value


class _Reader:
    def __init__(self, path: Path, values: dict[str, str]) -> None:
        self.path = path
        self.values = values

    def optional(self, key: str) -> str | None:
        value = self.values.get(key)
        return None if value in (None, "", "None") else value

    def required(self, key: str) -> str:
        value = self.optional(key)
        if value is None:
            raise errors.MissingConfigKey(self.path, key)
        return value

    def uuid(self, key: str) -> str:
        value = self.required(key)
        if not UUID_RE.match(value):
            raise errors.InvalidConfigValue(self.path, key, value, "a UUID")
        return value

    def optional_uuid(self, key: str) -> str | None:
        return self.uuid(key) if self.optional(key) is not None else None

    def choice(self, key: str, choices: tuple[str, ...]) -> str:
        value = self.required(key)
        if value not in choices:
            raise errors.InvalidConfigValue(
                self.path, key, value, "one of " + ", ".join(choices))
        return value

    def optional_host_id(self, key: str) -> int | None:
        value = self.optional(key)
        if value is None:
            return None
        if not value.isdigit() or not 1 <= int(value) <= constants.MAX_HOST_ID_SCAN:
            raise errors.InvalidConfigValue(
                self.path, key, value, f"an integer in 1..{constants.MAX_HOST_ID_SCAN}")
        return int(value)


def load_hosted_engine_conf(path: Path | None = None) -> HostedEngineConf:
    path = path or paths.resolve(constants.ENGINE_SETUP_CONF_FILE)
    r = _Reader(path, read_key_values(path))
    conf_image = r.optional_uuid("conf_image_UUID")
    conf_volume = r.optional_uuid("conf_volume_UUID")
    return HostedEngineConf(
        path=path,
        sd_uuid=r.uuid("sdUUID"),
        sp_uuid=r.optional_uuid("spUUID") or constants.BLANK_UUID,
        domain_type=r.choice("domainType", constants.DOMAIN_TYPES),
        metadata=VolumeRef(r.uuid("metadata_image_UUID"), r.uuid("metadata_volume_UUID")),
        lockspace=VolumeRef(r.uuid("lockspace_image_UUID"), r.uuid("lockspace_volume_UUID")),
        storage=r.optional("storage"),
        connection_uuid=r.optional("connectionUUID"),
        mnt_options=r.optional("mnt_options"),
        nfs_version=r.optional("nfs_version"),
        iqn=r.optional("iqn"),
        portal=r.optional("portal"),
        user=r.optional("user"),
        password=r.optional("password"),
        port=r.optional("port"),
        iscsi_paths_blacklist=r.optional("iscsi_paths_blacklist"),
        conf=VolumeRef(conf_image, conf_volume) if conf_image and conf_volume else None,
        host_id=r.optional_host_id("host_id"),
        values=dict(r.values),
    )
