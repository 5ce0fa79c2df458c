"""Run one vdsm simulator:

    python -m ovirt_hosted_engine_ha.lab.vdsm_sim --root HOST_ROOT --storage DIR \
        [--socket PATH] [--bridge ovirtmgmt] [--knob NAME=VALUE ...] [--debug] \
        [--sanlock] [--engine-config DIR/engine.json]

The socket defaults to ``HOST_ROOT/var/run/vdsm/lab-sim.sock``, where the
vdsm stand-in of that host looks for it. With ``--sanlock``, domain
monitors join the domains' sanlock lockspaces through the daemon named by
SANLOCK_RUN_DIR; with ``--engine-config``, the engine VM runs as a
stand-in process holding its lease. SIGTERM or SIGINT stops it (and its
engine VM stand-ins, which release their lease).
"""

import argparse
import logging
import os
import signal
import sys
import threading

from . import errors, knobs
from .lockspaces import DomainLockspaces
from .server import AlreadyRunning, SimServer
from .standin_vm import EngineSetup
from .state import SimState

SOCKET_PATH = "var/run/vdsm/lab-sim.sock"  # under the host root

log = logging.getLogger("ovirt_hosted_engine_ha.lab.vdsm_sim")


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    p = argparse.ArgumentParser(prog="python -m ovirt_hosted_engine_ha.lab.vdsm_sim",
                                description="vdsm simulator for one lab host")
    p.add_argument("--root", required=True, help="the host's root (OVIRT_HA_ROOT)")
    p.add_argument("--storage", required=True, help="the lab's shared storage directory")
    p.add_argument("--socket", help=f"socket path (default ROOT/{SOCKET_PATH})")
    p.add_argument("--bridge", default="ovirtmgmt", help="management bridge name")
    p.add_argument("--knob", action="append", default=[], metavar="NAME=VALUE",
                   help="initial knob value (repeatable)")
    p.add_argument("--debug", action="store_true", help="log every call")
    p.add_argument("--sanlock", action="store_true",
                   help="domain monitors join real sanlock lockspaces (SANLOCK_RUN_DIR)")
    p.add_argument("--engine-config", help="the lab's engine.json: run the engine VM as a "
                                           "stand-in process")
    return p.parse_args(argv)


def initial_knobs(items: list[str]) -> knobs.Knobs:
    result = knobs.Knobs()
    values = {}
    for item in items:
        name, sep, text = item.partition("=")
        if not sep:
            raise ValueError(f"--knob needs NAME=VALUE, got {item!r}")
        values[name] = knobs.parse_value(name, text)
    knobs.update(result, values)
    return result


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    logging.basicConfig(
        level=logging.DEBUG if args.debug else logging.INFO,
        format="%(asctime)s %(levelname)s %(name)s %(message)s")
    socket_path = args.socket or os.path.join(args.root, SOCKET_PATH)
    try:
        lockspaces = DomainLockspaces(args.storage) if args.sanlock else None
        engine = (EngineSetup.load(args.engine_config, socket_path, args.root)
                  if args.engine_config else None)
        state = SimState(args.storage, host_root=args.root, bridge=args.bridge,
                         knobs=initial_knobs(args.knob), lockspaces=lockspaces, engine=engine)
        server = SimServer(socket_path, state)
    except (ValueError, errors.VdsmError, AlreadyRunning, OSError) as e:
        log.error("cannot start: %s", e)
        return 1

    def stop(signo: int, frame: object) -> None:
        log.info("Received signal %d, stopping", signo)
        threading.Thread(target=server.shutdown, name="shutdown").start()

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    server.serve_forever()
    return 0


if __name__ == "__main__":
    sys.exit(main())
