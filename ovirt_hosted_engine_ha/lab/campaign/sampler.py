"""What the campaign watches, a few times a second, while faults come and go.

One sample: the engine VM's status on every host whose vdsm simulator
answers, each host's `host-ts` as its slot reads on storage right now (the
metadata volume itself, read with O_DIRECT: what any fresh reader gets),
and whether the engine's health page says "DB Up".

With the lab's FUSE layer the volume is read past its faults (the
daemon's descriptor of the real directory, faultfs `real_path`), by a
thread of its own (SlotReader): a sample gets the slots of a read that
finished since the last sample, so a slow read never holds up the
other figures.
"""

import bisect
import dataclasses
import http.client
import logging
import threading
import time
import urllib.error
import urllib.request
from typing import TYPE_CHECKING

from ...lib import directio, metadata
from ..simctl import SimControl

if TYPE_CHECKING:
    from ..cluster import Cluster

log = logging.getLogger(__name__)

INTERVAL = 0.25
HEALTH_TIMEOUT = 1.0
SIM_TIMEOUT = 1.0


@dataclasses.dataclass(frozen=True)
class Sample:
    t: float                        # seconds since the campaign's clock started
    vms: dict[int, str]             # host -> engine VM status, hosts whose vdsm answered
    slots: dict[int, int]           # host -> host-ts of its valid slot on storage
    db_up: bool                     # the health page answered "DB Up"


def truth_path(cluster: "Cluster") -> str:
    """The metadata volume as it is on disk: past the FUSE layer's faults when there is one."""
    try:
        return str(cluster.storage_faults.real_path(cluster.metadata_path))
    except Exception:  # no faultfs in this lab: the volume itself
        return str(cluster.metadata_path)


def read_slots(cluster: "Cluster", path: str | None = None) -> dict[int, int]:
    """{host id: host-ts} of every valid host slot on the metadata volume (or `path`)."""
    ids = sorted(cluster.hosts)
    length = (max(ids) + 1) * metadata.SLOT_BYTES
    raw = directio.read(path or str(cluster.metadata_path), 0, length)
    slots = {}
    for k in ids:
        data = raw[k * metadata.SLOT_BYTES:(k + 1) * metadata.SLOT_BYTES]
        if metadata.slot_is_empty(data):
            continue
        try:
            slots[k] = metadata.parse_host_slot(k, data).host_ts
        except Exception:
            continue  # torn or foreign: not a published timestamp
    return slots


def engine_vms(cluster: "Cluster") -> dict[int, str]:
    vm_id = cluster.ids.vm_id
    seen = {}
    for k, host in cluster.hosts.items():
        if host.pid("sim") is None:
            continue
        try:
            status = SimControl(host.layout.sim_socket, timeout=SIM_TIMEOUT).get()["vms"].get(vm_id)
        except Exception:
            continue
        if status is not None:
            seen[k] = status
    return seen


def db_up(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=HEALTH_TIMEOUT) as r:
            return r.read(200).startswith(b"DB Up")
    except (OSError, urllib.error.URLError, http.client.HTTPException):
        return False


class SlotReader:
    """Reads the slots over and over in its own thread; `fresh` gives a result newer than t."""

    def __init__(self, cluster: "Cluster", interval: float) -> None:
        self.cluster = cluster
        self.interval = interval
        self.errors = 0
        self.path: str | None = None
        self._latest: tuple[float, dict[int, int]] = (-1.0, {})
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="campaign-slots", daemon=True)

    def start(self) -> None:
        self.path = truth_path(self.cluster)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(1)  # a read hung by a storage fault may stay behind: daemon thread

    def fresh(self, after: float) -> dict[int, int]:
        """The slots of a read that finished after monotonic time `after` ({} if none)."""
        done, slots = self._latest
        return slots if done > after else {}

    def _run(self) -> None:
        while not self._stop.is_set():
            begun = time.monotonic()
            try:
                slots = read_slots(self.cluster, self.path)
            except Exception as e:
                log.debug("campaign: metadata unreadable: %s", e)
                self.errors += 1
                slots = {}
            self._latest = (time.monotonic(), slots)
            self._stop.wait(max(0.0, self.interval - (time.monotonic() - begun)))


class Sampler:
    """A thread that appends a Sample every INTERVAL seconds to `samples`."""

    def __init__(self, cluster: "Cluster", clock_start: float,
                 interval: float = INTERVAL) -> None:
        self.cluster = cluster
        self.clock_start = clock_start
        self.interval = interval
        self.samples: list[Sample] = []
        self.slots = SlotReader(cluster, interval / 2)
        self._last = time.monotonic()
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="campaign-sampler", daemon=True)

    def now(self) -> float:
        return time.monotonic() - self.clock_start

    def start(self) -> "Sampler":
        self.slots.start()
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(10)
        self.slots.stop()

    def take(self) -> Sample:
        t = self.now()
        vms = engine_vms(self.cluster)
        slots = self.slots.fresh(self._last)
        self._last = time.monotonic()
        return Sample(round(t, 3), vms, slots, db_up(self.cluster.engine_url))

    def snapshot(self) -> list[Sample]:
        with self._lock:
            return list(self.samples)

    def since(self, t: float) -> list[Sample]:
        """The samples taken at or after `t`."""
        with self._lock:
            return self.samples[bisect.bisect_left(self.samples, t, key=lambda s: s.t):]

    def _run(self) -> None:
        while not self._stop.is_set():
            begun = time.monotonic()
            sample = self.take()
            with self._lock:
                self.samples.append(sample)
            self._stop.wait(max(0.0, self.interval - (time.monotonic() - begun)))
