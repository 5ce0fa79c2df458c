"""Run a scenario folder: `cmds` (commands at virtual times) -> the world's log.

Each line of `cmds` is ``<seconds> <command>``; ``#`` starts a comment.
Commands at the same time run in file order, before the VM changes and
agent cycles due then. H is a host number, "all" every host.

  hosts N                     the cluster (time 0, first line)
  engine up on H              the engine VM already runs on H (before any agent)
  start H|all                 start the agent (a fresh process: no history)
  stop H                      SIGTERM the agent (it publishes AgentStopped)
  restart H                   stop, then start
  kill H                      the host dies: agent, broker and VM gone; its slot
                              stays; its host-id and VM leases expire 140 s later
  network H K/5               K of 5 network probes answer
  bridge H up|down|unknown    the management bridge monitor
  memory H MIB                free memory
  cpu H LOAD                  cpu load (0..1)
  storage H ok|invalid        the storage-domain monitor
  monitor H TYPE none|ok      a monitor answers "None" (or its value again)
  conf H old|current          hosted-engine.conf is not / is "up to date" (spUUID blank)
  lease expiry S              a host killed from now on has its leases expire after S s
  broker H down|up|restart    the broker refuses connections / forgets its monitors
  broker H|all upstream       an upstream broker: no lockspace-hosts monitor
  vdsm H down|up              vdsm does not answer (the service check fails)
  global maintenance on|off   slot 0, as the client writes it
  local maintenance H on|off  ha.conf
  engine hangs                the running engine stops answering its health page
  vm crashes on H             the VM goes Down with an error (vdsm keeps the record)
  vm migrates H1 H2           the engine moved its VM from H1 to H2 (done at once)
  vm create fails H on|off    VM.create answers an error on H
  stale slot H                H's slot holds old data: engine up, healthy, score 3400
  end                         stop; log every host's state, score and where the VM runs
"""

from __future__ import annotations

import dataclasses
from pathlib import Path

from ovirt_hosted_engine_ha.lib import metadata

from .simvdsm import MIGRATION_SUCCEEDED
from .world import AgentLogHandler, Vm, World


class ScenarioError(Exception):
    pass


@dataclasses.dataclass(frozen=True)
class Command:
    time: int
    words: tuple[str, ...]

    def __str__(self) -> str:
        return " ".join(self.words)


def parse(text: str) -> list[Command]:
    commands = []
    for number, line in enumerate(text.splitlines(), 1):
        words = line.split("#", 1)[0].split()
        if not words:
            continue
        try:
            time = int(words[0])
        except ValueError:
            raise ScenarioError(f"line {number}: {words[0]!r} is not a time") from None
        if commands and time < commands[-1].time:
            raise ScenarioError(f"line {number}: time goes backwards")
        commands.append(Command(time, tuple(words[1:])))
    if not commands or commands[0].words[:1] != ("hosts",):
        raise ScenarioError("the first command must be 'hosts N'")
    return commands


def stale_slot(host_id: int) -> str:
    slot = metadata.HostSlot(
        host_id=host_id, host_ts=12345, score=3400,
        engine_status='{"vm": "up", "health": "good", "detail": "Up"}',
        hostname=f"host{host_id}.example.com", local_conf_timestamp=12300,
        extra="state=EngineUp\n")
    return metadata.build_host_slot(slot, pad=False).decode("ascii")


def summary(world: World) -> list[str]:
    lines = []
    for host in world.hosts.values():
        if host.dead:
            lines.append(f"host{host.host_id} dead")
        elif host.agent is None:
            lines.append(f"host{host.host_id} no agent")
        else:
            lines.append(f"host{host.host_id} {host.agent.state.name} "
                         f"score {host.agent.published_score}")
    running = [f"host{h} {world.vms[h].status}" for h in world.running()]
    lines.append("VM " + (", ".join(running) if running else "not running"))
    return lines


class Runner:
    def __init__(self, commands: list[Command]) -> None:
        self.commands = commands
        self.world = World(int(commands[0].words[1]))

    def hosts(self, word: str) -> list[int]:
        if word == "all":
            return sorted(self.world.hosts)
        host_id = int(word)
        if host_id not in self.world.hosts:
            raise ScenarioError(f"no host {host_id}")
        return [host_id]

    def run(self) -> str:
        with AgentLogHandler(self.world):
            for command in self.commands[1:]:
                self.world.run_until(command.time)
                self.world.log("cmd", str(command))
                if command.words == ("end",):
                    for line in summary(self.world):
                        self.world.log("end", line)
                    break
                self.apply(command.words)
            else:
                raise ScenarioError("the last command must be 'end'")
        return "".join(line + "\n" for line in self.world.lines)

    def apply(self, w: tuple[str, ...]) -> None:  # noqa: C901 - one branch per command
        world = self.world
        match w:
            case ("engine", "up", "on", h):
                world.run_vm(int(h))
            case ("start", h):
                for k in self.hosts(h):
                    world.hosts[k].start_agent()
            case ("stop", h):
                world.hosts[int(h)].stop_agent()
            case ("restart", h):
                world.hosts[int(h)].stop_agent()
                world.hosts[int(h)].start_agent()
            case ("kill", h):
                host = world.hosts[int(h)]
                host.agent, host.next_step, host.dead = None, None, True
                host.lease_expires = world.clock() + world.timing.lease_expiry
                host.broker.up = False
                if world.vms.pop(host.host_id, None) is not None \
                        and world.lease.holder == host.host_id:
                    world.lease.expires = world.clock() + world.timing.lease_expiry
            case ("network", h, fraction):
                good, _, total = fraction.partition("/")
                world.hosts[int(h)].knobs.network = int(good) / int(total)
            case ("bridge", h, state):
                world.hosts[int(h)].knobs.bridge = {"up": True, "down": False}.get(state)
            case ("memory", h, mib):
                world.hosts[int(h)].knobs.mem_free = int(mib)
            case ("cpu", h, load):
                world.hosts[int(h)].knobs.cpu_load = float(load)
            case ("storage", h, state):
                world.hosts[int(h)].knobs.storage = state == "ok"
            case ("monitor", h, type, state):
                nones = world.hosts[int(h)].broker.none_monitors
                (nones.add if state == "none" else nones.discard)(type)
            case ("conf", h, state):
                world.hosts[int(h)].knobs.conf_up_to_date = state == "current"
            case ("lease", "expiry", seconds):
                world.timing.lease_expiry = int(seconds)
            case ("broker", h, "upstream"):
                for k in self.hosts(h):
                    world.hosts[k].broker.upstream = True
            case ("broker", h, "restart"):
                world.hosts[int(h)].broker.restart()
            case ("broker", h, state):
                world.hosts[int(h)].broker.up = state == "up"
            case ("vdsm", h, state):
                world.hosts[int(h)].knobs.vdsm_up = state == "up"
            case ("global", "maintenance", state):
                flags = metadata.GlobalSlot(maintenance=state == "on")
                world.slots[0] = metadata.build_global_slot(flags).decode("ascii")
            case ("local", "maintenance", h, state):
                world.hosts[int(h)].knobs.local_maintenance = state == "on"
            case ("engine", "hangs"):
                for vm in world.vms.values():
                    vm.hangs = True
            case ("vm", "crashes", "on", h):
                world.crash_vm(int(h))
            case ("vm", "migrates", src, dst):
                self.migrate(int(src), int(dst))
            case ("vm", "create", "fails", h, state):
                world.hosts[int(h)].vdsm.create_fails = state == "on"
            case ("stale", "slot", h):
                world.slots[int(h)] = stale_slot(int(h))
            case _:
                raise ScenarioError(f"unknown command {' '.join(w)!r}")

    def migrate(self, src: int, dst: int) -> None:
        world = self.world
        vm = world.vms[src]
        world.set_vm(src, "Down", exit_reason=MIGRATION_SUCCEEDED,
                     exit_message="Migration succeeded")
        world.vms[dst] = Vm(dst, "Up", up_since=vm.up_since, hangs=vm.hangs)
        world.lease.holder = dst
        world.log(f"host{dst} vm", "Up (migrated in)")


def run(case: Path) -> str:
    return Runner(parse((case / "cmds").read_text())).run()
