"""The configuration files the packages install hold the code's defaults."""

from pathlib import Path

from ovirt_hosted_engine_ha.agent.scoring import ScoreConfig
from ovirt_hosted_engine_ha.client import flatfile

ENV = Path(__file__).resolve().parents[2] / "ovirt_hosted_engine_ha" / "env"


def test_shipped_agent_conf_repeats_the_score_defaults():
    shipped = ScoreConfig.load(ENV / "agent.conf")
    assert shipped == ScoreConfig()
    text = (ENV / "agent.conf").read_text()
    assert all(key in text for key in ScoreConfig.KEYS)


def test_shipped_ha_conf_is_out_of_local_maintenance():
    assert flatfile.read_values(ENV / "ha.conf") == {
        "local_maintenance": "False", "local_maintenance_manual": "False"}
