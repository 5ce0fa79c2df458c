"""`lockspace-hosts`: which peers' sanlock host-id leases have expired (our addition).

Not an upstream monitor: the agent uses it as its primary liveness signal
(design.md §7, "Decide differently"): a peer whose host-id lease has
expired is dead now, whatever its metadata timestamp says. It is read with
the existing `start_monitor`/`status_monitor` verbs, so no new verb exists
and an upstream agent never starts it.

Value: JSON `{"<host id>": "<state>", ...}` for every host the local sanlock
daemon knows in the `hosted-engine` lockspace, states `unknown`, `free`,
`live`, `fail`, `dead` (sanlock's host flags, spec/sanlock-lab.md §5; an
id released cleanly shows `free` or, with sanlock 3.8, is not listed).
A host is `dead` only when its lease has expired in the hosted-engine
lockspace *and*, when this host has joined the storage domain's own
lockspace (vdsm's, named after `sdUUID`, which holds the engine VM's
lease), there as well: a peer is declared dead when its VM lease can be
taken, not earlier. "None" while this host's daemon is not in the
lockspace (the broker holds no host id, or is joining or leaving).
Measured every second (a local call to the sanlock daemon).
"""

import json
from collections.abc import Iterable, Mapping

import sanlock

from ...env import constants
from . import base

# sanlock's host flags (HOST_UNKNOWN..HOST_DEAD), as get_hosts reports them.
STATES = {1: "unknown", 2: "free", 3: "live", 4: "fail", 5: "dead"}
DEAD = "dead"


class NotJoined(Exception):
    """This host's sanlock daemon is not (fully) in the lockspace."""


def sanlock_hosts(lockspace: bytes) -> Iterable[Mapping[str, int]]:
    """get_hosts, only while this daemon is in the lockspace (not joining or leaving)."""
    joined = any(ls.get("lockspace") == lockspace and not ls.get("flags")
                 for ls in sanlock.get_lockspaces())
    if not joined:
        raise NotJoined(lockspace)
    return sanlock.get_hosts(lockspace)  # type: ignore[no-any-return]


def states(entries: Iterable[Mapping[str, int]]) -> dict[int, str]:
    return {int(e["host_id"]): STATES.get(int(e.get("flags", 1)), "unknown") for e in entries}


def combine(engine: dict[int, str], domain: dict[int, str] | None) -> dict[int, str]:
    """The hosted-engine lockspace's view, `dead` kept only where the domain agrees."""
    if domain is None:
        return engine
    result = {}
    for host_id, state in engine.items():
        other = domain.get(host_id)
        if state == DEAD and other is not None and other not in (DEAD, "free"):
            state = other
        result[host_id] = state
    return result


class Submonitor(base.Submonitor):
    TYPE = "lockspace-hosts"
    INTERVAL = 1.0
    FAILURE_VALUE = None

    def __init__(self, options: base.Options, ctx: base.Context) -> None:
        super().__init__(options, ctx)
        conf = ctx.conf
        self.sd_uuid = options.get("sd_uuid") or (conf.sd_uuid if conf is not None else None)
        self.hosts_of: base.HostsOf = ctx.lockspace_hosts or sanlock_hosts

    def measure(self) -> object:
        try:
            engine = states(self.hosts_of(constants.LOCKSPACE_NAME))
        except (NotJoined, sanlock.SanlockException):
            return None              # this broker holds no host id: no view
        domain = None
        if self.sd_uuid:
            try:
                domain = states(self.hosts_of(self.sd_uuid.encode()))
            except (NotJoined, sanlock.SanlockException):
                domain = None        # vdsm has not joined the domain's lockspace here
        view = combine(engine, domain)
        return json.dumps({str(h): view[h] for h in sorted(view)})
