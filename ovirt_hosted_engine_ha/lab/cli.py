"""ovirt-ha-lab: run a local multi-host hosted-engine cluster (design.md §5).

    ovirt-ha-lab up     --root DIR --hosts N [--sector 512|4096]
    ovirt-ha-lab status --root DIR
    ovirt-ha-lab down   --root DIR
    ovirt-ha-lab run    --root DIR --hosts N [--sector 512|4096]
    ovirt-ha-lab sim    --root DIR --host K [NAME=VALUE ...] [--verb VERB MODE]
                        [--seconds S] [--code C] [--message M]
                        [--vm STATUS [--exit-code C] [--exit-reason R] [--exit-message M]]

`run` takes down a leftover lab, brings one up, shows its status every 2 s
until Ctrl-C (once, when stdout is not a terminal), then takes it down.
"""

import argparse
import json
import logging
import signal
import sys
import time

from . import errors, status
from .cluster import Cluster
from .vdsm_sim import knobs

DEFAULT_ROOT = "/var/tmp/ovirt-ha-lab"
REFRESH_SECS = 2.0


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    p = argparse.ArgumentParser(prog="ovirt-ha-lab", description=__doc__.split("\n")[0])
    sub = p.add_subparsers(dest="command", required=True)

    def add(name: str, help: str, hosts: bool = False) -> argparse.ArgumentParser:
        sp = sub.add_parser(name, help=help)
        sp.add_argument("--root", default=DEFAULT_ROOT, help=f"lab directory ({DEFAULT_ROOT})")
        if hosts:
            sp.add_argument("--hosts", type=int, default=3, help="number of hosts (3)")
            sp.add_argument("--sector", type=int, choices=(512, 4096), default=512,
                            help="storage domain sector size (512)")
            sp.add_argument("--ready-timeout", type=float, default=30.0,
                            help="seconds to wait for each broker's READY=1 (30)")
        return sp

    add("up", "create the lab and start every host", hosts=True)
    add("status", "show each host's processes and broker answers")
    add("down", "stop every process of the lab (files stay)")
    add("run", "up, live status until Ctrl-C, down", hosts=True)
    sim = add("sim", "show or change a host's vdsm simulator knobs")
    sim.add_argument("--host", type=int, required=True, help="host number")
    sim.add_argument("knobs", nargs="*", metavar="NAME=VALUE",
                     help="knobs: " + ", ".join(knobs.Knobs.__dataclass_fields__))
    sim.add_argument("--verb", nargs=2, metavar=("VERB", "MODE"),
                     help="make VERB hang|fail|delay, or normal again")
    sim.add_argument("--seconds", type=float, help="delay for MODE delay")
    sim.add_argument("--code", type=int, help="error code for MODE fail")
    sim.add_argument("--message", help="error message for MODE fail")
    sim.add_argument("--vm", metavar="STATUS", help="force the engine VM's status")
    sim.add_argument("--exit-code", type=int)
    sim.add_argument("--exit-reason", type=int)
    sim.add_argument("--exit-message")
    return p.parse_args(argv)


def cmd_up(args: argparse.Namespace) -> int:
    # This process ends now: nobody would receive the brokers' WATCHDOG=1.
    cluster = Cluster.up(args.root, hosts=args.hosts, sector=args.sector,
                         ready_timeout=args.ready_timeout, watchdog=False)
    print(f"lab up: {len(cluster.hosts)} hosts at {cluster.root}")
    print(status.format_table(status.gather(cluster)))
    return 0


def cmd_status(args: argparse.Namespace) -> int:
    cluster = Cluster.attach(args.root)
    print(status.format_table(status.gather(cluster)))
    return 0


def cmd_down(args: argparse.Namespace) -> int:
    Cluster.attach(args.root).down()
    print(f"lab down: {args.root} (files kept)")
    return 0


def _interrupt(signo: int, frame: object) -> None:
    raise KeyboardInterrupt


def cmd_run(args: argparse.Namespace) -> int:
    try:
        Cluster.attach(args.root).down()
    except errors.NoLab:
        pass
    cluster = Cluster.up(args.root, hosts=args.hosts, sector=args.sector,
                         ready_timeout=args.ready_timeout)
    signal.signal(signal.SIGTERM, _interrupt)
    try:
        if not sys.stdout.isatty():
            print(status.format_table(status.gather(cluster)))
            return 0
        while True:
            table = status.format_table(status.gather(cluster))
            stamp = time.strftime("%H:%M:%S")
            sys.stdout.write(f"\x1b[H\x1b[2J{stamp}  lab at {cluster.root}  (Ctrl-C stops)\n\n")
            sys.stdout.write(table + "\n")
            sys.stdout.flush()
            time.sleep(REFRESH_SECS)
    except KeyboardInterrupt:
        print()
        return 0
    finally:
        cluster.down()
        print(f"lab down: {cluster.root} (files kept)")


def cmd_sim(args: argparse.Namespace) -> int:
    cluster = Cluster.attach(args.root)
    if args.host not in cluster.hosts:
        raise errors.LabDetailError(f"no host {args.host}; hosts: {sorted(cluster.hosts)}")
    sim = cluster.hosts[args.host].sim
    values = {}
    for item in args.knobs:
        name, sep, text = item.partition("=")
        if not sep:
            raise errors.LabDetailError(f"expected NAME=VALUE, got {item!r}")
        values[name] = knobs.parse_value(name, text)
    if values:
        sim.set(**values)
    if args.verb:
        sim.set_verb(args.verb[0], args.verb[1], seconds=args.seconds, code=args.code,
                     message=args.message)
    if args.vm:
        sim.set_vm(cluster.ids.vm_id, args.vm, exit_code=args.exit_code,
                   exit_reason=args.exit_reason, exit_message=args.exit_message)
    print(json.dumps(sim.get(), indent=2, sort_keys=True))
    return 0


COMMANDS = {"up": cmd_up, "status": cmd_status, "down": cmd_down, "run": cmd_run,
            "sim": cmd_sim}


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s %(message)s")
    try:
        return COMMANDS[args.command](args)
    except (errors.LabError, ValueError, OSError) as e:
        print(f"ovirt-ha-lab {args.command}: {e}", file=sys.stderr)
        return 1
    except Exception as e:  # the stand-in's errors (ServerError, ...) among others
        print(f"ovirt-ha-lab {args.command}: {type(e).__name__}: {e}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
