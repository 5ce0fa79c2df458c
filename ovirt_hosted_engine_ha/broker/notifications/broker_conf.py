"""broker.conf: where it comes from and what it says (spec/monitors.md §4.3-4.4).

At every notification the copy of `broker.conf` inside the hosted-engine
configuration volume (a tar archive) replaces the local
`/var/lib/ovirt-hosted-engine-ha/broker.conf`, as upstream. The volume is
`/run/vdsm/storage/<sd>/<image>/<volume>` when that exists, else the path
vdsm's `Image.prepare` returns. When the volume cannot be read or lacks an
expected member, the local file is used as it is; when there is no local
file either, the defaults shipped with the package.
"""

import configparser
import dataclasses
import logging
from importlib import resources
from pathlib import Path

from ...env import config, constants, paths
from ...lib import conf_archive, exceptions, local_copies
from ...lib.conf_archive import ConfVolumeError, read_member
from ..submonitors.vdsm_access import VdsmAccess

log = logging.getLogger(__name__)

# The volume readers live in lib/conf_archive.py (the configuration refresher
# reads the same volume); ConfVolumeError and read_member stay importable from here.

SMTP_DEFAULTS = {
    "smtp-server": "localhost",
    "smtp-port": "25",
    "smtp-timeout": "10",
    "destination-emails": "root@localhost",
    "source-email": "root@localhost",
}


def local_path() -> Path:
    return paths.resolve(constants.NOTIFY_CONF_FILE)


def packaged_text(name: str) -> str | None:
    """A file shipped in the package's env directory (e.g. "broker.conf"), or None."""
    try:
        return resources.files("ovirt_hosted_engine_ha.env").joinpath(name).read_text("utf-8")
    except (FileNotFoundError, NotADirectoryError):
        return None


def conf_volume_path(conf: config.HostedEngineConf, vdsm: VdsmAccess) -> Path | None:
    return conf_archive.volume_path(conf, vdsm.call)


def write_local(text: str) -> None:
    local_copies.write_text(local_path(), text)


def refresh(conf: config.HostedEngineConf, vdsm: VdsmAccess) -> None:
    """Replace the local broker.conf with the configuration volume's copy, if readable."""
    try:
        volume = conf_volume_path(conf, vdsm)
        if volume is None:
            return
        text = read_member(volume, constants.NOTIFY_BROKER_CONF_MEMBER).decode("utf-8")
    except (ConfVolumeError, UnicodeDecodeError) as e:
        log.warning("Using the local broker.conf: %s", e)
        return
    if text.strip():
        write_local(text)


@dataclasses.dataclass(frozen=True)
class NotifyConf:
    source: str
    parser: configparser.ConfigParser

    def rule(self, event_type: str) -> str | None:
        """The regular expression for `event_type`, None when there is none."""
        try:
            return self.parser.get("notify", event_type, fallback=None)
        except configparser.Error as e:
            raise exceptions.NotificationError(f"{self.source}: [notify] {event_type}: {e}") from e

    def smtp(self) -> dict[str, str]:
        settings = dict(SMTP_DEFAULTS)
        if self.parser.has_section("email"):
            try:
                settings.update(self.parser.items("email"))
            except configparser.Error as e:
                raise exceptions.NotificationError(f"{self.source}: [email]: {e}") from e
        return settings


def load() -> NotifyConf:
    """Parse the local broker.conf (the packaged defaults when there is none)."""
    path = local_path()
    try:
        text, source = path.read_text("utf-8"), str(path)
    except FileNotFoundError:
        text, source = packaged_text("broker.conf") or "", "packaged broker.conf"
    except (OSError, UnicodeDecodeError) as e:
        raise exceptions.NotificationError(f"cannot read {path}: {e}") from e
    parser = configparser.ConfigParser()
    try:
        parser.read_string(text, source=source)
    except configparser.Error as e:
        raise exceptions.NotificationError(f"cannot parse {source}: {e}") from e
    return NotifyConf(source, parser)
