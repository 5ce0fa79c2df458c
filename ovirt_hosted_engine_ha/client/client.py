"""HAClient: what vdsm, hosted-engine tools and ovirt-ha-client use.

Method names, arguments and result shapes are upstream's (spec/client.md
§3-§6); vdsm imports this module inside ``try/except ImportError``, so it
imports nothing at load time that could fail for another reason (vdsm and
storage modules are imported by the methods that need them).

Differences from upstream, by design:
- A malformed slot does not fail `get_all_stats`: the host is *marked*
  (`stats.marked_host`: a `METADATA_ERROR` key naming the problem, score 0,
  engine status unknown, every key vdsm and hosted-engine tools read
  present), the other hosts are reported as usual. A global slot that
  cannot be parsed reads as ``{METADATA_ERROR: ...}`` (no maintenance).
- `live-data` for all hosts comes from one `is_host_alive` round trip.
- `metadata_age` is how old the broker's data was at the last
  `get_all_stats` (seconds since its last good read of the metadata
  volume; None for an upstream broker), `metadata_stale()` whether that
  is beyond the staleness bound (lib/staleness.py).
- A broker Fault raises `RequestError`, an unreachable broker
  `BrokerConnectionError` (an `OSError` too, with the socket's errno).
- Bad arguments raise `InvalidArgument`; a refused lockspace reset raises
  `LockspaceResetRefused`; `reset_lockspace` returns False when the host is
  not configured (upstream returns silently).
"""

import logging
import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from ..env import constants, paths
from ..env.config import parse_key_values
from ..lib import exceptions, metadata, staleness
from . import flatfile, stats

METADATA_ERROR = stats.METADATA_ERROR
LIVE_DATA = stats.LIVE_DATA


class HAClient:
    class StatModes:
        ALL = "ALL"
        HOST = "HOST"
        GLOBAL = "GLOBAL"

    class GlobalMdFlags:
        MAINTENANCE = metadata.GLOBAL_MAINTENANCE

    class MaintenanceMode:
        LOCAL = "LOCAL"
        GLOBAL = "GLOBAL"
        LOCAL_MANUAL = "LOCAL_MANUAL"

    def __init__(self, log: bool = False, **kwargs: Any) -> None:
        """`log` false: silence logging unless the process configured it (as upstream).

        Keyword `socket_path` overrides the broker socket (tests, the lab);
        upstream's legacy keywords (`retries`, `wait`) are accepted and ignored.
        """
        if not log:
            logging.basicConfig(filename=os.devnull, filemode="w+", level=logging.CRITICAL)
        self._log = logging.getLogger(f"{__name__}.HAClient")
        self._socket_path: str | None = kwargs.get("socket_path")
        self._config: dict[str, str] | None = None
        self.metadata_age: float | None = None

    # Configuration

    def _conf_path(self) -> Path:
        return paths.resolve(constants.ENGINE_SETUP_CONF_FILE)

    def _conf(self) -> dict[str, str]:
        """hosted-engine.conf, read once per instance; missing file -> empty (logged)."""
        if self._config is None:
            path = self._conf_path()
            try:
                self._config = parse_key_values(path.read_text(encoding="utf-8"))
            except (OSError, UnicodeDecodeError) as e:
                self._log.error("Cannot read %s: %s", path, e)
                self._config = {}
        return self._config

    def get_local_host_id(self) -> int | None:
        """hosted-engine.conf `host_id`, or None when absent or empty."""
        value = self._conf().get("host_id")
        if value in (None, "", "None"):
            return None
        try:
            return int(value)  # type: ignore[arg-type]
        except ValueError:
            raise exceptions.InvalidConfigValue(
                self._conf_path(), "host_id", value, "an integer") from None

    def is_deployed(self) -> bool:
        """Whether hosted-engine.conf (the only mandatory file) exists."""
        return self._conf_path().exists()

    def _link(self, timeout: float | None) -> stats.ClientLink:
        return stats.ClientLink(timeout=timeout, socket_path=self._socket_path)

    # Stats

    def get_all_stats(self, mode: str = StatModes.ALL,
                      timeout: float | None = None) -> dict[int, dict[str, Any]]:
        """Parsed slots with `live-data`: ``{0: global, host_id: host, ...}`` (§4.1)."""
        link = self._link(timeout)
        raw, self.metadata_age = link.get_raw_stats_and_age()
        result = self._parse_stats(raw, mode)
        if mode != self.StatModes.GLOBAL:
            self._check_liveness_for_stats(result, link)
        return result

    def metadata_stale(self) -> bool:
        """Whether the data of the last `get_all_stats` was stale at the broker."""
        return staleness.is_stale(self.metadata_age)

    def get_all_host_stats(self, timeout: float | None = None) -> dict[int, dict[str, Any]]:
        return self.get_all_stats(self.StatModes.HOST, timeout)

    def get_all_stats_direct(self, mode: str = StatModes.ALL) -> dict[int, dict[str, Any]]:
        """Read the metadata volume without the broker (connects storage through vdsm).

        Entries carry no `live-data`: liveness is only known to the broker.
        """
        from ..broker.storage_broker import StorageBroker
        from ..env.config import load_hosted_engine_conf

        storage = StorageBroker.connect(load_hosted_engine_conf(self._conf_path()))
        raw = {slot: data for slot, data in storage.read_all().items()
               if not metadata.slot_is_empty(data)}
        return self._parse_stats(raw, mode)

    def get_all_host_stats_direct(self) -> dict[int, dict[str, Any]]:
        return self.get_all_stats_direct(self.StatModes.HOST)

    def get_local_host_score(self, timeout: float | None = None) -> int:
        """Own published score if the own slot parses and the broker lists it alive, else 0."""
        host_id = self._require_host_id()
        link = self._link(timeout)
        data = link.get_raw_stats().get(host_id)
        if data is None or metadata.slot_is_empty(data):
            return 0
        try:
            score = metadata.parse_host_slot(host_id, data).score
        except exceptions.MetadataError as e:
            self._log.error("Own metadata unreadable: %s", e)
            return 0
        return score if host_id in link.alive_hosts() else 0

    def _parse_stats(self, raw: Mapping[int, bytes | str], mode: str) -> dict[int, dict]:
        return stats.parse_stats(raw, hosts=mode != self.StatModes.GLOBAL,
                                 cluster=mode != self.StatModes.HOST)

    def _check_liveness_metadata(self, md: dict[str, Any], broker: stats.ClientLink) -> bool:
        md[LIVE_DATA] = md["host-id"] in broker.alive_hosts()
        return md[LIVE_DATA]

    def _check_liveness_for_stats(self, result: dict[int, dict],
                                  broker: stats.ClientLink) -> None:
        if any(slot != 0 for slot in result):
            stats.add_live_data(result, broker.alive_hosts())

    # Maintenance

    def set_global_md_flag(self, flag: str, value: object, timeout: float | None = None) -> None:
        """Set a global flag (only "maintenance" exists) in slot 0 through the broker."""
        if flag not in metadata.global_flags:
            raise exceptions.InvalidArgument("metadata flag", f"unknown flag {flag!r}")
        enabled = _to_bool(value, "maintenance value")
        link = self._link(timeout)
        current = link.get_raw_stats().get(0)
        if current is not None and not metadata.slot_is_empty(current):
            try:
                metadata.parse_global_slot(current)  # only to log a bad slot being replaced
            except exceptions.MetadataError as e:
                self._log.warning("Replacing unreadable global metadata: %s", e)
        block = metadata.build_global_slot(metadata.GlobalSlot(maintenance=enabled))
        link.put_stats_on_storage(0, block.decode("ascii"))
        self._log.info("Global flag %s set to %s", flag, enabled)

    def set_maintenance_mode(self, mode: str, value: object,
                             timeout: float | None = None) -> None:
        """GLOBAL: slot 0 via the broker. LOCAL / LOCAL_MANUAL: ha.conf on this host."""
        if mode == self.MaintenanceMode.GLOBAL:
            self.set_global_md_flag(self.GlobalMdFlags.MAINTENANCE, str(value), timeout)
        elif mode == self.MaintenanceMode.LOCAL:
            self._set_ha_conf(flatfile.LOCAL_MAINTENANCE, value)
        elif mode == self.MaintenanceMode.LOCAL_MANUAL:
            self._set_ha_conf(flatfile.LOCAL_MAINTENANCE_MANUAL, value)
            self._set_ha_conf(flatfile.LOCAL_MAINTENANCE, value)
        else:
            raise exceptions.InvalidArgument(
                "maintenance mode", f"{mode!r} is not one of GLOBAL, LOCAL, LOCAL_MANUAL")

    def _set_ha_conf(self, key: str, value: object) -> None:
        enabled = _to_bool(value, f"{key} value")
        flatfile.set_value(paths.resolve(constants.HA_AGENT_CONF_FILE), key, str(enabled),
                           create=True)

    # Lockspace

    def reset_lockspace(self, force: bool = False, timeout: float | None = None) -> bool:
        """Re-initialise the sanlock lockspace; refuse unless it is safe or `force`.

        Safe means: global maintenance set (when slot 0 exists) and every
        host's agent stopped. Returns False, doing nothing, when this host is
        not configured (no `host_id`, or `configured` other than "True").
        """
        conf = self._conf()
        if not conf.get("host_id") or conf.get("configured", "True") != "True":
            self._log.error("Cannot reset the lockspace: hosted engine is not configured")
            return False
        link = self._link(timeout)
        if not force:
            stats.check_reset_is_safe(self._parse_stats(link.get_raw_stats(), self.StatModes.ALL))
        link.reset_lockspace()
        self._log.info("Lockspace reset (force=%s)", force)
        return True

    # Storage (vdsm), no broker

    def connect_storage_server(self, timeout: float = constants.VDSCLI_SSL_TIMEOUT) -> None:
        """Connect the hosted-engine storage server through vdsm (vdsm's own timeout applies)."""
        from ..env.config import load_hosted_engine_conf
        from ..lib import storage_server

        storage_server.connect_storage_server(load_hosted_engine_conf(self._conf_path()))

    def disconnect_storage_server(self, timeout: float = constants.VDSCLI_SSL_TIMEOUT) -> None:
        """Disconnect the hosted-engine storage server through vdsm."""
        from ..env.config import load_hosted_engine_conf
        from . import storage

        storage.disconnect_storage_server(load_hosted_engine_conf(self._conf_path()))

    # Shared configuration

    def get_shared_config(self, key: str, config_type: str | None = None) -> list:
        """``[value, type_id]`` of `key` in the single source holding it."""
        from . import shared_config

        return shared_config.SharedConfig(self._conf_path()).get(key, config_type)

    def set_shared_config(self, key: str, value: str, config_type: str | None = None) -> None:
        """Write `key` in the single writable source holding it."""
        from . import shared_config

        shared_config.SharedConfig(self._conf_path()).set(key, value, config_type)

    def get_all_config_keys(self, config_type: str | None = None) -> dict | None:
        """``{type_id: sorted keys}``; None for a read-only type."""
        from . import shared_config

        return shared_config.SharedConfig(self._conf_path()).all_keys(config_type)

    def _require_host_id(self) -> int:
        host_id = self.get_local_host_id()
        if host_id is None:
            raise exceptions.MissingConfigKey(self._conf_path(), "host_id")
        return host_id


def _to_bool(value: object, name: str) -> bool:
    result = metadata.to_bool(value)
    if result is None:
        raise exceptions.InvalidArgument(name, f"{value!r} is not a boolean")
    return result
