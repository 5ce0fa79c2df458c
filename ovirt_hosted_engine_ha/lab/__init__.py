"""The local multi-host lab (design.md §5).

    cluster.py      Cluster and Host: the Python API tests and the CLI use
    cli.py          ovirt-ha-lab up | status | down | run | sim
    lifecycle.py    prepare the root, build storage and hosts, take down
    layout.py       where everything lives under DIR
    record.py       lab.json: ids, hosts, every process started
    storage.py      the shared storage domain (vdsm file domain layout)
    conffiles.py    hosted-engine.conf, broker.conf, vm.conf, the conf archive
    hostroot.py     one host's root directory
    sanlockd.py     one unprivileged sanlock daemon per host
    sanlock_child.py  lockspace calls through a chosen host's daemon
    simctl.py       start a vdsm simulator, turn its knobs
    brokerproc.py   start/stop a broker, wait for READY=1
    notify.py       the sd_notify socket
    procs.py        spawn, record and stop processes by pid
    fsprobe.py      disk-backed filesystem and O_DIRECT checks
    status.py       the status table
    standin.py      where the vdsm stand-in lives
    vdsm_sim/       the vdsm simulator
    vdsm_standin/   the `vdsm` package stand-in (vdsm.client and friends)
"""
