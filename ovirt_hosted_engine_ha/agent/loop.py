"""The monitoring loop: one `Agent.step()` per cycle (spec/agent.md §1.4, §1.5).

A cycle, as upstream's:
  A  collect (get_stats, status_monitor per monitor, ha.conf), unless the
     last collection finished in this same second (after a NOWAIT);
  B  decide (state_machine.consume; may start or stop the VM);
  1  on a state change: log "state change A => B" and notify the broker;
  2  after a cycle that waited (delay > 0): check vdsm, refresh vm.conf,
     lock the host id;
  3  not in local maintenance: start the domain monitor and check the
     storage-domain monitor; else stop the domain monitor unless the VM
     runs here;
  4  publish the slot, then the list of live hosts.
`step` returns the delay the state asked for (10 s, 0 after NOWAIT, at
least 30 s when vdsm does not answer); the caller sleeps it, counted from
the cycle's start.

Nothing ends the agent but a stop request: a failed call is counted and
logged once per cause (failures.py) and tried again next cycle. Unlike
upstream (which exits and is restarted by systemd, spec/agent.md §1.9):
- a broker without our monitors (restarted) gets them started again, and
  meanwhile their values are unknown; the history, and so the 60 s
  warm-up, is kept (design.md §7);
- the storage-domain monitor answering "False" ends the cycle before
  publishing (upstream's check could not fail, spec/agent.md §9 item 2);
- without the other hosts' slots there is no decision and no publish.
At agent start, while ha.conf says local maintenance, nothing is done or
published; ha.conf is polled every 2 s (as upstream).
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from ..lib import exceptions
from . import constants, monitors, publish, refresh, scoring, state_machine
from .collect import CollectFailed, Collector
from .config import AgentConfig
from .env import Env, ServiceNotUp
from .failures import BROKER_UNREACHABLE, Failures
from .model import VM_UP, AgentData
from .state_machine import State
from .states import AgentStopped, StartState
from .vm_conf import VmConf, VmConfError

log = logging.getLogger(__name__)


class StorageInvalid(exceptions.DetailError):
    """The storage-domain monitor reports the hosted-engine domain invalid."""


class Agent:
    def __init__(self, env: Env, config: AgentConfig) -> None:
        self._env = env
        self.config = config
        self.host_id = config.host_id
        self.failures = Failures(env.now)
        self._collector = Collector(env, config.host_id, config.monitors, self.failures)
        self._ident = publish.Identity(config.host_id, config.hostname,
                                       config.conf_on_shared_storage)
        self.state: State = StartState(AgentData())
        self.vm_conf: VmConf | None = None
        self.holds_host_id = False
        self.published_score: int | None = None
        self._initialized = False
        self._prev_delay = 1
        self._gate_logged_at: float | None = None

    # Context of the state machine

    def score(self, scoring_kind: scoring.Scoring, data: AgentData) -> scoring.Score:
        return scoring.compute(scoring_kind, data, self.config.score,
                               self.config.conf_on_shared_storage)

    def start_vm(self) -> bool:
        self._refresh_vm_conf()
        if self.vm_conf is None:
            log.error("Cannot start the engine VM: no vm.conf")
            return False
        return self._env.start_vm(self.vm_conf)

    def stop_vm(self, force: bool) -> bool:
        return self._env.stop_vm(force)

    # The cycle

    def step(self) -> float:
        """Run one cycle; return the seconds to wait before the next one."""
        if not self._initialized:
            if self._start_gate():
                return constants.START_GATE_POLL
            self._initialize()
        old = self.state
        try:
            data = self._refresh(old.data)
        except CollectFailed:
            self._prev_delay = constants.WAIT
            return constants.WAIT
        new, delay = state_machine.consume(old, data, self)
        self.state = new
        if new.name != old.name:
            log.info("state change %s => %s", old.name, new.name)
            self._notify(f"{old.name}-{new.name}")
        try:
            if self._prev_delay > 0:
                self._check_vdsm()
                self._refresh_vm_conf()
                self._lock_host_id()
            self._domain_monitor(new)
            self._publish(new)
        except ServiceNotUp:
            delay = max(delay, constants.SERVICE_NOT_UP_DELAY)
        except StorageInvalid as e:
            self.failures.failed("storage", e)
        self._prev_delay = delay
        return delay

    def stop(self) -> None:
        """Publish AgentStopped (if the host id is held) and release the host id."""
        if not self._initialized:
            return
        if self.holds_host_id:
            self._publish(AgentStopped(self.state.data))
            if self._broker("release_host_id", self._env.broker.release_host_id):
                self.holds_host_id = False
                log.info("Released host id %d", self.host_id)
        self._stop_domain_monitor_if_possible(self.state)

    # Pieces

    def _start_gate(self) -> bool:
        if not self._env.local_maintenance():
            return False
        now = self._env.now()
        if self._gate_logged_at is None \
                or now - self._gate_logged_at >= constants.START_GATE_LOG_SECS:
            log.info("Local maintenance is set: waiting for it to end before starting")
            self._gate_logged_at = now
        return True

    def _initialize(self) -> None:
        self._initialized = True
        # The domain monitor first: a storage-domain monitor started before
        # vdsm monitors the domain would report it invalid until it measures again.
        self._broker("start_domain_monitor", self._env.broker.start_domain_monitor,
                     self.host_id)
        self._collector.start_monitors()
        self._lock_host_id()

    def _refresh(self, old: AgentData) -> AgentData:
        if old.stats is not None and int(self._env.now()) == old.stats.collect_finish:
            return old
        stats = self._collector.collect()
        memory = self.vm_conf.mem_size if self.vm_conf is not None else 0
        data = refresh.refresh(old, stats, self.host_id, memory)
        for host_id in sorted(set(data.alive_hosts) - set(old.alive_hosts)):
            log.info("Host %d (%s) is alive", host_id, stats.hosts[host_id].hostname)
        for host_id in sorted(set(old.alive_hosts) - set(data.alive_hosts)):
            host = stats.hosts.get(host_id)
            log.info("Host %d (%s) is not alive any more: its slot %s", host_id,
                     host.hostname if host else "?",
                     "did not change for 60 s" if host else "is gone")
        return data

    def _broker(self, operation: str, call: Callable[..., object], *args: object) -> bool:
        """Call a broker verb; False (counted, logged once) if it failed."""
        try:
            call(*args)
        except exceptions.RequestError as e:
            self.failures.failed(operation, e)
            return False
        self.failures.succeeded(operation, BROKER_UNREACHABLE)
        return True

    def _notify(self, detail: str) -> None:
        self._broker("notify", lambda: self._env.broker.notify(
            constants.STATE_TRANSITION, detail, hostname=self.config.notify_hostname))

    def _check_vdsm(self) -> None:
        try:
            self._env.check_vdsm()
        except ServiceNotUp as e:
            self.failures.failed("vdsm", e)
            raise
        self.failures.succeeded("vdsm")

    def _refresh_vm_conf(self) -> None:
        now = self._env.now()
        try:
            self.vm_conf = self._env.load_vm_conf(int(now), int(self._env.wall_time() - now))
        except VmConfError as e:
            self.failures.failed("vm.conf", e)
        else:
            self.failures.succeeded("vm.conf")

    def _lock_host_id(self) -> None:
        try:
            self._env.broker.lock_host_id(self.host_id)
        except exceptions.BrokerConnectionError as e:
            self.failures.failed("lock_host_id", e)
        except exceptions.RequestError as e:
            self.failures.failed("lock_host_id", e)
            self.holds_host_id = False
        else:
            self.failures.succeeded("lock_host_id", BROKER_UNREACHABLE)
            if not self.holds_host_id:
                log.info("Holding host id %d", self.host_id)
            self.holds_host_id = True

    def _domain_monitor(self, state: State) -> None:
        stats = state.data.stats
        if stats is None or stats.local.maintenance:
            self._stop_domain_monitor_if_possible(state)
            return
        self._broker("start_domain_monitor", self._env.broker.start_domain_monitor,
                     self.host_id)
        spec = next(s for s in self.config.monitors if s.field == monitors.STORAGE_DOMAIN)
        if self._collector.status(spec) is False:
            raise StorageInvalid("the storage domain monitor reports the hosted-engine "
                                 "storage domain invalid; not publishing")
        self.failures.succeeded("storage")

    def _stop_domain_monitor_if_possible(self, state: State) -> None:
        stats = state.data.stats
        vm = stats.local.engine.get("vm", VM_UP) if stats is not None else VM_UP
        if vm == VM_UP:
            log.debug("The engine VM may run here: keeping the domain monitor")
            return
        self._broker("stop_domain_monitor", self._env.broker.stop_domain_monitor)

    def _publish(self, state: State) -> None:
        score = state.score(self)
        best = state.data.best_score_host
        log.debug("Current state %s (score: %d)%s", state.name, score.value,
                  f"; best remote host {best.hostname} (id {best.host_id}, score {best.score})"
                  if best else "")
        if score.value != (self.published_score or 0):
            log.info("score change %d => %d: %s", self.published_score or 0, score.value,
                     score.explain())
        self.published_score = score.value
        vm_conf = self.vm_conf
        stamp = publish.VmConfStamp(vm_conf.refreshed, vm_conf.epoch) if vm_conf \
            else publish.VmConfStamp()
        now = self._env.now()
        text = publish.build_slot(self._ident, state, score.value, state.data.stats, stamp,
                                  now=int(now), epoch=int(self._env.wall_time() - now))
        if self._broker("put_stats", self._env.broker.put_stats_on_storage,
                        self.host_id, text):
            self._broker("push_hosts_state", self._env.broker.put_hosts_state_on_storage,
                         self.host_id, list(state.data.alive_hosts))
