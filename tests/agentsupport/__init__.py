"""The agent's test support: a simulated cluster in virtual time (world.py) and
the scenario runner (scenario.py)."""
