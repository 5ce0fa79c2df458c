"""The agent's scenarios: each folder runs the real agents in a simulated cluster.

A folder holds `README` (one line: what is tested), `cmds` (commands at
virtual times; grammar in tests/agentsupport/scenario.py) and `log.expect`
(the expected log). UPDATE_EXPECT=1 rewrites the expected logs; review
the diff before committing.
"""

import os
from pathlib import Path

import pytest

from tests.agentsupport import scenario

CASES = sorted(p for p in Path(__file__).parent.iterdir() if (p / "cmds").exists())


@pytest.mark.parametrize("case", CASES, ids=lambda p: p.name)
def test_scenario(case: Path) -> None:
    log = scenario.run(case)
    expect = case / "log.expect"
    if os.environ.get("UPDATE_EXPECT"):
        expect.write_text(log)
    assert (case / "README").read_text().strip(), "each scenario says what it tests"
    assert log.splitlines() == expect.read_text().splitlines()
