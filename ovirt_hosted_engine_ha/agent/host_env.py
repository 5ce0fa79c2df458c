"""The agent's Env on a real host (or a lab host): broker, vdsm, files.

- broker: `BrokerLink` as it is (a new connection per call, no state);
- vdsm: `lib.vdsm_util` (the shared `vdsm.client` connection), imported on
  first use; "vdsm is up" means it answers `Host.ping2` at once (upstream
  asks `service vdsmd status`);
- ha.conf is read at every call; a file that cannot be read means no local
  maintenance (logged once per problem);
- vm.conf is the local copy the broker keeps (vm_conf_store.py): no storage reads.
sanlock is not asked directly: the broker's `lock_host_id` reports whether
the host id is held.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from typing import Any

from ..env import config, constants, paths
from ..lib import exceptions, metadata
from .clock import Clock
from .env import Broker, ServiceNotUp
from .vm_conf import VmConf
from .vm_conf_store import VmConfStore
from .vm_control import VmControl

log = logging.getLogger(__name__)

LOCAL_MAINTENANCE_KEYS = ("local_maintenance_manual", "local_maintenance")


def _vdsm_util() -> Any:
    try:
        from ..lib import vdsm_util
    except ImportError as e:
        raise exceptions.VdsmError(f"the vdsm client library is missing: {e}") from e
    return vdsm_util


def _vdsm_call(namespace: str, verb: str, **kwargs: Any) -> Any:
    return _vdsm_util().call(namespace, verb, **kwargs)


def _vdsm_ping() -> None:
    _vdsm_util().connect(retries=1)


class HostEnv:
    def __init__(self, conf: config.HostedEngineConf, broker: Broker, clock: Clock,
                 vm_uuid: str, call: Callable[..., Any] = _vdsm_call,
                 ping: Callable[[], None] = _vdsm_ping,
                 sleep: Callable[[float], None] = time.sleep) -> None:
        self.broker = broker
        self._clock = clock
        self._ping = ping
        self._vm = VmControl(call, vm_uuid, sleep)
        self._vm_conf = VmConfStore(conf)
        self._ha_conf = paths.resolve(constants.HA_AGENT_CONF_FILE)
        self._ha_conf_problem: str | None = None

    def now(self) -> float:
        return self._clock()

    def wall_time(self) -> float:
        return time.time()

    def check_vdsm(self) -> None:
        try:
            self._ping()
        except exceptions.Error as e:
            raise ServiceNotUp(f"vdsm does not answer: {e}") from e

    def local_maintenance(self) -> bool:
        try:
            values = config.read_key_values(self._ha_conf)
        except exceptions.ConfigError as e:
            if "file not found" not in str(e):
                self._report_ha_conf(str(e))
            return False
        flags = [metadata.to_bool(values.get(key, "False")) for key in LOCAL_MAINTENANCE_KEYS]
        if None in flags:
            self._report_ha_conf(f"{self._ha_conf}: a maintenance value is not a boolean")
        else:
            self._ha_conf_problem = None
        return any(flags)

    def _report_ha_conf(self, problem: str) -> None:
        if problem != self._ha_conf_problem:
            log.warning("%s; taking it as no local maintenance", problem)
            self._ha_conf_problem = problem

    def load_vm_conf(self, now: int, epoch: int) -> VmConf:
        return self._vm_conf.refresh(now, epoch)

    def start_vm(self, vm: VmConf) -> bool:
        return self._vm.start(vm)

    def stop_vm(self, force: bool) -> bool:
        return self._vm.stop(force)
