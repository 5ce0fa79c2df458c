"""Is the configuration "up to date"? Re-evaluated for every score (spec/agent.md §4.2).

Upstream builds a fresh configuration each time it computes a score and
asks whether hosted-engine.conf's `spUUID` is the blank UUID (the 3.6+
layout with the configuration on shared storage); a host that is not up to
date loses `not-uptodate-config-penalty`. We re-read the file only when it
changed (its mtime, size or inode), so the check costs one `stat` per score
and a change written by the broker's configuration refresh reaches the next
score. A file that cannot be read keeps the last answer (logged once per
problem).
"""

from __future__ import annotations

import logging
import os
from pathlib import Path

from ..env import config, constants
from ..lib import exceptions

log = logging.getLogger(__name__)


def up_to_date(values: dict[str, str]) -> bool:
    """upstream's test: spUUID is exactly the blank UUID (absent = not up to date)."""
    return values.get("spUUID") == constants.BLANK_UUID


class ConfUpToDate:
    def __init__(self, path: Path, initial: bool) -> None:
        self._path = path
        self._value = initial
        self._seen: tuple[int, int, int] | None = None
        self._problem: str | None = None

    def __call__(self) -> bool:
        try:
            st = os.stat(self._path)
            key = (st.st_mtime_ns, st.st_size, st.st_ino)
            if key != self._seen:
                values = config.read_key_values(self._path)
                self._seen = key
                self._changed(up_to_date(values))
        except (OSError, exceptions.ConfigError) as e:
            self._report(str(e))
        else:
            self._problem = None
        return self._value

    def _changed(self, value: bool) -> None:
        if value != self._value:
            log.info("Configuration %s up to date now: %s", self._path, value)
        self._value = value

    def _report(self, problem: str) -> None:
        if problem != self._problem:
            log.warning("Cannot check whether %s is up to date (%s); keeping %s",
                        self._path, problem, self._value)
            self._problem = problem
