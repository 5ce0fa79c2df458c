"""HAClient: what vdsm, hosted-engine tools and ovirt-ha-client use.

Method names, arguments and result shapes are upstream's (spec/client.md
§3-§6); vdsm imports this module inside ``try/except ImportError``, so it
imports nothing at load time that could fail for another reason (vdsm and
storage modules are imported by the methods that need them).

Differences from upstream, by design:
- A malformed slot does not fail `get_all_stats`: the host is *marked*
  (`METADATA_ERROR` key naming the problem, score 0, engine status unknown,
  every key vdsm and hosted-engine tools read present), the other hosts
  are reported as usual. A global slot that cannot be parsed reads as
  ``{METADATA_ERROR: ...}`` (no maintenance).
- `live-data` for all hosts comes from one `is_host_alive` round trip.
- A broker Fault raises `RequestError`, an unreachable broker
  `BrokerConnectionError` (an `OSError` too, with the socket's errno).
- Bad arguments raise `InvalidArgument`; a refused lockspace reset raises
  `LockspaceResetRefused`; `reset_lockspace` returns False when the host is
  not configured (upstream returns silently).
"""

import json
import logging
import os
import xmlrpc.client
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from ..env import constants, paths
from ..env.config import parse_key_values
from ..lib import exceptions, metadata
from ..lib.brokerlink import BrokerLink
from . import flatfile

METADATA_ERROR = "metadata-error"
LIVE_DATA = "live-data"


class _ClientLink(BrokerLink):
    """BrokerLink plus the two reads the client needs in raw form."""

    def get_raw_stats(self) -> dict[int, bytes]:
        """``{slot: bytes}``; undecoded, so one bad slot cannot fail the call."""
        result = self._call("get_stats")
        if not isinstance(result, dict):
            raise exceptions.RequestError(f"get_stats: unexpected answer {result!r}")
        slots: dict[int, bytes] = {}
        for key, value in result.items():
            if not str(key).isdigit():
                logging.getLogger(__name__).warning("Ignoring get_stats key %r", key)
                continue
            data = value.data if isinstance(value, xmlrpc.client.Binary) else value
            slots[int(key)] = data if isinstance(data, bytes) else str(data).encode("utf-8")
        return slots

    def alive_hosts(self) -> set[int]:
        """Host ids the local agent last reported alive (empty when stale)."""
        result = self._call("is_host_alive")
        return {h for h in result if isinstance(h, int)} if isinstance(result, list) else set()


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

    def _link(self, timeout: float | None) -> _ClientLink:
        return _ClientLink(timeout=timeout, socket_path=self._socket_path)

    # Stats

    def get_all_stats(self, mode: str = StatModes.ALL,
                      timeout: float | None = None) -> dict[int, dict[str, Any]]:
        """Parsed slots with `live-data`: ``{0: global, host_id: host, ...}`` (§4.1)."""
        link = self._link(timeout)
        stats = self._parse_stats(link.get_raw_stats(), mode)
        if mode != self.StatModes.GLOBAL:
            self._check_liveness_for_stats(stats, link)
        return stats

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

    def _parse_stats(self, stats: Mapping[int, bytes | str], mode: str) -> dict[int, dict]:
        result: dict[int, dict] = {}
        for slot, data in stats.items():
            if metadata.slot_is_empty(data):
                continue  # a cleaned slot is no host
            if slot == 0 and mode != self.StatModes.HOST:
                result[0] = self._parse_global(data)
            elif slot != 0 and mode != self.StatModes.GLOBAL:
                result[slot] = self._parse_host(slot, data)
        return result

    def _parse_global(self, data: bytes | str) -> dict[str, Any]:
        try:
            return dict(metadata.parse_global_slot(data).to_stats())
        except exceptions.MetadataError as e:
            self._log.error("%s", e)
            return {METADATA_ERROR: str(e)}

    def _parse_host(self, slot: int, data: bytes | str) -> dict[str, Any]:
        try:
            return metadata.parse_host_slot(slot, data).to_stats()
        except exceptions.MetadataError as e:
            self._log.error("%s", e)
            return marked_host(slot, e)

    def _check_liveness_metadata(self, md: dict[str, Any], broker: _ClientLink) -> bool:
        md[LIVE_DATA] = md["host-id"] in broker.alive_hosts()
        return md[LIVE_DATA]

    def _check_liveness_for_stats(self, stats: dict[int, dict], broker: _ClientLink) -> None:
        hosts = [md for slot, md in stats.items() if slot != 0]
        if not hosts:
            return
        alive = broker.alive_hosts()
        for md in hosts:
            md[LIVE_DATA] = md["host-id"] in alive

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
            stats = self._parse_stats(link.get_raw_stats(), self.StatModes.ALL)
            check_reset_is_safe(stats)
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


def marked_host(slot: int, error: Exception) -> dict[str, Any]:
    """The entry of a host whose slot cannot be parsed.

    Every key vdsm and hosted-engine tools read is present with a neutral
    value (score 0, not in maintenance, engine status unknown), and
    `METADATA_ERROR` names the problem.
    """
    status = {"vm": "unknown", "health": "unknown", "detail": "unknown",
              "reason": "metadata unreadable"}
    return {
        "host-id": slot,
        "host-ts": 0,
        "score": 0,
        "engine-status": json.dumps(status),
        "hostname": "",
        "maintenance": False,
        "stopped": False,
        METADATA_ERROR: str(error),
    }


def check_reset_is_safe(stats: dict[int, dict[str, Any]]) -> None:
    """Raise `LockspaceResetRefused` unless a lockspace reset is safe (spec/client.md §6)."""
    if 0 in stats and not stats[0].get("maintenance", False):
        raise exceptions.LockspaceResetRefused(
            "Lockfile reset can be performed in global maintenance mode only.")
    active = sorted(slot for slot, md in stats.items() if slot != 0 and not md.get("stopped"))
    if active:
        hosts = ", ".join(map(str, active))
        raise exceptions.LockspaceResetRefused(
            f"Lockfile reset cannot be performed with an active agent (host {hosts}).")
