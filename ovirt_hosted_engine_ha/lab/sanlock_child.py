"""Lockspace operations run in a child process, through one host's daemon.

A process talks to the sanlock daemon named by SANLOCK_RUN_DIR when it
first calls sanlock, and to that one only (spec/sanlock-lab.md §2); so the
lab, which manages several daemons, runs these calls in a child started
with the chosen host's environment:

    python -m ovirt_hosted_engine_ha.lab.sanlock_child write-lockspace PATH --sector 512
    python -m ovirt_hosted_engine_ha.lab.sanlock_child read-lockspace PATH

The child prints a JSON answer on stdout, or an error on stderr and exits 1.
"""

import argparse
import json
import subprocess
import sys

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


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m ovirt_hosted_engine_ha.lab.sanlock_child")
    sub = p.add_subparsers(dest="cmd", required=True)
    w = sub.add_parser("write-lockspace")
    w.add_argument("path")
    w.add_argument("--sector", type=int, default=512, choices=(512, 4096))
    r = sub.add_parser("read-lockspace")
    r.add_argument("path")
    args = p.parse_args(argv)
    import sanlock  # only in the child: it binds this process to one daemon

    try:
        if args.cmd == "write-lockspace":
            sanlock.write_lockspace(constants.LOCKSPACE_NAME, args.path, offset=0,
                                    iotimeout=IO_TIMEOUT, align=ALIGN, sector=args.sector)
            answer: dict = {"written": args.path}
        else:
            info = sanlock.read_lockspace(args.path)
            answer = {"lockspace": info["lockspace"].decode(), "iotimeout": info["iotimeout"]}
    except sanlock.SanlockException as e:
        print(f"{args.cmd} {args.path}: {e}", file=sys.stderr)
        return 1
    print(json.dumps(answer))
    return 0


if __name__ == "__main__":
    sys.exit(main())
