"""The noarch RPM built by `make rpm` from ovirt-hosted-engine-ha.spec."""

import pytest

from tests.packagesupport import build, expected, rpmfiles


@pytest.fixture(scope="module")
def rpm_files(built_rpm):
    assert built_rpm.name.endswith(".noarch.rpm")
    return rpmfiles.files(built_rpm)


def test_rpm_layout_modes_owners_and_config_flags(rpm_files):
    for path, entry in rpmfiles.TABLE.items():
        assert rpm_files.get(path) == entry, path
    sites = {p.split("/ovirt_hosted_engine_ha/")[0] for p in rpm_files
             if "/ovirt_hosted_engine_ha/" in p}
    assert len(sites) == 1 and sites.pop().endswith("/site-packages")
    package = {p.split("/site-packages/")[1] for p in rpm_files
               if "/site-packages/ovirt_hosted_engine_ha/" in p
               and rpm_files[p].perms.startswith("-") and "__pycache__" not in p}
    source = {p[len(expected.SITE) + 1:] for p in expected.python_files(build.REPO)}
    assert package == source
    for path in ("/usr/bin/ovirt-ha-broker", "/usr/bin/ovirt-ha-agent", "/usr/bin/ovirt-ha-lab"):
        assert path not in rpm_files
