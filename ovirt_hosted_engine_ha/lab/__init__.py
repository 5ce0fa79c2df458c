"""The local multi-host lab (design.md §5).

    cluster.py      Cluster: the Python API tests and the CLI use
    host.py         Host: one host's processes; hostfaults.py: kill, start, degrade, restore
    cli.py          ovirt-ha-lab up | run | status | down | kill-host | start-host |
                    degrade | restore | maintenance | sim | engine | fill | storage;
                    storagecli.py: the storage subcommand
    clusterview.py  the cluster view (states, scores, where the engine runs, hints)
    lifecycle.py    prepare the root, build storage and hosts, take down
    layout.py       where everything lives under DIR
    record.py       lab.json: ids, hosts, every process started
    storage.py      the shared storage domain (vdsm file domain layout); xleases.py:
                    vdsm's external leases volume (index, where the VM lease is)
    blockdomain.py  a block storage domain made of loop devices (blockdev.py)
    engine_ovf.py   the engine's OVF_STORE volumes and publishing the VM's OVF into
                    them; ovf_template.py: the OVF document itself
    fill.py         many simulated hosts' slots in the metadata volume (issue 15)
    faultfs/        a FUSE passthrough over the storage that injects faults
    conffiles.py    hosted-engine.conf, broker.conf, vm.conf, the conf archive
    hostroot.py     one host's root directory
    sanlockd.py     one unprivileged sanlock daemon per host
    sanlock_child.py  lockspace calls through a chosen host's daemon
    simctl.py       start a vdsm simulator, turn its knobs
    brokerproc.py   start/stop a broker, wait for READY=1; agentproc.py: the agent
    probe.py        a host's network probe target (tcp listener the agent's monitor checks)
    engineconf.py   engine.json: the engine VM's lease and health page address
    engine_vm.py    the engine VM stand-in process: vmlease.py (its sanlock lease),
                    engine_health.py (the health page), engine_role.py (the engine's
                    part: migrate away from a host in local maintenance)
    leaselog.py     the lease journal and its one-holder check
    notify.py       the sd_notify socket; notifyproc.py: a Type=notify daemon's start
    supervisor.py   systemd's WatchdogSec= and Restart=on-failure for one daemon
    procs.py        spawn, record and stop processes by pid; sessions.py: directories
                    swept once their owning process is gone
    fsprobe.py      disk-backed filesystem and O_DIRECT checks
    status.py       the process table
    standin.py      where the vdsm stand-in lives
    vdsm_sim/       the vdsm simulator
    vdsm_standin/   the `vdsm` package stand-in (vdsm.client and friends)
"""
