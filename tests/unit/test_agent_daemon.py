"""The agent process: a broker that is down, readiness, signals, configuration errors."""

import logging
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest

from ovirt_hosted_engine_ha.agent import config, daemon
from ovirt_hosted_engine_ha.agent.clock import ScaledClock
from ovirt_hosted_engine_ha.agent.host_env import HostEnv
from ovirt_hosted_engine_ha.agent.loop import Agent
from ovirt_hosted_engine_ha.env import config as env_config
from ovirt_hosted_engine_ha.env import constants, paths
from ovirt_hosted_engine_ha.lab import conffiles, standin
from ovirt_hosted_engine_ha.lab.record import LabIds
from ovirt_hosted_engine_ha.lib import exceptions
from ovirt_hosted_engine_ha.lib.brokerlink import BrokerLink

IDS = LabIds()


@pytest.fixture
def root(monkeypatch):
    """A configured host root whose broker socket does not exist (short: a socket path)."""
    root = Path(tempfile.mkdtemp(prefix="ag", dir="/tmp"))
    monkeypatch.setenv(paths.ROOT_ENV, str(root))
    conf = paths.resolve(constants.ENGINE_SETUP_CONF_FILE)
    conf.parent.mkdir(parents=True)
    conf.write_text(conffiles.hosted_engine_conf(IDS, 2))
    yield root
    shutil.rmtree(root, ignore_errors=True)


def no_vdsm(*args, **kwargs):
    raise exceptions.VdsmError("vdsm is not there")


def broker_less_agent() -> Agent:
    conf = env_config.load_hosted_engine_conf()
    agent_conf = config.from_conf(conf, name="host2")
    link = BrokerLink(socket_path=paths.resolve(constants.BROKER_SOCKET_FILE))
    env = HostEnv(conf, link, ScaledClock(1000), agent_conf.vm_uuid, call=no_vdsm,
                  ping=lambda: None, sleep=lambda s: None)
    return Agent(env, agent_conf)


def test_a_down_broker_is_counted_logged_once_and_retried(root, caplog):
    agent = broker_less_agent()
    with caplog.at_level(logging.WARNING, "ovirt_hosted_engine_ha.agent"):
        delays = [agent.step() for _ in range(3)]
    assert delays == [10, 10, 10]
    assert agent.state.name == "StartState"
    assert agent.failures.counts["broker"] >= 3
    sock = paths.resolve(constants.BROKER_SOCKET_FILE)
    assert [r.getMessage() for r in caplog.records] == [
        f"broker failed: cannot reach the broker at {sock}: No such file or directory"]


def test_run_keeps_going_until_asked_to_stop(root):
    agent = broker_less_agent()
    stopper = daemon.Stopper()
    sent: list[tuple[str, ...]] = []
    steps = 0
    step = agent.step

    def counted_step() -> float:
        nonlocal steps
        steps += 1
        if steps == 3:
            stopper.request()
        return step()

    agent.step = counted_step  # type: ignore[method-assign]
    try:
        daemon.run(agent, ScaledClock(1000), stopper, notify=lambda *a: sent.append(a))
    finally:
        stopper.close()
    assert steps == 3
    assert sent == [("READY=1", "STATUS=monitoring"), ("STOPPING=1",)]


def test_not_configured(root, monkeypatch, caplog):
    monkeypatch.setattr(daemon.logsetup, "setup", lambda *a, **k: None)
    conf = paths.resolve(constants.ENGINE_SETUP_CONF_FILE)
    conf.write_text(conffiles.hosted_engine_conf(IDS, 2).replace("host_id=2\n", ""))
    with caplog.at_level(logging.ERROR):
        assert daemon.main([]) == 1
    assert "this host is not configured for hosted engine" in caplog.text


def test_cleanup_statuses_follow_upstream(root, monkeypatch, caplog):
    """--cleanup: a broker that is not running is upstream's -2 (254); a host that is
    not configured, -1 (255)."""
    monkeypatch.setattr(daemon.logsetup, "setup", lambda *a, **k: None)
    with caplog.at_level(logging.ERROR):
        assert daemon.main(["--cleanup"]) == 254   # the root has no broker socket
    assert "not cleaned: the broker is not running" in caplog.text
    conf = paths.resolve(constants.ENGINE_SETUP_CONF_FILE)
    conf.write_text(conffiles.hosted_engine_conf(IDS, 2).replace("host_id=2\n", ""))
    assert daemon.main(["--cleanup"]) == 255


def test_from_conf():
    conf_path = Path("/nonexistent/hosted-engine.conf")
    values = {"host_id": "3", "vmid": IDS.vm_id, "sdUUID": IDS.sd_uuid, "gateway": "192.0.2.1",
              "spUUID": constants.BLANK_UUID, "bridge": "ovirtmgmt"}
    conf = env_config.HostedEngineConf(
        path=conf_path, sd_uuid=IDS.sd_uuid, sp_uuid=constants.BLANK_UUID, domain_type="nfs",
        metadata=env_config.VolumeRef(IDS.metadata_image, IDS.metadata_volume),
        lockspace=env_config.VolumeRef(IDS.lockspace_image, IDS.lockspace_volume),
        host_id=3, values=values)
    cfg = config.from_conf(conf, name="h3")
    assert (cfg.host_id, cfg.vm_uuid, cfg.hostname, cfg.conf_on_shared_storage) == \
        (3, IDS.vm_id, "h3", True)
    assert cfg.monitors[0].options["addr"] == "192.0.2.1"
    assert config.from_conf(conf, name="h3", host_id=7).host_id == 7
    not_shared = conf.__class__(**{**conf.__dict__, "values": {**values, "spUUID": IDS.sd_uuid}})
    assert not config.from_conf(not_shared, name="h3").conf_on_shared_storage
    off = conf.__class__(**{**conf.__dict__, "values": {**values, "configured": "False"}})
    with pytest.raises(config.NotConfigured):
        config.from_conf(off, name="h3")


def test_hostname_from_the_vdsm_certificate(tmp_path, monkeypatch):
    monkeypatch.setenv(paths.ROOT_ENV, str(tmp_path))
    cert = paths.resolve(constants.VDSM_CERT_FILE)
    cert.parent.mkdir(parents=True)
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
                    "-subj", "/O=lab/CN=host7.example.com", "-keyout", str(tmp_path / "key"),
                    "-out", str(cert)], check=True, capture_output=True)
    assert config.hostname() == "host7.example.com"
    cert.unlink()
    assert config.hostname() == socket.gethostname()


def test_time_scale(monkeypatch):
    monkeypatch.delenv(daemon.constants.TIME_SCALE_ENV, raising=False)
    assert daemon.time_scale() == 1.0
    monkeypatch.setenv(daemon.constants.TIME_SCALE_ENV, "5")
    assert daemon.time_scale() == 5.0
    monkeypatch.setenv(daemon.constants.TIME_SCALE_ENV, "0.5")
    assert daemon.time_scale() == 1.0


def test_process_with_a_down_broker_stays_up_and_stops_on_sigterm(root):
    notify = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    notify_path = str(root / "notify")
    notify.bind(notify_path)
    notify.settimeout(20)
    env = dict(os.environ, OVIRT_HA_ROOT=str(root), NOTIFY_SOCKET=notify_path,
               PYTHONPATH=standin.pythonpath(str(Path(__file__).resolve().parents[2])))
    proc = subprocess.Popen([sys.executable, "-m", "ovirt_hosted_engine_ha.agent"], env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        assert notify.recv(4096) == b"READY=1\nSTATUS=monitoring"
        time.sleep(0.2)
        assert proc.poll() is None
        proc.send_signal(signal.SIGTERM)
        assert notify.recv(4096) == b"STOPPING=1"
        out, _ = proc.communicate(timeout=20)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        notify.close()
    assert proc.returncode == 0
    assert "broker failed: cannot reach the broker" in out
    assert out.count("broker failed") == 1
    assert "Agent stopped" in out


def test_watchdog_keep_alives_from_the_loop(root):
    agent = broker_less_agent()
    stopper = daemon.Stopper()
    sent: list[tuple[str, ...]] = []
    step = agent.step

    def counted_step() -> float:
        if len(sent) > 3:
            stopper.request()
        return step()

    agent.step = counted_step  # type: ignore[method-assign]
    try:
        daemon.run(agent, ScaledClock(1000), stopper, notify=lambda *a: sent.append(a),
                   watchdog=0.002)
    finally:
        stopper.close()
    assert sent[0] == ("READY=1", "STATUS=monitoring")
    assert sent[-1] == ("STOPPING=1",)
    assert set(sent[1:-1]) == {("WATCHDOG=1",)}
