"""The agent's timing rules and score defaults: upstream's values (spec/agent.md §8.1).

Every other host compares its score and its timers with these, so all hosts
of a cluster must use the same numbers.
"""

# Loop delays (seconds): what a state asks for after a transition.
WAIT = 10                    # LOOP_DELAY: the normal period
NOWAIT = 0                   # run the next cycle at once
SERVICE_NOT_UP_DELAY = 30    # a required service (vdsm) does not answer
START_GATE_POLL = 2          # local maintenance at agent start: poll ha.conf
START_GATE_LOG_SECS = 30     # ... and say so at most this often
# A monitor answers "None" until its first measurement (cpu-load-no-engine:
# one 10 s period after its start); only later is "None" an outage.
MONITOR_FIRST_VALUE_SECS = 20
# While a live peer's sanlock lease renewals fail (it is dying), cycle this
# often, so that its lease expiring is acted on within seconds (design.md §7).
LEASE_WATCH_DELAY = 2

# Liveness and history
HOST_ALIVE_TIMEOUT_SECS = 60
STATS_HISTORY_SECS = 900

# State timers
ENGINE_STARTING_TIMEOUT = 600
ENGINE_BAD_HEALTH_TIMEOUT_SECS = 300
ENGINE_AWAY_EXPIRATION_SECS = 40
VM_UNEXPECTED_SHUTDOWN_EXPIRATION_SECS = 560

# Retries of the VM start, and the bad-health penalty (design.md §7)
ENGINE_RETRY_EXPIRATION_SECS = 600
ENGINE_RETRY_MAX_ATTEMPTS = 3
ENGINE_BAD_HEALTH_EXPIRATION_SECS = 600

# Election
RESTART_THRESHOLD_SCORE = 800

# VM control (spec/agent.md §6)
VDSM_CLEAN_ROUNDS = 10       # getStats/destroy rounds before a start
VDSM_CLEAN_WAIT = 1          # seconds between rounds
VM_SHUTDOWN_DELAY = "120"    # VM.shutdown delay, a string as hosted-engine sends it
VM_SHUTDOWN_MESSAGE = "VM is shutting down!"
VM_WAIT_FOR_LAUNCH = "WaitForLaunch"

# Score defaults, overridden by agent.conf [score] (spec/agent.md §4.1)
SCORE_DEFAULTS: dict[str, float] = {
    "base-score": 3400,
    "network-score-penalty": 1600,
    "not-uptodate-config-penalty": 1000,
    "mgmt-bridge-score-penalty": 600,
    "free-memory-score-penalty": 400,
    "cpu-load-score-penalty": 1000,
    "engine-retry-score-penalty": 50,
    "cpu-load-penalty-min": 0.4,
    "cpu-load-penalty-max": 0.9,
}

# Notifications
STATE_TRANSITION = "state_transition"

# Lab only: run the agent's clock this many times faster than real time.
TIME_SCALE_ENV = "OVIRT_HA_AGENT_TIME_SCALE"
