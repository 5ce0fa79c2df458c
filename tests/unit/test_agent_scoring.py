"""Score arithmetic: upstream's formula and truncations, and the fixed quirks."""

import pytest

from ovirt_hosted_engine_ha.agent import scoring
from ovirt_hosted_engine_ha.agent.model import AgentData, LocalStats, Snapshot
from ovirt_hosted_engine_ha.agent.scoring import ScoreConfig, Scoring, compute
from ovirt_hosted_engine_ha.lib import exceptions
from tests.agentsupport.builders import snapshot

CFG = ScoreConfig()


def data(min_memory: int = 4096, **local: object) -> AgentData:
    return AgentData(history=(snapshot(100, **local),), min_memory=min_memory)


def score(kind: Scoring = Scoring.FORMULA, conf_uptodate: bool = True, **kw: object) -> int:
    return compute(kind, data(**kw), CFG, conf_uptodate).value


@pytest.mark.parametrize("good,penalty", [(5, 0), (4, 319), (3, 640), (2, 960), (1, 1280),
                                          (0, 1600)])
def test_network_probes(good, penalty):
    # 4 of 5: int((1.0 - 0.8) * 1600) = int(319.99999999999994) = 319, as upstream.
    assert score(network=good / 5) == 3400 - penalty


def test_healthy_host_scores_base():
    assert score(network=1.0, bridge=True, mem_free=16384.0, cpu_load=0.0) == 3400


def test_unknown_values_cost_nothing():
    # design.md §7: "None" = no penalty (upstream charges memory for an unknown
    # free memory; bool("None") is True for the bridge).
    assert score(network=None, bridge=None, mem_free=None, cpu_load=None) == 3400


def test_bridge_down():
    assert score(bridge=False) == 2800


def test_configuration_not_up_to_date():
    assert score(conf_uptodate=False) == 2400


def test_memory_penalty_only_in_formula_states():
    assert score(mem_free=2048.0) == 3000
    assert score(Scoring.FORMULA_NO_MEMORY, mem_free=2048.0) == 3400
    assert score(mem_free=4096.0) == 3400


def test_fixed_score_states():
    assert compute(Scoring.ZERO, data(), CFG, True) == scoring.Score(0, reason="fixed score")


def test_score_never_negative():
    assert score(conf_uptodate=False, network=0.0, bridge=False, mem_free=0.0) == 0


def _flat_load(load: float, seconds: int = 300) -> tuple[Snapshot, ...]:
    return tuple(Snapshot(t, t, LocalStats(cpu_load=load)) for t in range(seconds, -1, -10))


@pytest.mark.parametrize("load,penalty", [(0.3, 0), (0.4, 0), (0.5, 199), (0.6, 399),
                                          (0.8, 800), (0.9, 1000), (1.0, 1000)])
def test_cpu_penalty(load, penalty):
    d = AgentData(history=_flat_load(load))
    assert compute(Scoring.FORMULA, d, CFG, True).value == 3400 - penalty


def test_cpu_average_is_time_weighted_and_skips_unknown_samples():
    history = (
        Snapshot(30, 30, LocalStats(cpu_load=1.0)),
        Snapshot(20, 20, LocalStats(cpu_load=1.0)),
        Snapshot(10, 10, LocalStats(cpu_load=None)),
        Snapshot(0, 0, LocalStats(cpu_load=0.0)),
    )
    assert scoring.cpu_load_average(history) == 1.0
    assert scoring.cpu_load_average(history[2:]) == 0.0
    ramp = (Snapshot(20, 20, LocalStats(cpu_load=1.0)), Snapshot(0, 0, LocalStats(cpu_load=0.0)))
    assert scoring.cpu_load_average(ramp) == 0.5


def test_cpu_penalty_when_min_equals_max():
    cfg = ScoreConfig(cpu_load_min=0.5, cpu_load_max=0.5)
    assert scoring.cpu_penalty(0.4, cfg) == 0
    assert scoring.cpu_penalty(0.5, cfg) == 1000


@pytest.mark.parametrize("count,value", [(0, 3400), (1, 3350), (2, 3300), (3, 3250), (4, 0),
                                         (9, 0)])
def test_retry_penalty(count, value):
    d = data().replace(retry_count=count)
    assert compute(Scoring.FORMULA, d, CFG, True).value == value


def test_bad_health_penalty_is_zero():
    d = data().replace(bad_health_time=50)
    result = compute(Scoring.FORMULA_NO_MEMORY, d, CFG, True)
    assert result.value == 0
    assert result.explain() == "VM stopped here for bad engine health"


def test_explain_lists_penalties_in_order():
    result = compute(Scoring.FORMULA, data(network=0.8, bridge=False), CFG, True)
    assert result.explain() == "network -319, management bridge -600"
    assert compute(Scoring.FORMULA, data(), CFG, True).explain() == "no penalty"


def test_score_config_defaults_and_overrides(tmp_path):
    assert ScoreConfig.load(tmp_path / "missing.conf") == ScoreConfig()
    conf = tmp_path / "agent.conf"
    conf.write_text("[score]\nbase-score=2400\ncpu-load-penalty-min=0.5\n"
                    "gateway-score-penalty=10\n")
    assert ScoreConfig.load(conf) == ScoreConfig(base=2400, cpu_load_min=0.5)


def test_score_config_bad_value(tmp_path):
    conf = tmp_path / "agent.conf"
    conf.write_text("[score]\nbase-score=lots\n")
    with pytest.raises(exceptions.InvalidConfigValue) as e:
        ScoreConfig.load(conf)
    assert str(e.value) == (f"{conf}: key 'base-score' has invalid value 'lots': "
                            "expected an integer")
