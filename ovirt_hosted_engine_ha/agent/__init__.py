"""ovirt-ha-agent: decides where the engine VM runs.

    daemon.py         process: configuration, the loop, signals, sd_notify;
                      keepalive.py: the watchdog fed during long broker calls
    cleanup.py        --cleanup: empty a host's metadata slot
    loop.py           Agent.step(): one monitoring cycle against an Env
    env.py            the Env and Broker protocols (all access to the host)
    host_env.py       the Env of a real host: BrokerLink, vdsm.client, files
    collect.py        one collection: slots, monitors, ha.conf -> Snapshot
    leases.py         the broker's lockspace view (peers' sanlock leases)
    refresh.py        liveness, best engine, best score -> AgentData
    state_machine.py  timers, guards, decisions; states.py: the states
    scoring.py        the score formula; monitors.py: monitors and their values;
                      conf_check.py: is the configuration "up to date"
    publish.py        the slot this host publishes
    vm_control.py     VM start/stop through vdsm; vm_conf*.py: vm.conf
    model.py          the records; clock.py: the clock; failures.py: failed calls
"""
