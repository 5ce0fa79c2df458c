"""broker.notifications against a real SMTP server (aiosmtpd) and local configuration files."""

import io
import sys
import tarfile
import threading
from pathlib import Path

import pytest

from ovirt_hosted_engine_ha.broker.notifications import Notifier, broker_conf
from ovirt_hosted_engine_ha.env import paths
from ovirt_hosted_engine_ha.lib import exceptions

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
from tests.monitorsupport import servers  # noqa: E402
from tests.monitorsupport.fakes import (  # noqa: E402
    IMG_UUID,
    SD_UUID,
    VOL_UUID,
    FakeVdsm,
    make_conf,
)

STATE = "state_transition"


def conf_text(port: int, rule: str | None = "maintenance|start|stop|up|down",
              destination: str = "admin@example.com, ops@example.com", timeout: str = "5",
              extra: str = "") -> str:
    text = (f"[email]\nsmtp-server = 127.0.0.1\nsmtp-port = {port}\n"
            f"smtp-timeout = {timeout}\ndestination-emails = {destination}\n"
            f"source-email = ha@example.com\n{extra}\n[notify]\n")
    return text + (f"{STATE} = {rule}\n" if rule is not None else "")


@pytest.fixture
def root(tmp_path, monkeypatch):
    monkeypatch.setenv(paths.ROOT_ENV, str(tmp_path / "root"))
    return tmp_path / "root"


@pytest.fixture
def smtp():
    with servers.SmtpServer() as s:
        yield s


def write_local(text: str) -> Path:
    path = broker_conf.local_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return path


@pytest.fixture
def notifier(root, tmp_path):
    return Notifier(make_conf(tmp_path), vdsm=FakeVdsm(), deadline=10)


def test_sent_with_packaged_template(notifier, smtp):
    write_local(conf_text(smtp.port))
    assert notifier.notify(STATE, "EngineUp-EngineStop", {"hostname": "host1"}) == "sent"
    [(sender, recipients, message)] = smtp.messages
    assert sender == "ha@example.com"
    assert recipients == ["admin@example.com", "ops@example.com"]
    assert message["From"] == "ha@example.com"
    assert message["To"] == "admin@example.com, ops@example.com"
    assert message["Subject"] == "ovirt-hosted-engine state transition EngineUp-EngineStop"
    assert message["Date"]
    assert message.get_payload().strip() == (
        "Hosted engine host: host1 changed state: EngineUp-EngineStop.")


@pytest.mark.parametrize("detail,rule,sent", [
    ("EngineDown-EngineStart", None, True),
    ("UnknownLocalVmState-ReinitializeFSM", None, False),
    ("EngineUp-EngineMaybeAway", None, True),
    ("ENGINEUP-ENGINESTOP", "engineup", True),     # both sides lower-cased
    ("EngineDown-EngineStart", "^EngineStart", False),
    ("EngineDown-EngineStart", "start$", True),
])
def test_rule_filters(notifier, smtp, detail, rule, sent):
    write_local(conf_text(smtp.port, rule=rule or "maintenance|start|stop|up|down"))
    expected = "sent" if sent else "ignored"
    assert notifier.notify(STATE, detail, {"hostname": "h"}) == expected
    assert len(smtp.messages) == (1 if sent else 0)


def test_no_rule_is_ignored(notifier, smtp):
    write_local(conf_text(smtp.port, rule=None))
    assert notifier.notify(STATE, "EngineDown-EngineStart", {"hostname": "h"}) == "ignored"
    assert notifier.notify("other_event", "x", {}) == "ignored"
    assert smtp.messages == []


def test_bad_regex_is_a_clear_error(notifier, smtp):
    write_local(conf_text(smtp.port, rule="(start"))
    with pytest.raises(exceptions.NotificationError) as e:
        notifier.notify(STATE, "EngineDown-EngineStart", {"hostname": "h"})
    assert str(e.value).startswith(
        f"invalid regular expression '(start' for [notify] {STATE} in ")
    assert "missing ), unterminated subpattern" in str(e.value)


def test_unparseable_conf_is_a_clear_error(notifier):
    path = write_local("[email\nsmtp-server = x\n")
    with pytest.raises(exceptions.NotificationError) as e:
        notifier.notify(STATE, "EngineDown-EngineStart", {})
    assert str(e.value).startswith(f"cannot parse {path}: ")


def test_bad_event_type(notifier):
    with pytest.raises(exceptions.InvalidArgument) as e:
        notifier.notify("../../etc/passwd", "x", {})
    assert str(e.value) == (
        "invalid event_type: '../../etc/passwd' is not a name made of letters, digits, _ and -")


def test_host_template_wins(notifier, smtp):
    write_local(conf_text(smtp.port))
    template = paths.resolve("/etc/ovirt-hosted-engine-ha/notifications") / f"{STATE}.txt"
    template.parent.mkdir(parents=True)
    template.write_text("From: {source-email}\nTo: {destination-emails}\nSubject: {detail} "
                        "on {hostname} via {smtp-server}\n\nbody {extra-key}\n")
    text = conf_text(smtp.port, extra="extra-key = from-email-section")
    write_local(text)
    assert notifier.notify(STATE, "EngineUp-EngineStop", {"hostname": "h1"}) == "sent"
    message = smtp.messages[0][2]
    assert message["Subject"] == "EngineUp-EngineStop on h1 via 127.0.0.1"
    assert message.get_payload().strip() == "body from-email-section"


def test_missing_template_is_ignored(notifier, smtp):
    write_local(conf_text(smtp.port) + "custom = .*\n")
    assert notifier.notify("custom", "anything", {}) == "ignored"
    assert smtp.messages == []


def test_missing_placeholder_is_ignored(notifier, smtp):
    write_local(conf_text(smtp.port))
    assert notifier.notify(STATE, "EngineUp-EngineStop", {}) == "ignored"   # no hostname
    assert smtp.messages == []


def test_refused_connection_is_ignored(notifier):
    write_local(conf_text(servers.free_port()))
    assert notifier.notify(STATE, "EngineUp-EngineStop", {"hostname": "h"}) == "ignored"


def test_bad_port_is_ignored(notifier):
    write_local(conf_text(0).replace("smtp-port = 0", "smtp-port = smtp"))
    assert notifier.notify(STATE, "EngineUp-EngineStop", {"hostname": "h"}) == "ignored"


def test_black_hole_smtp_bounded_by_smtp_timeout(notifier):
    with servers.BlackHole() as hole:
        write_local(conf_text(hole.port, timeout="0.3"))
        assert notifier.notify(STATE, "EngineUp-EngineStop", {"hostname": "h"}) == "ignored"
        assert hole.accepted.is_set()


def test_black_hole_smtp_bounded_by_the_mail_deadline(root, tmp_path):
    # smtp-timeout alone would wait an hour: the overall deadline answers first.
    notifier = Notifier(make_conf(tmp_path), vdsm=FakeVdsm(), deadline=0.3)
    with servers.BlackHole() as hole:
        write_local(conf_text(hole.port, timeout="3600"))
        assert notifier.notify(STATE, "EngineUp-EngineStop", {"hostname": "h"}) == "ignored"
        assert hole.accepted.is_set()


def test_black_hole_does_not_block_other_callers(root, tmp_path, smtp):
    hung = Notifier(make_conf(tmp_path), vdsm=FakeVdsm(), deadline=3600)
    working = Notifier(make_conf(tmp_path), vdsm=FakeVdsm(), deadline=10)
    with servers.BlackHole() as hole:
        write_local(conf_text(hole.port, timeout="3600"))
        results: list[str] = []
        caller = threading.Thread(target=lambda: results.append(
            hung.notify(STATE, "EngineUp-EngineStop", {"hostname": "h"})))
        caller.start()
        assert hole.accepted.wait(10)
        write_local(conf_text(smtp.port))
        assert working.notify(STATE, "EngineDown-EngineStart", {"hostname": "h"}) == "sent"
        assert results == []          # the first mail is still waiting on the black hole
        hole.close()                  # the server hangs up: the first mail fails
        caller.join(10)
    assert results == ["ignored"]


def test_packaged_broker_conf_when_host_has_none(notifier):
    # Packaged defaults: localhost:25, which nothing serves here.
    assert broker_conf.load().smtp()["smtp-server"] == "localhost"
    assert broker_conf.load().rule(STATE) == "maintenance|start|stop|up|down"
    assert notifier.notify(STATE, "ReinitializeFSM-UnknownLocalVmState", {}) == "ignored"


def make_archive(path: Path, members: dict[str, str], pad: int = 1 << 20) -> None:
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w") as tar:
        for name, text in members.items():
            data = text.encode()
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    path.parent.mkdir(parents=True, exist_ok=True)
    # A volume is larger than its archive: zeros follow.
    path.write_bytes(buffer.getvalue().ljust(pad, b"\0"))


def archive_members(broker: str) -> dict[str, str]:
    return {"version": "2.5.2", "fhanswers.conf": "[environment:default]\n",
            "hosted-engine.conf": "fqdn=engine\n", "broker.conf": broker, "vm.conf": "vmId=x\n"}


def test_conf_volume_under_run_replaces_local_file(root, tmp_path, smtp):
    local = write_local(conf_text(servers.free_port()))
    volume = paths.resolve(f"/run/vdsm/storage/{SD_UUID}/{IMG_UUID}/{VOL_UUID}")
    make_archive(volume, archive_members(conf_text(smtp.port)))
    vdsm = FakeVdsm()
    notifier = Notifier(make_conf(tmp_path, with_conf_volume="1"), vdsm=vdsm, deadline=10)
    assert notifier.notify(STATE, "EngineUp-EngineStop", {"hostname": "h"}) == "sent"
    assert local.read_text() == conf_text(smtp.port)
    assert vdsm.calls == []


def test_conf_volume_through_image_prepare(root, tmp_path, smtp):
    write_local(conf_text(servers.free_port()))
    volume = tmp_path / "storage" / SD_UUID / "images" / IMG_UUID / VOL_UUID
    make_archive(volume, archive_members(conf_text(smtp.port)))
    vdsm = FakeVdsm(Image_prepare={"path": str(volume)})
    notifier = Notifier(make_conf(tmp_path, with_conf_volume="1"), vdsm=vdsm, deadline=10)
    assert notifier.notify(STATE, "EngineUp-EngineStop", {"hostname": "h"}) == "sent"
    assert vdsm.calls == [("Image.prepare", {
        "storagepoolID": "00000000-0000-0000-0000-000000000000", "storagedomainID": SD_UUID,
        "imageID": IMG_UUID, "volumeID": VOL_UUID})]


def test_incomplete_archive_keeps_local_file(root, tmp_path, smtp, caplog):
    local = write_local(conf_text(smtp.port))
    volume = paths.resolve(f"/run/vdsm/storage/{SD_UUID}/{IMG_UUID}/{VOL_UUID}")
    members = archive_members(conf_text(servers.free_port()))
    del members["vm.conf"]
    make_archive(volume, members)
    notifier = Notifier(make_conf(tmp_path, with_conf_volume="1"), vdsm=FakeVdsm(), deadline=10)
    assert notifier.notify(STATE, "EngineUp-EngineStop", {"hostname": "h"}) == "sent"
    assert local.read_text() == conf_text(smtp.port)
    assert "lacks vm.conf" in caplog.text


def test_unavailable_volume_keeps_local_file(root, tmp_path, smtp, caplog):
    write_local(conf_text(smtp.port))
    vdsm = FakeVdsm()
    vdsm.fail("Image.prepare", code=254)
    notifier = Notifier(make_conf(tmp_path, with_conf_volume="1"), vdsm=vdsm, deadline=10)
    assert notifier.notify(STATE, "EngineUp-EngineStop", {"hostname": "h"}) == "sent"
    assert "cannot prepare the configuration volume" in caplog.text
