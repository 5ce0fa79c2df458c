"""The broker keeps this host's copies of the shared configuration fresh.

Every `period` seconds (OVIRT_HA_CONFIG_REFRESH_SECS, default 10: the
agent's cycle, where upstream's agent refreshed vm.conf) and whenever
`request()` asks, one thread:

1. reads the VM configuration (broker/vm_config.py: OVF_STORE, else the
   configuration volume) and writes vm.conf (lib/local_copies.py);
2. reads hosted-engine.conf and broker.conf from the configuration volume
   and writes their local copies.

Files are replaced atomically and only when their content changed; a
source that fails leaves the copy as it is. The outcome is kept in a
`Freshness` that the "vm-config" monitor answers (submonitors/vm_config.py).
Problems are logged once per change.
"""

from __future__ import annotations

import dataclasses
import json
import logging
import os
import threading
import time
from collections.abc import Callable
from typing import Any

from ..env import config
from ..lib import conf_archive, local_copies
from . import vm_config

log = logging.getLogger(__name__)

PERIOD_ENV = "OVIRT_HA_CONFIG_REFRESH_SECS"
DEFAULT_PERIOD = 10.0
SOURCE_NAMES = {vm_config.SOURCE_OVF: "OVF_STORE",
                vm_config.SOURCE_CONF_VOLUME: "configuration volume"}


def period_from_env() -> float:
    try:
        value = float(os.environ.get(PERIOD_ENV, DEFAULT_PERIOD))
    except ValueError:
        return DEFAULT_PERIOD
    return value if value > 0 else DEFAULT_PERIOD


@dataclasses.dataclass(frozen=True)
class Freshness:
    """The outcome of the refreshes so far (monotonic times)."""

    source: str | None = None            # "ovf", "conf-volume"; None: never obtained
    refreshed_at: float | None = None    # last time vm.conf was obtained
    error: str | None = None             # why the last refresh obtained no vm.conf
    ovf_error: str | None = None         # why the last refresh did not use the OVF_STORE
    shared_at: float | None = None       # last time the shared members were read
    shared_error: str | None = None
    refreshes: int = 0                   # refresh rounds completed

    def to_json(self, now: float) -> str:
        def age(at: float | None) -> float | None:
            return None if at is None else round(max(0.0, now - at), 1)
        return json.dumps({
            "source": self.source, "age": age(self.refreshed_at), "error": self.error,
            "ovf_error": self.ovf_error, "shared_age": age(self.shared_at),
            "shared_error": self.shared_error, "refreshes": self.refreshes,
        }, sort_keys=True)


class ConfigRefresher:
    def __init__(self, conf: config.HostedEngineConf, call: Callable[..., Any],
                 period: float | None = None,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self._conf = conf
        self._call = call
        self._source = vm_config.VmConfigSource(conf, call)
        self.period = period or period_from_env()
        self._clock = clock
        self._freshness = Freshness()
        self._wake = threading.Event()
        self._stopping = threading.Event()
        self._thread: threading.Thread | None = None
        self._logged: dict[str, str | None] = {}

    @property
    def freshness(self) -> Freshness:
        return self._freshness

    def value(self) -> str:
        """The "vm-config" monitor's text."""
        return self._freshness.to_json(self._clock())

    def request(self) -> None:
        """Refresh now instead of at the end of the period."""
        self._wake.set()

    def start(self) -> None:
        self._thread = threading.Thread(target=self._run, name="config-refresher", daemon=True)
        self._thread.start()

    def stop(self, timeout: float) -> None:
        self._stopping.set()
        self._wake.set()
        if self._thread is not None:
            self._thread.join(timeout)

    def _run(self) -> None:
        """Refresh after each period or request (the owner runs the first round itself)."""
        while True:
            self._wake.wait(self.period)
            self._wake.clear()
            if self._stopping.is_set():
                return
            try:
                self.refresh_once()
            except Exception:
                log.exception("Configuration refresh failed unexpectedly")

    def refresh_once(self) -> Freshness:
        f = self._refresh_vm_conf(self._freshness)
        f = self._refresh_shared(f)
        self._freshness = dataclasses.replace(f, refreshes=f.refreshes + 1)
        return self._freshness

    def _refresh_vm_conf(self, f: Freshness) -> Freshness:
        try:
            got = self._source.read()
        except vm_config.VmConfigError as e:
            self._report("vm.conf", f"Cannot refresh vm.conf: {e}", logging.ERROR)
            return dataclasses.replace(f, error=str(e), ovf_error=None)
        self._report("ovf", got.ovf_problem and
                     f"Not using the OVF_STORE ({got.ovf_problem}): vm.conf comes from the "
                     "configuration volume", logging.WARNING)
        self._report("vm.conf", None, logging.ERROR)
        path = local_copies.vm_conf_path(self._conf)
        try:
            if local_copies.write_vm_conf(path, got.body):
                log.info("Wrote %s from the %s", path, SOURCE_NAMES.get(got.source, got.source))
        except OSError as e:
            self._report("vm.conf", f"Cannot write {path}: {e}", logging.ERROR)
            return dataclasses.replace(f, error=f"cannot write {path}: {e.strerror}")
        return dataclasses.replace(f, source=got.source, refreshed_at=self._clock(),
                                   error=None, ovf_error=got.ovf_problem)

    def _refresh_shared(self, f: Freshness) -> Freshness:
        try:
            members = vm_config.shared_members(self._conf, self._call)
            for name, text in members.items():
                path = local_copies.shared_conf_path(name)
                if text.strip() and local_copies.write_text(path, text):
                    log.info("Wrote %s from the configuration volume", path)
        except (conf_archive.ConfVolumeError, OSError) as e:
            self._report("shared", f"Cannot refresh the shared configuration: {e}",
                         logging.WARNING)
            return dataclasses.replace(f, shared_error=str(e))
        self._report("shared", None, logging.WARNING)
        return dataclasses.replace(f, shared_at=self._clock(), shared_error=None)

    def _report(self, topic: str, problem: str | None, level: int) -> None:
        """Log `problem` once per change; a recovery once."""
        before = self._logged.get(topic)
        if problem == before:
            return
        self._logged[topic] = problem
        if problem is not None:
            log.log(level, "%s", problem)
        elif before is not None:
            log.info("Configuration refresh (%s) works again", topic)
