"""The .deb: lintian, its files, modes and owners once installed, its units."""

import shutil
import subprocess
from pathlib import Path

from tests.packagesupport import build, dpkgroot, expected, upstream_host

REPO = build.REPO
SYSTEM_UNITS = Path("/lib/systemd/system")


def test_lintian_reports_no_errors(built_deb):
    _, out = built_deb
    tags = build.lintian_lines(out)
    print("lintian:\n" + "\n".join(tags))
    assert not [t for t in tags if t.startswith("E: ")]


def test_installed_files_modes_and_owners(built_deb, scratch_root):
    deb, _ = built_deb
    dpkgroot.install(scratch_root, deb)
    for rel, entry in expected.TABLE.items():
        assert expected.describe(scratch_root, rel) == entry, rel
    files = expected.installed_files(scratch_root)
    package_files = {f for f in files if f.startswith(expected.PACKAGE_DIR + "/")}
    assert package_files == expected.python_files(REPO)
    for rel in package_files:
        assert expected.describe(scratch_root, rel) == expected.Entry("f", 0o644), rel
    egg = {f for f in files if f.startswith(f"{expected.SITE}/ovirt_hosted_engine_ha-")}
    assert egg and all("egg-info/" in f for f in egg)
    table_files = {rel for rel, e in expected.TABLE.items() if e.kind == "f"}
    assert files - package_files - egg == table_files
    for rel in expected.ABSENT:
        assert not (scratch_root / rel).exists(), rel
    assert dpkgroot.conffiles(scratch_root) == expected.CONFFILES


def test_units_verify_clean_in_scratch_root(built_deb, scratch_root):
    deb, _ = built_deb
    dpkgroot.install(scratch_root, deb)
    # systemd's own units (targets the ours refer to) into the scratch root
    shutil.copytree(SYSTEM_UNITS, scratch_root / "usr/lib/systemd/system", symlinks=True,
                    dirs_exist_ok=True)
    units = [f"{expected.UNITS}/{name}.service" for name in ("ovirt-ha-broker", "ovirt-ha-agent")]
    result = subprocess.run(["systemd-analyze", "verify", f"--root={scratch_root}", *units],
                            cwd=scratch_root, capture_output=True, text=True, timeout=120)
    assert (result.returncode, result.stdout + result.stderr) == (0, "")
    before = scratch_root / "upstream"
    before.mkdir()
    (before / "ovirt-ha-broker.service").write_text(upstream_host.UNIT_BROKER)
    (before / "ovirt-ha-agent.service").write_text(upstream_host.UNIT_AGENT)
    for unit in units:
        name = unit.rsplit("/", 1)[1]
        upstream, ours = exposure(before / name), exposure(scratch_root / unit)
        print(f"systemd-analyze security {name}: upstream 2.5.2 {upstream}, ours {ours}")
        assert ours < 2.5 < 9 < upstream


def exposure(unit: Path) -> float:
    out = subprocess.run(["systemd-analyze", "security", "--offline=true", "--no-pager",
                          str(unit)], capture_output=True, text=True, timeout=120).stdout
    overall = [line for line in out.splitlines() if "Overall exposure" in line]
    assert overall, out
    return float(overall[0].split(":")[1].split()[0])

def test_upgrade_of_our_package_keeps_edited_configuration_and_state(built_deb, scratch_root):
    deb, _ = built_deb
    dpkgroot.install(scratch_root, deb)
    edited = {
        f"{expected.CONF}/agent.conf": "[score]\nbase-score=3000\n",
        f"{expected.STATE}/ha.conf": "local_maintenance=True\nlocal_maintenance_manual=True\n",
        f"{expected.STATE}/broker.conf": "[email]\nsmtp-server=mail.example.org\n",
    }
    for rel, text in edited.items():
        (scratch_root / rel).write_text(text)
    out = dpkgroot.install(scratch_root, deb)  # dpkg's upgrade path: postinst configure <old>
    assert "Setting up ovirt-hosted-engine-ha" in out
    for rel, text in edited.items():
        assert (scratch_root / rel).read_text() == text, rel
    assert expected.describe(scratch_root, f"{expected.STATE}/ha.conf") == \
        expected.TABLE[f"{expected.STATE}/ha.conf"]
