"""Simulated hosts joined to the hosted-engine lockspace (issue 15, `lab fill`).

One sanlock daemon holds one host id per lockspace, so the lab runs no
daemon for a simulated host: it writes that host's delta lease itself, as
a daemon would (delta_lease.py), and renews it at a daemon's cadence, a
new timestamp (monotonic seconds) every 2 io timeouts. The lab's real
daemons read every host's lease at each of their own renewals, so
`sanlock.get_hosts` on them (the broker's lockspace-hosts monitor, hence
the agents' liveness) shows a simulated host LIVE while it is renewed,
FAIL about 8 io timeouts after its renewals stop, DEAD about 60 s later,
and FREE once released (timestamp 0, as `rem_lockspace` leaves it).

Only the simulated ids' sectors are written, O_DIRECT and sector aligned,
one write per run of consecutive ids: a real host's sector is never part
of a write, so its daemon renewing beside them is not disturbed. Ids
beyond the lockspace's capacity (250 with 4 KiB sectors and 1 MiB
alignment) are left out; an id whose lease is held under another host
name (timestamp not 0) is refused.
"""

import os
import time
from collections.abc import Callable, Iterable

from ..broker import lockspace_geometry
from ..lib import directio, exceptions
from . import delta_lease, errors
from .delta_lease import FREE, Stamper

IO_TIMEOUT_ENV = "OVIRT_HA_SANLOCK_IO_TIMEOUT"
LAB_IO_TIMEOUT = 1          # brokerproc.SANLOCK_IO_TIMEOUT
SANLOCK_DEFAULT_IO_TIMEOUT = 10
MAX_WRITE = 1024 * 1024     # bytes per write


def sim_name(instance: str, host_id: int) -> str:
    """The sanlock host name of simulated host `host_id` (real ones: lab-<instance>-host<K>)."""
    return f"lab-{instance}-sim{host_id}"


def lab_io_timeout() -> int:
    """The io timeout the lab's hosts advertise (their brokers' OVIRT_HA_SANLOCK_IO_TIMEOUT)."""
    value = int(os.environ.get(IO_TIMEOUT_ENV) or LAB_IO_TIMEOUT)
    return value or SANLOCK_DEFAULT_IO_TIMEOUT


class SimulatedLeases:
    """Delta leases of the simulated hosts `ids` in the lockspace at `path`."""

    def __init__(self, path: str | os.PathLike[str], ids: Iterable[int],
                 name_of: Callable[[int], str], io_timeout: int | None = None,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.path = str(path)
        self.ids = sorted(set(ids))
        self._name_of = name_of
        self.io_timeout = io_timeout or lab_io_timeout()
        self._clock = clock
        self._held: dict[int, Stamper] = {}
        self.sector_size = 0

    @property
    def joined(self) -> list[int]:
        return sorted(self._held)

    @property
    def renew_interval(self) -> float:
        """sanlock's renewal period: 2 io timeouts."""
        return 2.0 * self.io_timeout

    def join(self) -> list[int]:
        """Take every id that fits the lockspace (generation + 1) and renew; the ids taken."""
        records = self._read()
        held = {}
        for host_id, old in records.items():
            name = self._name_of(host_id).encode()
            if old.timestamp != FREE and old.resource_name != name:
                raise errors.LabDetailError(
                    f"host id {host_id} is held in the lockspace {self.path} by "
                    f"{old.resource_name.decode(errors='replace')!r}; not simulating it")
            held[host_id] = Stamper(old.replace(
                owner_id=host_id, owner_generation=old.owner_generation + 1,
                resource_name=name, io_timeout=self.io_timeout, timestamp=FREE,
                write_id=0, write_generation=0, write_timestamp=0))
        self._held = held
        self.renew()
        return self.joined

    def renew(self) -> None:
        """A new timestamp (now, monotonic seconds) in every held lease."""
        self._write(int(self._clock()))

    def release(self) -> None:
        """Free the leases (timestamp 0), also those a previous process left held."""
        if not self._held:
            self._held = {
                host_id: Stamper(old) for host_id, old in self._read().items()
                if old.owner_id == host_id and old.timestamp != FREE
                and old.resource_name == self._name_of(host_id).encode()}
        self._write(FREE)
        self._held = {}

    def _read(self) -> dict[int, delta_lease.Leader]:
        """The current record of each of our ids within the lockspace's capacity."""
        geometry = lockspace_geometry.parse(self._read_bytes(directio.BLOCK))
        if geometry is None:
            raise errors.LabDetailError(f"no sanlock lockspace in {self.path}")
        size = self.sector_size = geometry.sector_size
        ids = [i for i in self.ids if i <= geometry.max_hosts]
        if not ids:
            return {}
        area = self._read_bytes(-(-ids[-1] * size // directio.BLOCK) * directio.BLOCK)
        records = {}
        for host_id in ids:
            record = delta_lease.decode(area[(host_id - 1) * size:host_id * size])
            if not record.is_delta_lease:
                raise errors.LabDetailError(
                    f"host id {host_id} of the lockspace {self.path} has no delta lease")
            records[host_id] = record
        return records

    def _read_bytes(self, length: int) -> bytes:
        try:
            return directio.read(self.path, 0, length)
        except exceptions.StorageError as e:
            raise errors.LabDetailError(f"cannot read the lockspace {self.path}: {e}") from e

    def _write(self, timestamp: int) -> None:
        size = self.sector_size
        for first, count in runs(self._held, MAX_WRITE // size):
            data = b"".join(self._held[i].sector(timestamp) for i in range(first, first + count))
            try:
                directio.write(self.path, (first - 1) * size, data, align=size)
            except exceptions.StorageError as e:
                raise errors.LabDetailError(
                    f"cannot write the lockspace {self.path}: {e}") from e


def runs(ids: Iterable[int], limit: int) -> list[tuple[int, int]]:
    """(first, count) of each run of consecutive ids, at most `limit` long."""
    result: list[tuple[int, int]] = []
    for host_id in sorted(ids):
        first, count = result[-1] if result else (0, 0)
        if result and first + count == host_id and count < limit:
            result[-1] = (first, count + 1)
        else:
            result.append((host_id, 1))
    return result
