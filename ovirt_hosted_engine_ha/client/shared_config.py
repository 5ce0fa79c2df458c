"""`hosted-engine --get/--set-shared-config`: keys of the configuration sources.

Sources ("types", upstream's ids; spec/client.md §3.2):

    he_local   /etc/ovirt-hosted-engine/hosted-engine.conf     flat, local file
    he_shared  hosted-engine.conf in the configuration volume  flat
    broker     broker.conf in the configuration volume         INI, keys "section.option"
    ha         /var/lib/ovirt-hosted-engine-ha/ha.conf         flat, local file
    vm         hosted-engine.conf `conf` (vm.conf)             flat, read-only

A key belongs to a source if the source has it or it is one of the
source's optional keys. Without an explicit type, a key must belong to
exactly one writable source. The shared sources are read from the volume;
when it cannot be read, from their local copies (with a warning).
"""

import configparser
import dataclasses
import io
import logging
from pathlib import Path

from ..env import constants, paths
from ..env.config import load_hosted_engine_conf, parse_key_values
from ..lib import exceptions
from . import conf_volume, flatfile

log = logging.getLogger(__name__)

HE_LOCAL, HE_SHARED, BROKER, HA, VM = "he_local", "he_shared", "broker", "ha", "vm"
WRITABLE = (HE_LOCAL, HE_SHARED, BROKER, HA)
ALL_TYPES = (*WRITABLE, VM)
HE_OPTIONAL_KEYS = ("iscsi_paths_blacklist", "network_test", "tcp_t_address", "tcp_t_port")
INI_DEFAULT_SECTION = "default"


class UnknownConfigKey(exceptions.SharedConfigError, KeyError):
    """No source holds the key (a KeyError, as upstream raises)."""


@dataclasses.dataclass(frozen=True)
class Source:
    type_id: str
    values: dict[str, str]
    optional: tuple[str, ...] = ()

    def has(self, key: str) -> bool:
        return key in self.values or key in self.optional


def ini_values(text: str) -> dict[str, str]:
    parser = _ini(text)
    return {f"{section}.{option}": value
            for section in parser.sections() for option, value in parser[section].items()}


def ini_replace(text: str, key: str, value: str) -> str:
    section, _, option = key.rpartition(".")
    parser = _ini(text)
    section = section or INI_DEFAULT_SECTION
    if not parser.has_section(section):
        parser.add_section(section)
    parser.set(section, option, value)
    out = io.StringIO()
    parser.write(out)
    return out.getvalue()


def _ini(text: str) -> configparser.ConfigParser:
    # No DEFAULT magic and no interpolation: broker.conf holds regular expressions.
    parser = configparser.ConfigParser(interpolation=None, default_section="\0")
    try:
        parser.read_string(text)
    except configparser.Error as e:
        raise exceptions.SharedConfigError(f"broker.conf is not a valid INI file: {e}") from e
    return parser


class SharedConfig:
    def __init__(self, he_conf_path: Path) -> None:
        self._he_conf_path = he_conf_path

    # Reading

    def _volume(self) -> Path:
        return conf_volume.volume_path(load_hosted_engine_conf(self._he_conf_path))

    def _shared_text(self, member: str, local_copy: str) -> str:
        try:
            return conf_volume.read_member(self._volume(), member)
        except (exceptions.Error, UnicodeDecodeError) as e:
            log.warning("Using the local copy of %s: %s", member, e)
            try:
                return paths.resolve(local_copy).read_text(encoding="utf-8")
            except OSError:
                return ""

    def source(self, type_id: str) -> Source:
        if type_id == HE_LOCAL:
            return Source(HE_LOCAL, flatfile.read_values(self._he_conf_path), HE_OPTIONAL_KEYS)
        if type_id == HE_SHARED:
            text = self._shared_text("hosted-engine.conf", constants.CACHED_ENGINE_SETUP_CONF_FILE)
            return Source(HE_SHARED, parse_key_values(text), HE_OPTIONAL_KEYS)
        if type_id == BROKER:
            return Source(BROKER, ini_values(
                self._shared_text("broker.conf", constants.NOTIFY_CONF_FILE)))
        if type_id == HA:
            return Source(HA, flatfile.read_values(paths.resolve(constants.HA_AGENT_CONF_FILE)))
        if type_id == VM:
            vm_conf = flatfile.read_values(self._he_conf_path).get(
                "conf") or constants.LOCAL_VM_CONF_PATH
            return Source(VM, flatfile.read_values(paths.resolve(vm_conf)))
        raise exceptions.SharedConfigError(
            f"unknown configuration type {type_id!r}; known types: {', '.join(ALL_TYPES)}")

    def _holder(self, key: str, config_type: str | None) -> Source:
        types = (config_type,) if config_type else WRITABLE
        holders = [s for s in map(self.source, types) if s.has(key)]
        if not holders:
            raise UnknownConfigKey(
                f"no configuration of type {', '.join(types)} has the key {key!r}")
        if len(holders) > 1:
            raise exceptions.SharedConfigError(
                f"the key {key!r} exists in several configurations "
                f"({', '.join(s.type_id for s in holders)}); choose one with a type")
        return holders[0]

    def get(self, key: str, config_type: str | None = None) -> list:
        """``[value, type_id]``; value None for an optional key not set."""
        source = self._holder(key, config_type)
        return [source.values.get(key), source.type_id]

    def all_keys(self, config_type: str | None = None) -> dict[str, list[str]] | None:
        if config_type == VM:
            return None
        types = (config_type,) if config_type else WRITABLE
        return {t: sorted({*s.values, *s.optional}) for t, s in
                ((t, self.source(t)) for t in types)}

    # Writing

    def set(self, key: str, value: str, config_type: str | None = None) -> None:
        source = self._holder(key, config_type)
        if source.type_id == HE_LOCAL:
            flatfile.set_value(self._he_conf_path, key, value)
        elif source.type_id == HA:
            flatfile.set_value(paths.resolve(constants.HA_AGENT_CONF_FILE), key, value)
        elif source.type_id in (HE_SHARED, BROKER):
            self._set_shared(source.type_id, key, value)
        else:
            raise exceptions.SharedConfigError(
                f"configuration type {source.type_id!r} is read-only")
        log.info("Set %s=%s in configuration %s", key, value, source.type_id)

    def _set_shared(self, type_id: str, key: str, value: str) -> None:
        volume = self._volume()  # writing needs the volume: no fallback here
        member = "hosted-engine.conf" if type_id == HE_SHARED else "broker.conf"
        text = conf_volume.read_member(volume, member)
        if type_id == HE_SHARED:
            new = flatfile.replace_value(text, key, value)
        else:
            new = ini_replace(text, key, value)
        conf_volume.replace_member(volume, member, new)
