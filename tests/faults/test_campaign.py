"""C01: a short randomized fault campaign on a 3-host lab with real agents.

Ten faults drawn from a fixed seed (kill a host, kill its sanlock, stop its
vdsm, restart its broker, degrade its network or storage, local and global
maintenance; and with FUSE, the lab runs over faultfs and storage faults
join the draw), 2-6 s of calm before each and 2-6 s of hold, every
recovery awaited; the invariants (one engine, slots fresh again, engine
back, no lost write) must hold. The seeds were picked for a mix that hits
the engine's host: 243 with storage faults, 293 without.
OVIRT_HA_CAMPAIGN_SEED picks another seed (the report prints how to
replay it with `ovirt-ha-lab campaign`). OVIRT_HA_CAMPAIGN_FAULTFS=0 keeps
the lab on plain storage (no storage faults) where FUSE works.
"""

import os

import pytest

from ovirt_hosted_engine_ha.lab import agentproc
from ovirt_hosted_engine_ha.lab.campaign import report, runner
from ovirt_hosted_engine_ha.lab.faultfs import mount

pytestmark = pytest.mark.integration

FUSE = os.environ.get("OVIRT_HA_CAMPAIGN_FAULTFS") != "0" and mount.unavailable() is None
SEED = int(os.environ.get("OVIRT_HA_CAMPAIGN_SEED", "243" if FUSE else "293"))
FAULTS = 10


@pytest.mark.row("C01")
@pytest.mark.timeout(720)
def test_short_campaign(cluster, row):
    if not agentproc.available():
        pytest.skip(f"the HA agent is not installed ({agentproc.MAIN})")
    lab = cluster(hosts=3, start_agents=True, faultfs=FUSE)
    settings = runner.Settings(root=str(lab.root), hosts=3, faults=FAULTS, seed=SEED,
                               min_wait=2.0, max_wait=6.0)
    result = runner.Campaign(lab, settings).run()
    print()
    print(report.format_report(result))
    off = mount.unavailable() or "plain storage (OVIRT_HA_CAMPAIGN_FAULTFS=0)"
    row.observe(report.summary(result) + ("" if FUSE else f"; storage faults off: {off}"))
    assert result.violations == []
    assert result.passed
