"""Everything a verb may read or change, in one object per simulator."""

import collections
import os
import threading
import time

from .domains import Storage
from .events import Hub
from .knobs import Faults, Knobs
from .lockspaces import DomainLockspaces
from .monitoring import Monitors
from .standin_vm import EngineSetup
from .vms import Vms


class SimState:
    """With `lockspaces` and `engine` (the lab), domain monitors join real sanlock
    lockspaces and the engine VM runs as a stand-in process; without, both are
    simulated with timers only (in-process tests)."""

    def __init__(self, storage_dir: str | os.PathLike[str], host_root: str | None = None,
                 bridge: str = "ovirtmgmt", knobs: Knobs | None = None,
                 lockspaces: DomainLockspaces | None = None,
                 engine: EngineSetup | None = None) -> None:
        self.started = time.monotonic()
        self.bridge = bridge
        self.stopping = threading.Event()
        self.knobs = knobs or Knobs()
        self.faults = Faults(self.stopping)
        self.hub = Hub()
        self.storage = Storage(storage_dir, host_root)
        self.monitors = Monitors(self.knobs, self.storage, lockspaces)
        self.vms = Vms(self.knobs, self.hub, self.stopping, engine)
        self._calls: collections.Counter[str] = collections.Counter()
        self._calls_lock = threading.Lock()

    def start(self) -> None:
        self.vms.start()

    def stop(self) -> None:
        """Release hung calls and stop the VM scheduler."""
        self.stopping.set()
        self.faults.wake_all()
        self.vms.stop()
        if self.monitors.lockspaces is not None:
            self.monitors.lockspaces.stop()

    def count(self, verb: str) -> None:
        with self._calls_lock:
            self._calls[verb] += 1

    def calls(self) -> dict[str, int]:
        with self._calls_lock:
            return dict(self._calls)

    def reset_calls(self) -> None:
        with self._calls_lock:
            self._calls.clear()
