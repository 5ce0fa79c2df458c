"""Host ids in storage domains' own sanlock lockspaces, as vdsm's domain monitor holds them.

vdsm joins the lockspace named after the domain (``<sdUUID>``, on the
domain's ``dom_md/ids``) with the host id it was given, asynchronously,
and reports ``acquired`` once sanlock says the id is held (spec/monitors.md
§3.4). Here one worker thread per domain drives the simulator's sanlock
daemon (the one named by SANLOCK_RUN_DIR; a process talks to one daemon
only) toward what is wanted: joined with an id, or not joined. A failed
join (e.g. the id is busy) is logged and retried. Leaving uses
``unused=True``: while a VM lease in that lockspace is held (the engine VM
runs here) sanlock refuses and the id stays held, as vdsm does; the lab
tries again every `RETRY_SECS`, so the id goes once the VM has left.
"""

import logging
import threading
from pathlib import Path
from typing import Any

log = logging.getLogger(__name__)

IO_TIMEOUT = 1        # as written on the lab's disks (joins take 3 s)
RETRY_SECS = 2.0
CHECK_SECS = 5.0      # how often a joined id is checked (a restarted daemon lost it)
EEXIST, EBUSY, ENOENT = 17, 16, 2


class _Domain:
    def __init__(self, sd_uuid: str, ids_path: str) -> None:
        self.name = sd_uuid.encode()
        self.path = ids_path
        self.wanted: int | None = None     # host id to hold, None: leave
        self.joined: int | None = None     # host id we (last) joined with
        self.busy = False                  # leaving was refused: a lease is held
        self.thread: threading.Thread | None = None


class DomainLockspaces:
    def __init__(self, storage_dir: str | Path, sanlock: Any = None) -> None:
        if sanlock is None:
            import sanlock as sanlock_module  # binds this process to one daemon
            sanlock = sanlock_module
        self._sanlock = sanlock
        self._storage = Path(storage_dir)
        self._cond = threading.Condition()
        self._domains: dict[str, _Domain] = {}
        self._stopping = False

    def join(self, sd_uuid: str, host_id: int) -> None:
        """Start holding `host_id` in the domain's lockspace (returns at once)."""
        with self._cond:
            domain = self._domains.get(sd_uuid)
            if domain is None:
                ids = self._storage / sd_uuid / "dom_md" / "ids"
                domain = self._domains[sd_uuid] = _Domain(sd_uuid, str(ids))
            domain.wanted = host_id
            if domain.thread is None or not domain.thread.is_alive():
                domain.thread = threading.Thread(target=self._work, args=(domain,),
                                                 name=f"lockspace-{sd_uuid[:8]}", daemon=True)
                domain.thread.start()
            self._cond.notify_all()

    def leave(self, sd_uuid: str) -> None:
        """Stop holding the domain's host id (returns at once)."""
        with self._cond:
            domain = self._domains.get(sd_uuid)
            if domain is not None:
                domain.wanted = None
                self._cond.notify_all()

    def acquired(self, sd_uuid: str) -> bool:
        """sanlock holds the wanted host id in the domain's lockspace now."""
        with self._cond:
            domain = self._domains.get(sd_uuid)
            host_id = domain.wanted if domain is not None else None
        if domain is None or host_id is None:
            return False
        return self._held(domain, host_id) is True

    def stop(self) -> None:
        """Stop the workers; ids stay held (the daemon goes down with the host)."""
        with self._cond:
            self._stopping = True
            self._cond.notify_all()

    def _work(self, domain: _Domain) -> None:
        while True:
            with self._cond:
                self._cond.wait_for(
                    lambda: self._stopping or domain.wanted != domain.joined, CHECK_SECS)
                if self._stopping:
                    return
                wanted, joined = domain.wanted, domain.joined
            if wanted == joined:
                if joined is not None and self._held(domain, joined) is False:
                    log.warning("Host id %d in lockspace %s is no longer held: joining again",
                                joined, domain.name.decode())
                    with self._cond:
                        domain.joined = None
                continue
            if joined is not None:
                ok = self._remove(domain, joined)
                if ok:
                    with self._cond:
                        domain.joined = None
            else:
                ok = self._add(domain, wanted)
                if ok:
                    with self._cond:
                        domain.joined = wanted
            if not ok:
                with self._cond:
                    self._cond.wait_for(lambda: self._stopping, RETRY_SECS)

    def _held(self, domain: _Domain, host_id: int) -> bool | None:
        try:
            return self._sanlock.inq_lockspace(domain.name, host_id, domain.path)
        except self._sanlock.SanlockException:
            return None

    def _add(self, domain: _Domain, host_id: int | None) -> bool:
        assert host_id is not None
        sl = self._sanlock
        log.info("Joining lockspace %s with host id %d", domain.name.decode(), host_id)
        try:
            sl.add_lockspace(domain.name, host_id, domain.path, iotimeout=IO_TIMEOUT)
        except sl.SanlockException as e:
            if e.errno != EEXIST:
                log.warning("Cannot join lockspace %s with host id %d: %s (retrying)",
                            domain.name.decode(), host_id, e)
                return False
        log.info("Joined lockspace %s with host id %d", domain.name.decode(), host_id)
        return True

    def _remove(self, domain: _Domain, host_id: int) -> bool:
        sl = self._sanlock
        try:
            sl.rem_lockspace(domain.name, host_id, domain.path, unused=True)
        except sl.SanlockException as e:
            if e.errno == EBUSY:
                if not domain.busy:
                    log.info("Keeping host id %d in lockspace %s while a VM lease is held "
                             "there", host_id, domain.name.decode())
                domain.busy = True
                return False
            if e.errno != ENOENT:
                log.warning("Cannot leave lockspace %s: %s", domain.name.decode(), e)
                return False
        domain.busy = False
        log.info("Left lockspace %s (host id %d)", domain.name.decode(), host_id)
        return True
