"""EL's path in a scratch root: upstream's RPM -> ours (rpm -U) -> back (--oldpackage).

rpm's own rules for `%config(noreplace)`: a file the administrator edited
stays and ours arrives as .rpmnew; an unedited one becomes ours. Files only
upstream had go, and come back with the downgrade.
"""

import os
from pathlib import Path

from tests.packagesupport import upstream_rpm

AGENT_CONF = "etc/ovirt-hosted-engine-ha/agent.conf"
BROKER_LOG_CONF = "etc/ovirt-hosted-engine-ha/broker-log.conf"
EDITED = "[score]\nbase-score=3000\n"
REPO_ENV = Path(__file__).resolve().parents[2] / "ovirt_hosted_engine_ha/env"


def test_rpm_upgrade_from_upstream_and_downgrade_back(built_rpm, scratch_root, tmp_path):
    upstream = upstream_rpm.build(tmp_path)
    root = scratch_root
    upstream_rpm.init_root(root)
    upstream_rpm.install(root, upstream)
    (root / AGENT_CONF).write_text(EDITED)  # the administrator's change

    upstream_rpm.install(root, built_rpm)
    assert upstream_rpm.rpm(root, "-q", "ovirt-hosted-engine-ha").startswith(
        "ovirt-hosted-engine-ha-2.5.2-100.stateless")
    assert (root / AGENT_CONF).read_text() == EDITED
    assert (root / f"{AGENT_CONF}.rpmnew").read_text() == (REPO_ENV / "agent.conf").read_text()
    assert (root / BROKER_LOG_CONF).read_text() == (REPO_ENV / "broker-log.conf").read_text()
    assert "broker.daemon" in (root / "usr/libexec/ovirt-hosted-engine-ha/ovirt-ha-broker"
                               ).read_text()
    assert not (root / upstream_rpm.PYTHON_INIT).exists()
    assert not (root / "etc/sudoers.d/60_ovirt-ha").exists()
    state = root / "var/lib/ovirt-hosted-engine-ha"
    assert (os.stat(state).st_uid, oct(os.stat(state).st_mode & 0o777)) == (36, "0o700")
    assert os.stat(state / "ha.conf").st_uid == 36

    upstream_rpm.install(root, upstream, "--oldpackage")
    assert upstream_rpm.rpm(root, "-q", "ovirt-hosted-engine-ha").startswith(
        "ovirt-hosted-engine-ha-2.5.2-1")
    assert (root / AGENT_CONF).read_text() == EDITED
    for rel in upstream_rpm.FILES:
        if rel != AGENT_CONF:
            assert (root / rel).read_text() == upstream_rpm.text_of(rel), rel
    assert not (root / "etc/logrotate.d/ovirt-hosted-engine-ha").exists()
    assert not list(root.glob("usr/lib/python3*/site-packages/ovirt_hosted_engine_ha/broker"))
