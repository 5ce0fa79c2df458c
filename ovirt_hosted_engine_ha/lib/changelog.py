"""Log a condition once per change, with a count of its repeats.

A failing storage, a stopped sanlock daemon or an unreachable broker make
the same error come back on every call or cycle. `ChangeLog` logs such a
condition when it first appears or its text changes, counts the repeats,
and writes one summary line when it changes or clears, e.g.::

    ERROR Reading metadata failed: [Errno 5] EIO
    ERROR Reading metadata failed: [Errno 5] EIO (repeated 57 times in 60 s)
    INFO  Reading metadata works again

While a condition lasts, a summary is also written every
`summary_interval` seconds, so a long outage stays visible in the log.
Conditions are kept per key (one per slot, per verb, ...). A condition
whose text carries a changing figure (an age, a count) passes `same`: the
part that names the condition; the first text is what the log shows.
"""

import dataclasses
import logging
import threading
import time
from collections.abc import Callable, Hashable

SUMMARY_INTERVAL = 600.0


@dataclasses.dataclass
class _Condition:
    level: int
    text: str
    same: Hashable
    since: float
    repeats: int = 0
    last_summary: float = 0.0


class ChangeLog:
    def __init__(self, logger: logging.Logger,
                 summary_interval: float = SUMMARY_INTERVAL,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self._log = logger
        self._interval = summary_interval
        self._clock = clock
        self._lock = threading.Lock()
        self._conditions: dict[Hashable, _Condition] = {}

    def active(self, key: Hashable) -> bool:
        with self._lock:
            return key in self._conditions

    def error(self, key: Hashable, text: str, same: Hashable = None) -> bool:
        return self.report(key, logging.ERROR, text, same)

    def warning(self, key: Hashable, text: str, same: Hashable = None) -> bool:
        return self.report(key, logging.WARNING, text, same)

    def report(self, key: Hashable, level: int, text: str, same: Hashable = None) -> bool:
        """Log `text` unless `key` last reported the same; True when it was new.

        Two reports are the same when their `same` (default: the text) are equal.
        """
        same = text if same is None else same
        now = self._clock()
        lines: list[tuple[int, str]] = []
        new = False
        with self._lock:
            current = self._conditions.get(key)
            if current is not None and current.same == same:
                current.repeats += 1
                if now - current.last_summary >= self._interval:
                    lines.append((current.level, self._summary(current, now)))
                    current.repeats, current.since, current.last_summary = 0, now, now
            else:
                if current is not None and current.repeats:
                    lines.append((current.level, self._summary(current, now)))
                self._conditions[key] = _Condition(level, text, same, now, last_summary=now)
                lines.append((level, text))
                new = True
        for line_level, line in lines:
            self._log.log(line_level, "%s", line)
        return new

    def clear(self, key: Hashable, text: str | None = None,
              level: int = logging.INFO) -> bool:
        """End the condition of `key`: its summary, then `text` if given.

        True if a condition was active (nothing is logged otherwise).
        """
        now = self._clock()
        with self._lock:
            current = self._conditions.pop(key, None)
        if current is None:
            return False
        if current.repeats:
            self._log.log(current.level, "%s", self._summary(current, now))
        if text is not None:
            self._log.log(level, "%s", text)
        return True

    @staticmethod
    def _summary(condition: _Condition, now: float) -> str:
        times = "time" if condition.repeats == 1 else "times"
        return (f"{condition.text} (repeated {condition.repeats} {times} "
                f"in {now - condition.since:.0f} s)")
