"""The lab's xleases volume: vdsm's layout (index in slot 1, leases from slot 3)."""

import struct

import pytest

from ovirt_hosted_engine_ha.lab import xleases

MiB = 1024**2
SD = "0d6b5b8e-1c1a-4a2e-9a55-3c2f4e5d6a7b"
VM = "8d8b9b9a-4b3c-4f3e-9c77-6b7a5e4d3c2b"


@pytest.mark.parametrize("sector", [512, 4096])
def test_the_vm_lease_is_in_the_first_user_slot(tmp_path, sector):
    path = tmp_path / "xleases"
    xleases.write(path, SD, [VM], MiB, sector)
    assert path.stat().st_size == 4 * MiB
    assert xleases.lookup(path, VM, MiB, sector) == 3 * MiB


def test_index_bytes_as_vdsm_writes_them(tmp_path):
    path = tmp_path / "xleases"
    xleases.write(path, SD, [VM, "other"], MiB, 512)
    data = path.read_bytes()
    assert data[:MiB] == b"\0" * MiB                    # the lockspace slot is unused
    meta = data[MiB:MiB + 512]
    assert struct.unpack(">i", meta[:4])[0] == 0x12152016
    assert meta[5:9] == b"0001"
    assert meta[10:58] == SD.encode().ljust(48, b"\0")
    assert meta[59:69].isdigit() and meta[70:71] == b"-" and meta[511:] == b"\n"
    first = data[MiB + 512:MiB + 576]
    assert first == VM.encode().ljust(48, b"\0") + b"\0" + b"%011d" % (3 * MiB) + b"\0--\n"
    second = data[MiB + 576:MiB + 640]
    assert second[49:60] == b"%011d" % (4 * MiB)
    free = data[MiB + 640:MiB + 704]
    assert free == b"\0" * 49 + b"00000000000" + b"\0--\n"


def test_lookup_refuses_what_vdsm_would(tmp_path):
    path = tmp_path / "xleases"
    path.write_bytes(b"\0" * 2 * MiB)
    with pytest.raises(xleases.XleasesError, match="no xleases index"):
        xleases.lookup(path, VM, MiB, 512)
    xleases.write(path, SD, [VM], MiB, 512)
    with pytest.raises(xleases.XleasesError, match="no lease other"):
        xleases.lookup(path, "other", MiB, 512)
    with open(path, "r+b") as f:                        # mark the index updating
        f.seek(MiB + 70)
        f.write(b"u")
    with pytest.raises(xleases.XleasesError, match="being updated"):
        xleases.lookup(path, VM, MiB, 512)
