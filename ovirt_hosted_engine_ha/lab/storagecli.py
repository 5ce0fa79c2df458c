"""`ovirt-ha-lab storage`: change the faults of a lab's storage (faultfs).

    ovirt-ha-lab storage --root DIR slow 3 [--op read|write] [--path P]
    ovirt-ha-lab storage --root DIR fail EIO|ENOSPC [--op read|write] [--path P]
    ovirt-ha-lab storage --root DIR hang [--op read|write] [--path P]
    ovirt-ha-lab storage --root DIR vanish [--path P]
    ovirt-ha-lab storage --root DIR heal
    ovirt-ha-lab storage --root DIR show

P is a file or directory under DIR/storage (absolute, or relative to it),
or one of the names metadata, lockspace; without --path a fault touches
every file. Each command prints the faults then active.
"""

import argparse
from pathlib import Path

from .cluster import Cluster
from .faultfs.api import describe
from .faultfs.rules import ERRNOS, OPS

NAMED_PATHS = ("metadata", "lockspace")


def add_parser(sp: argparse.ArgumentParser) -> None:
    actions = sp.add_subparsers(dest="action", required=True)

    def action(name: str, help: str, op: bool = True, path: bool = True
               ) -> argparse.ArgumentParser:
        ap = actions.add_parser(name, help=help)
        if op:
            ap.add_argument("--op", choices=OPS, help="only reads or only writes (both)")
        if path:
            ap.add_argument("--path", help="a file or directory under the storage dir, or "
                                           "metadata|lockspace (every file)")
        return ap

    action("slow", "add SECONDS to every read/write").add_argument("seconds", type=float)
    action("fail", "fail reads/writes with an errno").add_argument("error", choices=ERRNOS)
    action("hang", "hold reads/writes until heal")
    action("vanish", "make files disappear (ENOENT)", op=False)
    action("heal", "clear every fault, release held operations", op=False, path=False)
    action("show", "list the active faults", op=False, path=False)


def resolve(cluster: Cluster, path: str | None) -> Path | str | None:
    if path == "metadata":
        return cluster.metadata_path
    if path == "lockspace":
        return cluster.lockspace_path
    return path


def run(cluster: Cluster, args: argparse.Namespace) -> int:
    faults = cluster.storage_faults
    path = resolve(cluster, getattr(args, "path", None))
    op = getattr(args, "op", None)
    if args.action == "slow":
        faults.slow(args.seconds, op, path)
    elif args.action == "fail":
        faults.fail(args.error, op, path)
    elif args.action == "hang":
        faults.hang(op, path)
    elif args.action == "vanish":
        faults.vanish(path)
    elif args.action == "heal":
        print(f"healed: {faults.heal()} faults cleared")
    active, held = faults.show()
    print(describe(active, held))
    return 0
