"""ovirt-ha-lab: run a local multi-host hosted-engine cluster (design.md §5).

    ovirt-ha-lab up          --root DIR --hosts N [--sector 512|4096] [--no-agents]
                             [--faultfs] [--domain file|block]
    ovirt-ha-lab run         --root DIR --hosts N [--sector 512|4096] [--no-agents]
                             [--faultfs] [--domain file|block]
    ovirt-ha-lab status      --root DIR
    ovirt-ha-lab down        --root DIR
    ovirt-ha-lab kill-host   --root DIR K          power loss of host K (sanlock first)
    ovirt-ha-lab start-host  --root DIR K [--no-agent]
    ovirt-ha-lab degrade     --root DIR K network|storage|load
    ovirt-ha-lab restore     --root DIR K
    ovirt-ha-lab maintenance --root DIR K local|global|none   as the engine asks vdsm
    ovirt-ha-lab fill        --root DIR --hosts 250|2000 [--restart-brokers] [--follow]
                             [--clear] [--no-join]   simulated hosts' slots in the metadata
                             volume, their delta leases in the lockspace
    ovirt-ha-lab campaign    --root DIR --hosts N --faults N --seed S [--min-wait A --max-wait B]
                             random faults, invariants checked (campaign/); exit 1: violated
    ovirt-ha-lab sim         --root DIR --host K [NAME=VALUE ...] [--verb VERB MODE]
                             [--seconds S] [--code C] [--message M]
                             [--vm STATUS [--exit-code C] [--exit-reason R] [--exit-message M]]
    ovirt-ha-lab storage     --root DIR slow SECONDS | fail EIO|ENOSPC | hang | vanish | heal | show
                             [--op read|write] [--path P]       (a lab up with --faultfs)
    ovirt-ha-lab engine      --root DIR set-memory MIB | set-cpus N | show
                             edit the engine VM as in the engine: a new OVF in the OVF_STORE

`up` starts each host's agent once the brokers are ready, unless
--no-agents (or the agent is not installed: then it says so). `run` takes
down a leftover lab, brings one up, shows the cluster every 2 s until
Ctrl-C (once, when stdout is not a terminal), then takes it down.
"""

import argparse
import json
import logging
import signal
import sys
import time

from . import (
    agentproc,
    blockdomain,
    clusterview,
    engine_ovf,
    errors,
    fill,
    hostfaults,
    status,
    storagecli,
)
from .campaign import cli as campaign_cli
from .cluster import Cluster, Host
from .vdsm_sim import knobs

DEFAULT_ROOT = "/var/tmp/ovirt-ha-lab"
REFRESH_SECS = 2.0
MAINTENANCE = {"local": [("local", True)], "global": [("global", True)],
               "none": [("local", False), ("global", False)]}


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    p = argparse.ArgumentParser(prog="ovirt-ha-lab", description=__doc__.split("\n")[0])
    sub = p.add_subparsers(dest="command", required=True)

    def add(name: str, help: str, hosts: bool = False, host: bool = False
            ) -> argparse.ArgumentParser:
        sp = sub.add_parser(name, help=help)
        sp.add_argument("--root", default=DEFAULT_ROOT, help=f"lab directory ({DEFAULT_ROOT})")
        if hosts:
            sp.add_argument("--hosts", type=int, default=3, help="number of hosts (3)")
            sp.add_argument("--sector", type=int, choices=(512, 4096), default=512,
                            help="storage domain sector size (512)")
            sp.add_argument("--ready-timeout", type=float, default=30.0,
                            help="seconds to wait for each broker's READY=1 (30)")
            sp.add_argument("--no-agents", action="store_true",
                            help="start no HA agents (brokers only)")
            sp.add_argument("--faultfs", action="store_true",
                            help="storage through a FUSE mount whose faults "
                                 "`ovirt-ha-lab storage` changes")
            sp.add_argument("--domain", choices=blockdomain.DOMAIN_TYPES, default="file",
                            help="file: volumes are files; block: metadata and lockspace "
                                 "on loop devices (file)")
        if host:
            sp.add_argument("host", type=int, metavar="K", help="host number")
        return sp

    add("up", "create the lab and start every host", hosts=True)
    add("status", "show the cluster, each host's processes and broker answers")
    add("down", "stop every process of the lab (files stay)")
    add("run", "up, live cluster view until Ctrl-C, down", hosts=True)
    add("kill-host", "SIGKILL every process of host K, its sanlock daemon first", host=True)
    start = add("start-host", "start what does not run on host K (after kill-host)", host=True)
    start.add_argument("--no-agent", action="store_true", help="do not start its agent")
    degrade = add("degrade", "make host K's score drop", host=True)
    degrade.add_argument("what", choices=hostfaults.DEGRADATIONS)
    add("restore", "undo every degradation of host K", host=True)
    maint = add("maintenance", "set HA maintenance through host K's vdsm", host=True)
    maint.add_argument("mode", choices=sorted(MAINTENANCE))
    campaign_cli.add_arguments(add("campaign", "randomized faults with invariants checked",
                                   hosts=True))
    engine = add("engine", "change the engine VM as an administrator does in the engine "
                 "(published in the OVF_STORE)")
    engine.add_argument("action", choices=("set-memory", "set-cpus", "show"))
    engine.add_argument("value", type=int, nargs="?", help="MiB for set-memory, vCPUs for "
                        "set-cpus")
    filling = add("fill", "fill the metadata volume with simulated hosts' slots and "
                  "join them to the lockspace")
    filling.add_argument("--hosts", type=int, required=True,
                         help="highest host id to fill (the lab's own hosts are left alone)")
    filling.add_argument("--restart-brokers", action="store_true",
                         help="restart the brokers so they see the new slots at once "
                              "(otherwise: at their next full scan, within 10 minutes)")
    filling.add_argument("--follow", action="store_true",
                         help="keep publishing every 10 s like running agents and renewing "
                              "the leases every 2 io timeouts like their sanlock daemons "
                              "(Ctrl-C stops); without it the leases expire: FAIL after "
                              "~8 io timeouts, DEAD ~60 s later")
    filling.add_argument("--clear", action="store_true",
                         help="zero the simulated hosts' slots and release their leases instead")
    filling.add_argument("--no-join", action="store_true",
                         help="write the slots only, without delta leases in the lockspace")
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
    storagecli.add_parser(add("storage", "inject storage faults (lab up with --faultfs)"))
    return p.parse_args(argv)


def _bring_up(args: argparse.Namespace, watchdog: bool) -> Cluster:
    agents = not args.no_agents
    if agents and not agentproc.available():
        print(f"ovirt-ha-lab {args.command}: the HA agent is not installed "
              f"({agentproc.MAIN} missing): hosts run without agents", file=sys.stderr)
        agents = False
    return Cluster.up(args.root, hosts=args.hosts, sector=args.sector,
                      ready_timeout=args.ready_timeout, watchdog=watchdog,
                      start_agents=agents, faultfs=args.faultfs, domain=args.domain)


def cmd_up(args: argparse.Namespace) -> int:
    # This process ends now: nobody would receive the WATCHDOG=1 keep-alives.
    cluster = _bring_up(args, watchdog=False)
    print(f"lab up: {len(cluster.hosts)} hosts at {cluster.root}")
    print(clusterview.format_view(clusterview.Watcher(cluster).gather()))
    return 0


def cmd_status(args: argparse.Namespace) -> int:
    cluster = Cluster.attach(args.root)
    print(clusterview.format_view(clusterview.Watcher(cluster).gather()))
    print()
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
    cluster = _bring_up(args, watchdog=True)
    signal.signal(signal.SIGTERM, _interrupt)
    signal.signal(signal.SIGHUP, _interrupt)   # the terminal went away: take the lab down
    watcher = clusterview.Watcher(cluster)
    try:
        if not sys.stdout.isatty():
            print(clusterview.format_view(watcher.gather()))
            return 0
        while True:
            view = clusterview.format_view(watcher.gather())
            stamp = time.strftime("%H:%M:%S")
            sys.stdout.write(f"\x1b[H\x1b[2J{stamp}  lab at {cluster.root}  (Ctrl-C stops "
                             "everything)\n\n" + view + "\n")
            sys.stdout.flush()
            time.sleep(REFRESH_SECS)
    except KeyboardInterrupt:
        print()
        return 0
    finally:
        cluster.down()
        print(f"lab down: {cluster.root} (files kept)")


def _host(args: argparse.Namespace) -> Host:
    cluster = Cluster.attach(args.root)
    if args.host not in cluster.hosts:
        raise errors.LabDetailError(f"no host {args.host}; hosts: {sorted(cluster.hosts)}")
    return cluster.hosts[args.host]


def cmd_kill_host(args: argparse.Namespace) -> int:
    killed = _host(args).kill()
    print(f"host{args.host}: killed {', '.join(killed) or 'nothing (nothing ran)'}")
    return 0


def cmd_start_host(args: argparse.Namespace) -> int:
    host = _host(args)
    host.start(agent=False if args.no_agent else None)
    running = [k for k in clusterview.KINDS if host.pid(k) is not None]
    print(f"host{args.host}: running {', '.join(running)}")
    return 0


def cmd_degrade(args: argparse.Namespace) -> int:
    _host(args).degrade(args.what)
    print(f"host{args.host}: {args.what} degraded (undo: ovirt-ha-lab restore --root "
          f"{args.root} {args.host})")
    return 0


def cmd_restore(args: argparse.Namespace) -> int:
    restored = _host(args).restore()
    print(f"host{args.host}: restored {', '.join(restored) or 'nothing (nothing degraded)'}")
    return 0


def cmd_maintenance(args: argparse.Namespace) -> int:
    host = _host(args)
    for mode, enabled in MAINTENANCE[args.mode]:
        host.sim.call("Host.setHaMaintenanceMode", mode=mode, enabled=enabled)
    print(f"host{args.host}: maintenance {args.mode}")
    return 0


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


def cmd_fill(args: argparse.Namespace) -> int:
    cluster = Cluster.attach(args.root)
    if args.clear:
        fill.cluster_filler(cluster, args.hosts, join=not args.no_join).clear()
        print(f"cleared the simulated slots up to host {args.hosts}"
              + ("" if args.no_join else " and released their leases"))
        return 0
    filler = fill.fill_cluster(cluster, args.hosts, args.restart_brokers, join=not args.no_join)
    print(f"wrote {len(filler.hosts)} simulated hosts' slots (ids up to {args.hosts}; the "
          f"lab's hosts {sorted(cluster.hosts)} untouched)")
    if filler.leases is not None:
        joined = filler.leases.joined
        print(f"joined {len(joined)} of them to the lockspace"
              + ("" if len(joined) == len(filler.hosts) else
                 f" (ids up to {joined[-1] if joined else 0}: the lockspace's capacity)"))
    if args.follow:
        print(f"publishing every {fill.CYCLE_SECS:g} s, renewing the leases every "
              f"{filler.renew_interval or 0:g} s; Ctrl-C stops")
    elif filler.renew_interval:
        print("not renewed from now on (--follow renews): sanlock reports them FAIL, "
              "then DEAD, like crashed hosts")
        try:
            fill.follow(filler)
        except KeyboardInterrupt:
            print()
    return 0


def cmd_engine(args: argparse.Namespace) -> int:
    cluster = Cluster.attach(args.root)
    if args.action == "show":
        vm = engine_ovf.load_definition(cluster.layout)
    elif args.value is None:
        raise errors.LabDetailError(f"{args.action} needs a value")
    elif args.action == "set-memory":
        vm = engine_ovf.change(cluster.layout, cluster.ids, memory_mib=args.value)
    else:
        vm = engine_ovf.change(cluster.layout, cluster.ids, vcpus=args.value)
    print(f"engine VM: {vm.memory_mib} MiB, {vm.vcpus} vCPUs (OVF generation "
          f"{vm.generation}); each host's broker copies it into its vm.conf within its "
          "refresh period")
    return 0


COMMANDS = {"fill": cmd_fill, "up": cmd_up, "status": cmd_status, "down": cmd_down,
            "run": cmd_run,
            "kill-host": cmd_kill_host, "start-host": cmd_start_host,
            "degrade": cmd_degrade, "restore": cmd_restore, "maintenance": cmd_maintenance,
            "sim": cmd_sim, "engine": cmd_engine, "campaign": campaign_cli.run,
            "storage": lambda args: storagecli.run(Cluster.attach(args.root), args)}


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
