"""A randomized fault campaign on a whole lab cluster (issue 12, item 5).

    ovirt-ha-lab campaign --root DIR --hosts 3 --faults 20 --seed 7 [--min-wait 5 --max-wait 30]

catalogue.py  the faults and how each starts and ends
plan.py       the seeded draw (same seed, same sequence)
sampler.py    what is recorded a few times a second
invariants.py the checks, on the record
bounds.py     the time bounds and where they come from
runner.py     lab up/attach, faults one after another, recovery waits
result.py     figures and verdict; report.py prints them; cli.py the subcommand
"""
