import logging
import zlib

from ovirt_hosted_engine_ha.broker import slot_check
from ovirt_hosted_engine_ha.broker.metadata_cache import MetadataCache


def host_slot(host_id: int, score: int) -> bytes:
    tokens = ["1", "1", "100", str(host_id), str(score), "null", f"host{host_id}", "0", "0",
              "00000000", "1", "90"]
    tokens[9] = "%08x" % (zlib.crc32("|".join(tokens).encode()) & 0xFFFFFFFF)
    header = "|".join(tokens).encode()
    return (header + b"\0" * (512 - len(header)) + b"extra=1\n").ljust(4096, b"\0")


def corrupt(image: bytes) -> bytes:
    return image.replace(b"|host", b"|hoXt", 1)


def cache() -> MetadataCache:
    return MetadataCache(slot_check.intact)


def test_slot_check():
    assert slot_check.intact(1, host_slot(1, 3400))
    assert not slot_check.intact(1, corrupt(host_slot(1, 3400)))
    assert not slot_check.intact(0, b"maintenance=\xff".ljust(4096, b"\0"))
    assert slot_check.intact(2, b"1|1|5|2|3400|null|h|0".ljust(4096, b"\0"))  # no CRC token


def test_read_fills_and_empty_slot_prunes():
    c = cache()
    c.merge_read({0: b"maintenance=1".ljust(4096, b"\0"), 1: host_slot(1, 3400),
                  2: b"\0" * 4096}, c.generations())
    assert set(c.slots()) == {0, 1}
    c.merge_read({1: b"\0" * 4096}, c.generations())
    assert set(c.slots()) == {0}


def test_local_write_served_as_the_volume_image_then_read_keeps_it():
    c = cache()
    payload = host_slot(3, 2400).rstrip(b"\0")
    c.store_written(3, payload)
    image = payload.ljust(4096, b"\0")
    assert c.slots()[3] == image  # what any fresh reader of the volume gets
    before = c.version
    c.merge_read({3: image}, c.generations())
    assert c.slots()[3] == image  # same content: no churn, answer still cached
    assert c.version == before


def test_writer_and_fresh_reader_serve_identical_short_global_slot():
    writer, reader = cache(), cache()
    writer.store_written(0, b"maintenance=1")
    reader.merge_read({0: b"maintenance=1".ljust(4096, b"\0")}, reader.generations())
    assert writer.slots() == reader.slots()


def test_read_started_before_write_does_not_overwrite_it():
    c = cache()
    old = host_slot(3, 1000)
    c.merge_read({3: old}, c.generations())
    generations = c.generations()  # the reader starts here
    new = host_slot(3, 3400).rstrip(b"\0")
    c.store_written(3, new)  # a write is acknowledged meanwhile
    c.merge_read({3: old}, generations)  # the read returns the old bytes
    assert c.slots()[3] == new.ljust(4096, b"\0")


def test_bad_checksum_keeps_last_good_value():
    c = cache()
    good = host_slot(1, 3400)
    c.merge_read({1: good}, c.generations())
    c.merge_read({1: corrupt(host_slot(1, 0))}, c.generations())
    assert c.slots()[1] == good


def test_bad_slot_never_seen_good_is_served_as_read():
    c = cache()
    bad = corrupt(host_slot(4, 3400))
    c.merge_read({4: bad}, c.generations())
    assert c.slots()[4] == bad
    good = host_slot(4, 3400)
    c.merge_read({4: good}, c.generations())
    assert c.slots()[4] == good


def test_empty_write_removes_slot():
    c = cache()
    c.store_written(2, host_slot(2, 3400))
    c.store_written(2, b"")
    assert 2 not in c.slots()


def test_answer_rebuilt_only_after_change():
    c = cache()
    builds = []

    def build(slots):
        builds.append(dict(slots))
        return object()

    c.store_written(0, b"maintenance=0")
    first = c.answer(build)
    assert c.answer(build) is first
    c.store_written(0, b"maintenance=1")
    assert c.answer(build) is not first
    assert len(builds) == 2


def test_undecodable_slot_never_served_logged_once(caplog):
    caplog.set_level(logging.INFO)
    c = cache()
    garbage = b"1|2|\xff\xfe garbage".ljust(4096, b"\0")
    for _ in range(3):
        c.merge_read({5: garbage}, c.generations())
    assert 5 not in c.slots()
    errors = [r.getMessage() for r in caplog.records if "Slot 5" in r.getMessage()]
    assert errors == ["Slot 5 does not decode (byte 0xff at offset 4 is not UTF-8); "
                      "not serving it"]
    c.merge_read({5: host_slot(5, 3400)}, c.generations())
    assert c.slots()[5] == host_slot(5, 3400)
    assert "Slot 5 is intact again" in caplog.text
    assert "repeated 2 times" in caplog.text


def test_undecodable_slot_keeps_last_good_value():
    c = cache()
    c.merge_read({5: host_slot(5, 3400)}, c.generations())
    c.merge_read({5: b"\x80\x81".ljust(4096, b"\0")}, c.generations())
    assert c.slots()[5] == host_slot(5, 3400)


def test_served_slot_dropped_when_it_turns_undecodable():
    c = cache()
    bad = corrupt(host_slot(4, 3400))  # decodes, fails its CRC: served as read
    c.merge_read({4: bad}, c.generations())
    assert 4 in c.slots()
    c.merge_read({4: bad.replace(b"extra", b"\xffxtra")}, c.generations())
    assert 4 not in c.slots()
