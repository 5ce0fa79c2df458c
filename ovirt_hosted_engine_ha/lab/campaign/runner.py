"""Running a campaign: a lab with agents, the drawn faults one after another, the checks.

For each planned fault: `gap` seconds of calm, start it (a target
"engine" is the host whose vdsm reports the engine VM Up right then), hold
it `hold` seconds, end it, then wait for recovery: the engine "DB Up" and
the slots of the fault's hosts changed since the end, or the bounds
passed (a violation). Faults never overlap, so each recovery is measured
against one fault. A sampler thread records the cluster all along
(sampler.py); the verdict is computed from that record (invariants.py).
"""

import dataclasses
import logging
import time
from collections.abc import Callable
from pathlib import Path

from .. import agentproc, errors, leaselog
from ..cluster import Cluster, Host
from ..faultfs import mount
from . import bounds, catalogue, invariants, plan
from .result import Result
from .sampler import Sampler

log = logging.getLogger(__name__)

POLL = 0.5


@dataclasses.dataclass
class Settings:
    root: str
    hosts: int = 3
    faults: int = 20
    seed: int = 1
    min_wait: float = 5.0
    max_wait: float = 30.0
    storage: bool | None = None     # storage faults: None = when the lab has them
    keep: bool = False              # leave a lab this campaign brought up running
    domain: str = "file"            # a lab brought up here: file or block storage domain


def open_lab(settings: Settings, say: Callable[[str], None]) -> tuple[Cluster, bool]:
    """(cluster, brought up here): attach to a running lab with agents, or bring one up."""
    lab_json = Path(settings.root) / "lab.json"
    if lab_json.exists():
        try:
            cluster = Cluster.attach(settings.root, watchdog=True)
        except errors.LabError:
            cluster = None
        if cluster is not None and all(h.agent_pid and h.broker_pid
                                       for h in cluster.hosts.values()):
            say(f"attached to the lab at {cluster.root} ({len(cluster.hosts)} hosts)")
            return cluster, False
    if not agentproc.available():
        raise errors.LabDetailError(f"the HA agent is not installed ({agentproc.MAIN})")
    faultfs = False
    if settings.storage is not False:
        why_not = mount.unavailable()
        if why_not is not None and settings.storage:
            raise errors.LabDetailError(f"storage faults asked for, but FUSE: {why_not}")
        if why_not is not None:
            say(f"storage faults off: {why_not}")
        faultfs = why_not is None
    say(f"bringing up {settings.hosts} hosts with agents at {settings.root}"
        + (" over faultfs" if faultfs else ""))
    cluster = Cluster.up(settings.root, hosts=settings.hosts, start_agents=True,
                         watchdog=True, faultfs=faultfs, domain=settings.domain)
    return cluster, True


class Campaign:
    def __init__(self, cluster: Cluster, settings: Settings,
                 say: Callable[[str], None] = print) -> None:
        self.cluster = cluster
        self.settings = settings
        self.say = say
        storage = catalogue.storage_faults_available(cluster)
        if settings.storage and not storage:
            raise errors.LabDetailError("storage faults asked for, but this lab has no FUSE "
                                        "layer (Cluster.up(..., faultfs=True))")
        self.storage = storage and settings.storage is not False
        self.kinds = catalogue.catalogue(self.storage)
        self.by_name = {k.name: k for k in self.kinds}
        self.plan = plan.draw(settings.seed, settings.faults, len(cluster.hosts), self.kinds,
                              settings.min_wait, settings.max_wait)
        self.sampler = Sampler(cluster, time.monotonic())
        self.episodes: list[invariants.Episode] = []
        self.first_up: float | None = None

    def run(self) -> Result:
        self.sampler.start()
        try:
            self._wait_first_start()
            for planned in self.plan:
                self._pause(planned.gap)
                self._one(planned)
        except KeyboardInterrupt:
            self.say("interrupted: the fault under way was ended; no further faults")
        finally:
            self.sampler.stop()
        return self.result()

    def result(self) -> Result:
        return Result(self.settings, [k.name for k in self.kinds], self.storage, self.plan,
                      self.episodes, self.sampler.snapshot(), self.first_up,
                      leaselog.read(self.cluster.layout.lease_log))

    def _pause(self, seconds: float) -> None:
        time.sleep(seconds)

    def _wait_first_start(self) -> None:
        deadline = self.sampler.now() + bounds.FIRST_START_BOUND
        while self.sampler.now() < deadline:
            up = invariants.first_db_up_after(self.sampler.since(0.0), 0.0)
            if up is not None:
                self.first_up = up
                self.say(f"engine 'DB Up' at t={up:.1f} s; the campaign begins")
                return
            time.sleep(POLL)
        raise errors.LabDetailError(f"the engine did not come up within "
                                    f"{bounds.FIRST_START_BOUND:.0f} s: no campaign")

    def _target(self, planned: plan.PlannedFault) -> Host | None:
        if planned.target == "cluster":
            return None
        if planned.target == plan.ENGINE:
            engine = self.cluster.engine_hosts()
            return self.cluster.hosts[engine[0] if engine else min(self.cluster.hosts)]
        return self.cluster.hosts[int(planned.target)]

    def _one(self, planned: plan.PlannedFault) -> None:
        kind = self.by_name[planned.kind]
        host = self._target(planned)
        target = host.id if host is not None else None
        engine = self.cluster.engine_hosts()
        episode = invariants.Episode(planned.index, kind.name, target, self.sampler.now(),
                                     exempt=kind.exempt(target, sorted(self.cluster.hosts)),
                                     engine_on=engine[0] if engine else None)
        self.episodes.append(episode)
        self.say(f"t={episode.start:7.1f} s  {episode.name}: {kind.what} "
                 f"(for {planned.hold:.1f} s)")
        notes = []
        try:
            kind.start(self.cluster, host)
        except Exception as e:
            notes.append(f"start failed: {type(e).__name__}: {e}")
        try:
            self._pause(planned.hold)
        finally:  # an interrupted campaign still ends the fault it started
            try:
                kind.end(self.cluster, host)
                episode.end = self.sampler.now()
            except Exception as e:
                notes.append(f"end failed: {type(e).__name__}: {e}")
            episode.note = "; ".join(notes)
        if episode.end is not None:
            self._recover(episode)
        else:
            episode.settled = self.sampler.now()
        self.say(f"t={episode.settled:7.1f} s  {episode.name}: ended at t={_secs(episode.end)}, "
                 f"engine up after {_secs(episode.engine_up_after)}, slot fresh after "
                 f"{_secs(episode.slot_fresh_after)}" + (f"  [{episode.note}]" if notes else ""))

    def _recover(self, episode: invariants.Episode) -> None:
        assert episode.end is not None
        limit = episode.end + max(bounds.ENGINE_UP_BOUND, bounds.SLOT_FRESH_BOUND)
        while True:
            recent = self.sampler.since(episode.start)
            episode.engine_up_after = invariants.first_db_up_after(recent, episode.end)
            episode.slot_fresh_after = invariants.fresh_after(recent, episode.watched,
                                                              episode.end)
            done = episode.engine_up_after is not None and (
                not episode.watched or episode.slot_fresh_after is not None)
            if done or self.sampler.now() > limit:
                episode.settled = self.sampler.now()
                return
            time.sleep(POLL)


def _secs(value: float | None) -> str:
    return "-" if value is None else f"{value:.1f} s"


def run(settings: Settings, say: Callable[[str], None] = print) -> Result:
    """Open the lab, run the campaign, take the lab down if it was brought up here."""
    cluster, ours = open_lab(settings, say)
    try:
        return Campaign(cluster, settings, say).run()
    finally:
        if ours and not settings.keep:
            cluster.down()
            say(f"lab down: {cluster.root} (files kept)")
