"""How old the broker's metadata is: the contract between broker and clients.

The broker answers `get_stats` with the HTTP header `X-HA-Metadata-Age`:
the seconds since its last complete good read of the metadata volume, one
decimal. Upstream clients ignore the header; ours read it. The metadata is
stale when that age exceeds three read cycles (30 s), or
OVIRT_HA_METADATA_STALE_SECS when set (tests shorten it; the broker's read
cycle shortens with it, to a third of the bound, so that fresh data never
looks stale between two reads).
"""

import os

from ..env import constants

AGE_HEADER = "X-HA-Metadata-Age"
STALE_ENV = "OVIRT_HA_METADATA_STALE_SECS"
STALE_PERIODS = 3


def stale_after(period: float = constants.STORAGE_DELAY) -> float:
    """Seconds without a good read after which the metadata counts as stale."""
    text = os.environ.get(STALE_ENV)
    if text:
        try:
            value = float(text)
        except ValueError:
            value = 0.0
        if value > 0:
            return value
    return STALE_PERIODS * period


def read_period(period: float = constants.STORAGE_DELAY) -> float:
    """The broker's metadata read cycle: `period`, shorter if the stale bound is."""
    return min(period, stale_after(period) / STALE_PERIODS)


def is_stale(age: float | None) -> bool:
    """An age from the header; None (an upstream broker) is never called stale."""
    return age is not None and age > stale_after()


def format_age(age: float) -> str:
    return f"{max(age, 0.0):.1f}"


def parse_age(text: str | None) -> float | None:
    """The header's value; None when absent or not a number."""
    if text is None:
        return None
    try:
        value = float(text)
    except ValueError:
        return None
    return value if value >= 0 else None
