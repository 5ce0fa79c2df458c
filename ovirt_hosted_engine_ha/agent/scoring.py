"""The host score: upstream's formula and arithmetic (spec/agent.md §4.2).

Hosts compare scores, so the arithmetic is upstream's to the point, the
truncations included (4 of 5 network probes cost ``int(0.2 * 1600)`` = 319).
Differences, ruled in design.md §7:
- an unknown monitor value (None) costs nothing, for every monitor
  (upstream charges the memory penalty for an unknown free memory);
- the retry count expires on the agent's one clock, so the retry penalty
  really grows (3350, 3300, 3250, then 0);
- after this host stopped the VM for bad health, its score is 0 for
  ENGINE_BAD_HEALTH_EXPIRATION_SECS (upstream 1.x's rule; 2.5.2 defines the
  constant and never uses it), so that a peer starts the VM next.
"""

from __future__ import annotations

import configparser
import dataclasses
import enum
import logging
from pathlib import Path

from ..lib import exceptions
from . import constants
from .model import AgentData, Snapshot

log = logging.getLogger(__name__)


class Scoring(enum.Enum):
    ZERO = "zero"                      # a fixed score of 0
    FORMULA = "formula"
    FORMULA_NO_MEMORY = "formula without the memory penalty"


@dataclasses.dataclass(frozen=True)
class ScoreConfig:
    base: int = 3400
    network: int = 1600
    not_uptodate_config: int = 1000
    bridge: int = 600
    free_memory: int = 400
    cpu_load: int = 1000
    engine_retry: int = 50
    cpu_load_min: float = 0.4
    cpu_load_max: float = 0.9

    KEYS = {
        "base-score": "base",
        "network-score-penalty": "network",
        "not-uptodate-config-penalty": "not_uptodate_config",
        "mgmt-bridge-score-penalty": "bridge",
        "free-memory-score-penalty": "free_memory",
        "cpu-load-score-penalty": "cpu_load",
        "engine-retry-score-penalty": "engine_retry",
        "cpu-load-penalty-min": "cpu_load_min",
        "cpu-load-penalty-max": "cpu_load_max",
    }

    @classmethod
    def load(cls, path: Path) -> ScoreConfig:
        """Defaults overridden by section [score] of agent.conf (a missing file: defaults)."""
        parser = configparser.ConfigParser()
        try:
            if not parser.read(path, encoding="utf-8"):
                return cls()
        except (configparser.Error, UnicodeDecodeError) as e:
            raise exceptions.ConfigError(path, f"cannot parse: {e}") from None
        if not parser.has_section("score"):
            return cls()
        values: dict[str, float] = {}
        for key, name in cls.KEYS.items():
            text = parser.get("score", key, fallback=None)
            if text is None:
                continue
            convert = float if name.startswith("cpu_load_m") else int
            try:
                values[name] = convert(text)
            except ValueError:
                raise exceptions.InvalidConfigValue(
                    path, key, text, "a number" if convert is float else "an integer") from None
        return cls(**values)  # type: ignore[arg-type]


@dataclasses.dataclass(frozen=True)
class Score:
    """A score and why: `penalties` in the order applied, `reason` for a fixed score."""

    value: int
    penalties: tuple[tuple[str, int], ...] = ()
    reason: str = ""

    def explain(self) -> str:
        if self.reason:
            return self.reason
        return ", ".join(f"{name} -{amount}" for name, amount in self.penalties) or "no penalty"


def cpu_load_average(history: tuple[Snapshot, ...]) -> float:
    """Time-weighted load over the history (trapezoids; segments touching an unknown skipped)."""
    area = 0.0
    span = 0
    for newer, older in zip(history, history[1:], strict=False):
        a, b = newer.local.cpu_load, older.local.cpu_load
        if a is None or b is None:
            continue
        gap = newer.collect_start - older.collect_start
        area += (a + b) / 2 * gap
        span += gap
    return area / span if span else 0.0


def cpu_penalty(load: float, cfg: ScoreConfig) -> int:
    if cfg.cpu_load_max == cfg.cpu_load_min:
        return 0 if load < cfg.cpu_load_min else cfg.cpu_load
    penalty = int((load - cfg.cpu_load_min) / (cfg.cpu_load_max - cfg.cpu_load_min)
                  * cfg.cpu_load)
    return min(cfg.cpu_load, max(0, penalty))


def compute(scoring: Scoring, data: AgentData, cfg: ScoreConfig, conf_uptodate: bool) -> Score:
    """The score a state with `scoring` publishes for `data`."""
    stats = data.stats
    if scoring is Scoring.ZERO or stats is None:
        return Score(0, reason="fixed score")
    local = stats.local
    score = cfg.base
    penalties: list[tuple[str, int]] = []

    def charge(name: str, amount: int) -> None:
        nonlocal score
        if amount:
            score -= amount
            penalties.append((name, amount))

    if not conf_uptodate:
        charge("configuration not up to date", cfg.not_uptodate_config)
    if local.network is not None and local.network < 1.0:
        charge("network", int((1.0 - local.network) * cfg.network))
    if local.bridge is False:
        charge("management bridge", cfg.bridge)
    charge("cpu load", cpu_penalty(cpu_load_average(data.history), cfg))
    if (scoring is Scoring.FORMULA and local.mem_free is not None
            and local.mem_free < data.min_memory):
        charge("free memory", cfg.free_memory)
    if data.retry_count > constants.ENGINE_RETRY_MAX_ATTEMPTS:
        return Score(0, tuple(penalties), f"{data.retry_count} failed VM starts")
    charge(f"{data.retry_count} failed VM starts", data.retry_count * cfg.engine_retry)
    if data.bad_health_time is not None:
        return Score(0, tuple(penalties), "VM stopped here for bad engine health")
    return Score(max(0, score), tuple(penalties))
