"""Flat ``key=value`` files the client edits: ha.conf and hosted-engine.conf.

`set_value` rewrites one file in place under an exclusive `flock`, as
upstream does for ha.conf (the agent re-reads it every cycle, vdsm and the
command line may write it concurrently): lock, re-read, change the key,
write the whole text back, truncate. Unlike upstream, lines that are not
``key=value`` (comments) and the order of keys are kept; a key not present
yet is appended.
"""

import fcntl
import grp
import logging
import os
import pwd
from pathlib import Path

from ..env import constants
from ..env.config import parse_key_values
from ..lib import exceptions

log = logging.getLogger(__name__)

# ha.conf keys (spec/agent.md §7)
LOCAL_MAINTENANCE = "local_maintenance"
LOCAL_MAINTENANCE_MANUAL = "local_maintenance_manual"


def replace_value(text: str, key: str, value: str) -> str:
    """`text` with the line of `key` set to ``key=value`` (appended if missing).

    Later duplicates of `key` (which would win on reading) are dropped.
    """
    lines: list[str] = []
    found = False
    for line in text.splitlines():
        stripped = line.strip()
        if (not stripped.startswith("#") and "=" in stripped
                and stripped.split("=", 1)[0].strip() == key):
            if not found:
                lines.append(f"{key}={value}")
                found = True
            continue
        lines.append(line)
    if not found:
        lines.append(f"{key}={value}")
    return "".join(line + "\n" for line in lines)


def read_values(path: Path) -> dict[str, str]:
    """The values of a flat file; a missing file has no values."""
    try:
        return parse_key_values(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return {}
    except (OSError, UnicodeDecodeError) as e:
        raise exceptions.ConfigError(path, f"cannot read: {e}") from None


def set_value(path: Path, key: str, value: str, *, create: bool = False) -> None:
    """Set `key` in the flat file `path` under an exclusive lock.

    The file must exist unless `create` is true: then it is created with
    mode 0644 (its directory must exist) and, when root creates it, given
    to vdsm:kvm as the package ships it (vdsm writes it as the vdsm user).
    """
    try:
        fd = _open(path, create)
    except OSError as e:
        raise exceptions.ConfigError(path, f"cannot open for writing: {e.strerror}") from None
    with os.fdopen(fd, "r+", encoding="utf-8") as f:
        try:
            fcntl.flock(f, fcntl.LOCK_EX)
            new = replace_value(f.read(), key, value)
            f.seek(0)
            f.write(new)
            f.truncate()
            f.flush()
            os.fsync(f.fileno())
        except (OSError, UnicodeDecodeError) as e:
            raise exceptions.ConfigError(path, f"cannot update {key!r}: {e}") from None
    log.info("Set %s=%s in %s", key, value, path)


def _open(path: Path, create: bool) -> int:
    try:
        return os.open(path, os.O_RDWR)
    except FileNotFoundError:
        if not create:
            raise
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    if os.geteuid() == 0:
        try:
            uid = pwd.getpwnam(constants.VDSM_USER).pw_uid
            gid = grp.getgrnam(constants.VDSM_GROUP).gr_gid
        except KeyError:
            pass  # no vdsm user on this machine (the lab): keep root's
        else:
            os.fchown(fd, uid, gid)
    log.info("Created %s", path)
    return fd
