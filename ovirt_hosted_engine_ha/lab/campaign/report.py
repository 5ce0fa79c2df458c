"""The campaign's printed report: seed, fault log, figures, verdict, how to replay."""

from . import bounds
from .result import Result


def _secs(value: float | None) -> str:
    return "-" if value is None else f"{value:.1f}"


def replay_command(result: Result) -> str:
    s = result.settings
    storage = "" if result.storage else " --no-storage-faults"
    return (f"ovirt-ha-lab campaign --root {s.root} --hosts {s.hosts} --faults {s.faults} "
            f"--seed {s.seed} --min-wait {s.min_wait:g} --max-wait {s.max_wait:g}{storage}")


def fault_log(result: Result) -> list[str]:
    header = ("#", "start s", "fault", "target", "engine on", "held s", "end s",
              "engine up +s", "slot fresh +s", "outage s", "note")
    rows = [header]
    for e in result.episodes:
        held = "-" if e.end is None else f"{e.end - e.start:.1f}"
        rows.append((str(e.index), f"{e.start:.1f}", e.kind,
                     f"host{e.target}" if e.target else "cluster",
                     f"host{e.engine_on}" if e.engine_on else "-", held, _secs(e.end),
                     _secs(e.engine_up_after), _secs(e.slot_fresh_after),
                     f"{result.outage(e):.1f}", e.note or ""))
    widths = [max(len(r[i]) for r in rows) for i in range(len(header))]
    return ["  ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)).rstrip()
            for r in rows]


def format_report(result: Result) -> str:
    s = result.settings
    lines = [f"campaign seed {s.seed}: {len(result.episodes)} of {s.faults} faults on "
             f"{s.hosts} hosts, waits {s.min_wait:g}-{s.max_wait:g} s",
             f"catalogue: {', '.join(result.kinds)}"]
    if not result.storage:
        lines.append("storage faults: off (the lab has no FUSE layer, or --no-storage-faults)")
    lines.append(f"first 'DB Up' at t={_secs(result.first_up)} s; times below are seconds "
                 "on the campaign's clock, recoveries counted from each fault's end")
    lines += ["", "fault log:"] + ["  " + line for line in fault_log(result)]
    lines += ["", "bounds:"] + ["  " + b for b in bounds.describe()]
    lines += ["", "invariants:"]
    lines += [f"  {name}: {figure}" for name, figure in result.figures().items()]
    if len(result.episodes) < len(result.plan):
        lines += ["", f"incomplete: {len(result.episodes)} of {len(result.plan)} faults ran"]
    if result.violations:
        lines += ["", "violations:"] + [f"  {v}" for v in result.violations]
    verdict = "PASS" if result.passed else "FAIL"
    lines += ["", f"verdict: {verdict} (seed {s.seed})",
              f"replay: {replay_command(result)}",
              "  (same draws; timings and the host an 'engine' target resolves to may differ)"]
    return "\n".join(lines)


def summary(result: Result) -> str:
    """One line for the fault suite's report."""
    f = result.figures()
    return (f"seed {result.settings.seed}, {len(result.episodes)} faults "
            f"({', '.join(sorted({e.kind for e in result.episodes}))}): "
            f"double runs {result.double_runs}; engine up after a fault "
            f"{f['engine up after a fault']}; slot fresh {f['slot fresh after a fault']}; "
            f"lost writes {len(result.regressions)}; "
            f"{'PASS' if result.passed else 'FAIL'}")
