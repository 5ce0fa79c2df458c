"""`ovirt-ha-lab campaign`: its arguments and what it prints; exit 1 on a violation."""

import argparse
import random
import signal
import sys

from . import journal, report, runner

DEFAULTS = runner.Settings(root="")


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--faults", type=int, default=DEFAULTS.faults,
                   help=f"how many faults to draw ({DEFAULTS.faults})")
    p.add_argument("--seed", type=int, default=None,
                   help="seed of the draw (default: a random one, printed)")
    p.add_argument("--min-wait", type=float, default=DEFAULTS.min_wait,
                   help=f"shortest calm before and hold of a fault, s ({DEFAULTS.min_wait:g})")
    p.add_argument("--max-wait", type=float, default=DEFAULTS.max_wait,
                   help=f"longest calm before and hold of a fault, s ({DEFAULTS.max_wait:g})")
    p.add_argument("--no-storage-faults", action="store_true",
                   help="leave the FUSE storage faults out of the draw (by default in it "
                        "wherever FUSE works; --faultfs: refuse to run without them)")
    p.add_argument("--keep", action="store_true",
                   help="leave a lab this campaign brought up running")
    p.add_argument("--check", metavar="FILE",
                   help="no faults: check a recorded campaign (DIR/campaign-SEED.json) again")


def settings(args: argparse.Namespace) -> runner.Settings:
    seed = args.seed if args.seed is not None else random.SystemRandom().randrange(1, 10**6)
    return runner.Settings(root=args.root, hosts=args.hosts, faults=args.faults, seed=seed,
                           min_wait=args.min_wait, max_wait=args.max_wait,
                           storage=False if args.no_storage_faults else (args.faultfs or None),
                           keep=args.keep, domain=args.domain)


def _interrupt(signo: int, frame: object) -> None:
    raise KeyboardInterrupt


def check(path: str) -> int:
    result = journal.load(path)
    print(report.format_report(result))
    return 0 if result.passed else 1


def run(args: argparse.Namespace) -> int:
    if args.check:
        return check(args.check)
    chosen = settings(args)
    signal.signal(signal.SIGTERM, _interrupt)  # end the fault under way, report, take down

    def say(line: str) -> None:
        print(line, flush=True)

    say(f"campaign seed {chosen.seed}")
    result = runner.run(chosen, say)
    record = journal.path_for(chosen)
    journal.save(result, record)
    print()
    print(report.format_report(result))
    print(f"record: {record} (check again: ovirt-ha-lab campaign --check {record})")
    sys.stdout.flush()
    return 0 if result.passed else 1
