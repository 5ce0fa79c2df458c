"""The fault suite's plumbing: one `row` per test, one report per run.

`make faults` runs this directory with ``--faults-report PATH``; at the end
every row's line is printed and the table written to PATH. A run over the
whole directory fails when a row has no test (no row may silently pass);
a run of a few tests (``-k``, one file) reports only what ran. In a
whole-directory run the soak (F28) runs beside the other rows in a process
of its own (sidesoak.py).
"""

import os
import platform
import sys
import time
from pathlib import Path

import pytest

from tests.faults import sidesoak
from tests.faults.report import RowResult, new_results, write

RESULTS = new_results()
STARTED = time.time()
SIDE: list[sidesoak.SideSoak] = []


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption("--faults-report", default=None,
                     help="write the fault matrix report (markdown) to this path")


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "row(id): the fault matrix row a test proves")


@pytest.fixture
def row(request: pytest.FixtureRequest) -> RowResult:
    marker = request.node.get_closest_marker("row")
    if marker is None:
        raise AssertionError("a test taking `row` needs @pytest.mark.row('Fnn')")
    result = RESULTS[marker.args[0]]
    request.node.fault_row = result
    return result


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo):
    outcome = yield
    report = outcome.get_result()
    result = getattr(item, "fault_row", None)
    if result is None:
        marker = item.get_closest_marker("row")
        result = RESULTS.get(marker.args[0]) if marker else None
    if result is None:
        return
    if report.when == "call" or report.outcome != "passed":
        if report.skipped:
            reason = report.longrepr[2] if isinstance(report.longrepr, tuple) else ""
            result.settle("skipped", str(reason).removeprefix("Skipped: "))
        elif report.failed:
            result.settle("failed", f"{item.name} failed")
        else:
            result.settle("passed")


def _whole_run(config: pytest.Config) -> bool:
    return not config.getoption("keyword") and not config.getoption("markexpr") and \
        all(Path(a).resolve() == Path(__file__).parent for a in config.args)


def pytest_collection_modifyitems(session: pytest.Session, config: pytest.Config,
                                  items: list[pytest.Item]) -> None:
    """In a whole run, hand the soak to a process of its own, started now."""
    if not _whole_run(config) or os.environ.get("OVIRT_HA_SOAK_INLINE"):
        return
    soak = [item for item in items if item.nodeid.startswith(sidesoak.TEST)]
    if not soak:
        return
    for item in soak:
        items.remove(item)
    config.hook.pytest_deselected(items=soak)
    SIDE.append(sidesoak.SideSoak.start(config.rootpath))


def _merge_side_soak(session: pytest.Session) -> None:
    side = SIDE.pop()
    reporter = session.config.pluginmanager.get_plugin("terminalreporter")
    if reporter is not None:
        reporter.write_sep("-", "waiting for the soak running beside (F28)")
    result, tail = side.finish(timeout=float(os.environ.get("OVIRT_HA_SOAK_SECS", "600")) + 900)
    if result is None or result.outcome != "passed":
        print(f"\nthe soak process did not pass; its output ends with:\n{tail}", file=sys.stderr)
        session.exitstatus = pytest.ExitCode.TESTS_FAILED
    if result is not None:
        RESULTS[sidesoak.ROW] = result


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    if SIDE:
        _merge_side_soak(session)
    path = session.config.getoption("--faults-report")
    whole = _whole_run(session.config)
    ran = {rid: r for rid, r in RESULTS.items() if whole or r.outcome != "missing"}
    reporter = session.config.pluginmanager.get_plugin("terminalreporter")
    if reporter is not None and ran:
        reporter.write_sep("=", "fault matrix")
        for r in ran.values():
            reporter.write_line(r.line())
    if path:
        header = (f"Run {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime(STARTED))} on "
                  f"{platform.node() or 'this machine'}: {os.cpu_count()} CPUs, "
                  f"Python {platform.python_version()}, {time.time() - STARTED:.0f} s.")
        write(ran, Path(path), header)
    if whole and any(r.outcome == "missing" for r in ran.values()) and exitstatus == 0:
        session.exitstatus = pytest.ExitCode.TESTS_FAILED
