"""Lockspace operations run in a child process, through one host's daemon.

A process talks to the sanlock daemon named by SANLOCK_RUN_DIR when it
first calls sanlock, and to that one only (spec/sanlock-lab.md §2); so the
lab, which manages several daemons, runs these calls in a child started
with the chosen host's environment:

    python -m ovirt_hosted_engine_ha.lab.sanlock_child write-lockspace PATH --sector 512
    python -m ovirt_hosted_engine_ha.lab.sanlock_child read-lockspace PATH
    python -m ovirt_hosted_engine_ha.lab.sanlock_child init-domain IDS XLEASES --offset N \
        --sd SD --vm VM
    python -m ovirt_hosted_engine_ha.lab.sanlock_child read-lease XLEASES --offset N \
        --sd SD --vm VM

The child prints a JSON answer on stdout, or an error on stderr and exits 1.
"""

import argparse
import json
import subprocess
import sys
from typing import Any

from ..env import constants
from . import errors

ALIGN = 1048576
IO_TIMEOUT = 1  # the io timeout on disk rules the join time (3 s with 1)


def _run(env: dict[str, str], *args: str) -> dict:
    argv = [sys.executable, "-m", "ovirt_hosted_engine_ha.lab.sanlock_child", *args]
    result = subprocess.run(argv, env=env, capture_output=True, text=True, timeout=60)
    if result.returncode != 0:
        raise errors.LabDetailError(
            f"sanlock {args[0]} failed (SANLOCK_RUN_DIR={env.get('SANLOCK_RUN_DIR')}): "
            f"{result.stderr.strip() or result.stdout.strip()}")
    return json.loads(result.stdout)


def write_lockspace(env: dict[str, str], path: str, sector: int) -> None:
    """Initialise the hosted-engine lockspace at `path` through env's daemon."""
    _run(env, "write-lockspace", path, "--sector", str(sector))


def read_lockspace(env: dict[str, str], path: str) -> dict:
    """{"lockspace": name, "iotimeout": seconds} as sanlock reads it."""
    return _run(env, "read-lockspace", path)


def init_domain(env: dict[str, str], ids: str, xleases: str, offset: int, sd_uuid: str,
                vm_id: str, sector: int) -> None:
    """Write the domain's lockspace (named `sd_uuid`) and the VM's resource lease at `offset`."""
    _run(env, "init-domain", ids, xleases, "--offset", str(offset), "--sd", sd_uuid,
         "--vm", vm_id, "--sector", str(sector))


def read_lease(env: dict[str, str], xleases: str, offset: int, sd_uuid: str, vm_id: str,
               sector: int) -> dict:
    """{"version": lver, "owners": [host id, ...]} of the VM's lease, read from disk.

    Owners are not filtered: a dead host stays the owner until another
    host takes the lease over.
    """
    return _run(env, "read-lease", xleases, "--offset", str(offset), "--sd", sd_uuid,
                "--vm", vm_id, "--sector", str(sector))


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m ovirt_hosted_engine_ha.lab.sanlock_child")
    sub = p.add_subparsers(dest="cmd", required=True)
    w = sub.add_parser("write-lockspace")
    w.add_argument("path")
    w.add_argument("--sector", type=int, default=512, choices=(512, 4096))
    r = sub.add_parser("read-lockspace")
    r.add_argument("path")
    d = sub.add_parser("init-domain")
    d.add_argument("ids")
    d.add_argument("xleases")
    rl = sub.add_parser("read-lease")
    rl.add_argument("xleases")
    for sp in (d, rl):
        sp.add_argument("--sd", required=True)
        sp.add_argument("--vm", required=True)
        sp.add_argument("--offset", type=int, required=True)
        sp.add_argument("--sector", type=int, default=512, choices=(512, 4096))
    args = p.parse_args(argv)
    import sanlock  # only in the child: it binds this process to one daemon

    try:
        answer = _command(sanlock, args)
    except sanlock.SanlockException as e:
        print(f"{args.cmd} {getattr(args, 'path', None) or args.xleases}: {e}", file=sys.stderr)
        return 1
    print(json.dumps(answer))
    return 0


def _command(sanlock: object, args: argparse.Namespace) -> dict:
    sl: Any = sanlock
    if args.cmd == "write-lockspace":
        sl.write_lockspace(constants.LOCKSPACE_NAME, args.path, offset=0,
                           iotimeout=IO_TIMEOUT, align=ALIGN, sector=args.sector)
        return {"written": args.path}
    if args.cmd == "read-lockspace":
        info = sl.read_lockspace(args.path)
        return {"lockspace": info["lockspace"].decode(), "iotimeout": info["iotimeout"]}
    sd, vm, disks = args.sd.encode(), args.vm.encode(), [(args.xleases, args.offset)]
    if args.cmd == "init-domain":
        sl.write_lockspace(sd, args.ids, offset=0, iotimeout=IO_TIMEOUT, align=ALIGN,
                           sector=args.sector)
        sl.write_resource(sd, vm, disks, align=ALIGN, sector=args.sector)
        return {"written": [args.ids, args.xleases]}
    info = sl.read_resource(args.xleases, args.offset, align=ALIGN, sector=args.sector)
    owners = sl.read_resource_owners(sd, vm, disks, align=ALIGN, sector=args.sector)
    return {"version": info["version"], "owners": [o["host_id"] for o in owners]}


if __name__ == "__main__":
    sys.exit(main())
