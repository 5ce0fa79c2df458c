"""StorageFaults paths: relative to the mount; block volumes act through their loop's file."""

import pytest

from ovirt_hosted_engine_ha.lab.faultfs.api import StorageFaults, describe
from ovirt_hosted_engine_ha.lab.faultfs.rules import Fault

MOUNT = "/var/tmp/lab/storage"


def test_paths_relative_to_the_mount():
    faults = StorageFaults(MOUNT, "/nowhere.sock")
    assert faults.relative(f"{MOUNT}/sd/images/i/v") == "sd/images/i/v"
    assert faults.relative("sd/images/i/v") == "sd/images/i/v"
    assert faults.relative(None) is None
    with pytest.raises(ValueError, match="not under the faultfs mount"):
        faults.relative("/var/tmp/lab/host1/x")


def test_block_volume_io_faults_go_to_the_backing_file_vanish_to_the_link():
    faults = StorageFaults(MOUNT, "/nowhere.sock", {"sd/images/i/v": "block/v.img"})
    assert faults._io_path(f"{MOUNT}/sd/images/i/v") == "block/v.img"
    assert faults._io_path("sd/images/other") == "sd/images/other"
    assert faults.relative(f"{MOUNT}/sd/images/i/v") == "sd/images/i/v"   # what vanish uses


def test_describe_active_faults():
    assert describe([], 0) == "storage: no faults"
    text = describe([Fault("hang", "read", "md")], 2)
    assert text.splitlines() == ["storage: 1 fault(s), 2 operation(s) held now",
                                 "  hang on read of md"]
