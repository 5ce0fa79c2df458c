"""The campaign's time bounds, derived from the lab's sanlock and the agents' rules.

- The lab's sanlock daemons run with io timeout 1 s. A host id whose
  renewals stopped is declared dead after 8 io timeouts (renewal failure)
  plus the 60 s watchdog fire timeout, counted from the last renewal, which
  is up to one renewal period (2 io timeouts) old: 8 + 60 + 2 = 70 s. Only
  then is the engine VM's lease of a powered-off host free.
- The agents count a peer dead when its `host-ts` has not changed for 60 s
  (the liveness window) and run one cycle every 10 s.

SLOT_FRESH_BOUND: after a fault on host K ends, K's slot on storage must
change again within the liveness window, or its peers would count a healed
host dead; a host under no fault must never look that stale.

ENGINE_UP_BOUND: after a fault ends the health page must say "DB Up"
within lease expiry + liveness window + two agent cycles (the serial worst
case: the lease frees, a peer notices the silence, starts the VM in its
next cycle and the health page answers by the one after): 150 s.
"""

SANLOCK_IO_TIMEOUT = 1
LEASE_EXPIRY = 8 * SANLOCK_IO_TIMEOUT + 60 + 2 * SANLOCK_IO_TIMEOUT
LIVENESS_WINDOW = 60
AGENT_CYCLE = 10

SLOT_FRESH_BOUND = float(LIVENESS_WINDOW)
ENGINE_UP_BOUND = float(LEASE_EXPIRY + LIVENESS_WINDOW + 2 * AGENT_CYCLE)
# First engine start of a fresh lab: the agents' 60 s warm-up, then a boot.
FIRST_START_BOUND = 240.0


def describe() -> list[str]:
    """The bounds as an administrator reads them in the report."""
    return [
        f"slot fresh again <= {SLOT_FRESH_BOUND:.0f} s after a fault ends "
        f"(agents' liveness window); hosts under no fault never staler",
        f"engine 'DB Up' <= {ENGINE_UP_BOUND:.0f} s after a fault ends (lease expiry "
        f"{LEASE_EXPIRY} s with sanlock io timeout {SANLOCK_IO_TIMEOUT} + liveness "
        f"{LIVENESS_WINDOW} s + 2 agent cycles of {AGENT_CYCLE} s)",
    ]
