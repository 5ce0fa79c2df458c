"""Real dates in the extra text of a host slot, never 1970.

Upstream's agent renders some times (`timeout=` of the timer states) with
`ctime` of a monotonic number, so they read as a date in early 1970
(spec/agent.md §3.5, §9). The same text carries the writer's clock offset:
its ``timestamp=<monotonic> (<ctime of real time>)`` line. From it this
module recovers the real date of every 1970 `ctime` in the text. Both
`ctime`s are in the writer's time zone, assumed to be ours (a wrong guess
shifts the date by the zone offset, it never brings back 1970). Without a
usable `timestamp=` line such a value is shown as seconds of the writer's
monotonic clock instead.
"""

import re
import time

CTIME_FORMAT = "%a %b %d %H:%M:%S %Y"
CTIME = re.compile(r"\b[A-Z][a-z]{2} [A-Z][a-z]{2} [ \d]\d \d\d:\d\d:\d\d (\d{4})\b")
TIMESTAMP_LINE = re.compile(r"^timestamp=(-?\d+) \((.+)\)$", re.MULTILINE)
LAST_FAKE_YEAR = 1999  # ctime of a monotonic clock: boot + decades at most


def _seconds(text: str) -> float | None:
    try:
        return time.mktime(time.strptime(text, CTIME_FORMAT))
    except (ValueError, OverflowError):
        return None


def writer_epoch(extra: str) -> float | None:
    """Real time minus monotonic time on the writer, from its `timestamp=` line."""
    match = TIMESTAMP_LINE.search(extra)
    if match is None:
        return None
    real = _seconds(match.group(2))
    if real is None or int(match.group(2)[-4:]) <= LAST_FAKE_YEAR:
        return None
    return real - int(match.group(1))


def fix_dates(extra: str) -> str:
    """`extra` with each `ctime` of a monotonic number replaced by a real date."""
    epoch = writer_epoch(extra)

    def replace(match: re.Match[str]) -> str:
        if int(match.group(1)) > LAST_FAKE_YEAR:
            return match.group(0)
        monotonic = _seconds(match.group(0))
        if monotonic is None:
            return match.group(0)
        if epoch is None:
            return f"{monotonic:.0f} s on the writer's monotonic clock"
        return time.ctime(monotonic + epoch)

    return CTIME.sub(replace, extra)
