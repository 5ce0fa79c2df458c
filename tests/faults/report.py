"""Collects one result per fault row and writes the report table.

A test names its row with ``@pytest.mark.row("F10")`` and takes the `row`
fixture, on which it records what it saw::

    def test_slow_storage(row):
        ...
        row.observe("get_stats p99 14 ms; 0 of 500 acked writes lost")

The outcome (pass, fail, skip with its reason) comes from pytest. Several
tests may share a row (e.g. file and block domains): their observations
are joined and the row fails when any of them fails.
"""

import dataclasses
import json
from pathlib import Path

from tests.faults.rows import ROWS

ORDER = {"passed": 0, "skipped": 1, "failed": 2}


@dataclasses.dataclass
class RowResult:
    row: str
    scenario: str
    expected: str
    observed: list[str] = dataclasses.field(default_factory=list)
    outcome: str = "missing"
    reasons: list[str] = dataclasses.field(default_factory=list)

    def observe(self, text: str) -> None:
        """One figure of this row, as an administrator would read it."""
        self.observed.append(text)

    def settle(self, outcome: str, reason: str = "") -> None:
        if self.outcome == "missing" or ORDER[outcome] > ORDER[self.outcome]:
            self.outcome = outcome
        if reason:
            self.reasons.append(reason)

    def line(self) -> str:
        seen = "; ".join(self.observed) or "-"
        why = f" ({'; '.join(self.reasons)})" if self.reasons else ""
        return f"{self.row} {self.scenario}: {seen} -- {self.outcome}{why}"


def new_results() -> dict[str, RowResult]:
    return {rid: RowResult(rid, scenario, expected)
            for rid, (scenario, expected) in ROWS.items()}


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def write(results: dict[str, RowResult], path: Path, header: str) -> None:
    """The markdown table (for README to link) and a JSON lines twin."""
    path.parent.mkdir(parents=True, exist_ok=True)
    counts = {k: sum(r.outcome == k for r in results.values())
              for k in ("passed", "failed", "skipped", "missing")}
    lines = [
        "# Fault matrix report", "", header, "",
        ", ".join(f"{n} {k}" for k, n in counts.items()), "",
        "| row | scenario | expected | observed | result |",
        "|---|---|---|---|---|",
    ]
    for r in results.values():
        result = r.outcome + (f": {'; '.join(r.reasons)}" if r.reasons else "")
        lines.append(f"| {r.row} | {_cell(r.scenario)} | {_cell(r.expected)} | "
                     f"{_cell('; '.join(r.observed) or '-')} | {_cell(result)} |")
    path.write_text("\n".join(lines) + "\n")
    with open(path.with_suffix(".jsonl"), "w") as f:
        for r in results.values():
            f.write(json.dumps(dataclasses.asdict(r)) + "\n")
