import logging
import shutil
from importlib import resources

import pytest

from ovirt_hosted_engine_ha.env import constants
from ovirt_hosted_engine_ha.lib import logsetup


@pytest.fixture
def clean_root_logger():
    root = logging.getLogger()
    saved = root.handlers[:], root.level
    yield
    for handler in root.handlers[:]:
        if handler not in saved[0]:
            handler.close()
            root.removeHandler(handler)
    root.setLevel(saved[1])


def test_upstream_log_file_under_root(tmp_path, monkeypatch, clean_root_logger):
    monkeypatch.setenv("OVIRT_HA_ROOT", str(tmp_path))
    conf = tmp_path / constants.BROKER_LOG_CONF_FILE.lstrip("/")
    conf.parent.mkdir(parents=True)
    with resources.as_file(resources.files("ovirt_hosted_engine_ha.env") / "broker-log.conf") as p:
        shutil.copy(p, conf)
    logsetup.setup(constants.BROKER_LOG_CONF_FILE)
    logging.getLogger("ovirt_hosted_engine_ha.test").info("hello file")
    for handler in logging.getLogger().handlers:
        handler.flush()
    log_file = tmp_path / "var/log/ovirt-hosted-engine-ha/broker.log"
    assert "::INFO::" in log_file.read_text() and "hello file" in log_file.read_text()


def test_broken_config_falls_back_to_stderr(tmp_path, monkeypatch, caplog, clean_root_logger):
    monkeypatch.setenv("OVIRT_HA_ROOT", str(tmp_path))
    conf = tmp_path / constants.BROKER_LOG_CONF_FILE.lstrip("/")
    conf.parent.mkdir(parents=True)
    conf.write_text("[loggers]\nkeys=root\n")  # no handlers section
    logsetup.setup(constants.BROKER_LOG_CONF_FILE)
    assert "logging to stderr only" in caplog.text


def test_stderr_to_a_file_gets_timestamps(tmp_path, monkeypatch):
    monkeypatch.delenv("JOURNAL_STREAM", raising=False)
    with open(tmp_path / "broker.stderr", "w") as f:
        assert not logsetup.stderr_is_journal(f)
        assert logsetup.stderr_format(f).startswith("%(asctime)s ")
        record = logging.LogRecord("x", logging.ERROR, __file__, 1, "boom", None, None)
        line = logging.Formatter(logsetup.stderr_format(f)).format(record)
        assert line[:4].isdigit() and line.endswith("ERROR x: boom")


def test_journal_stderr_keeps_its_own_stamps(tmp_path, monkeypatch):
    import os

    with open(tmp_path / "journal", "w") as f:
        st = os.fstat(f.fileno())
        monkeypatch.setenv("JOURNAL_STREAM", f"{st.st_dev}:{st.st_ino}")
        assert logsetup.stderr_is_journal(f)
        assert logsetup.stderr_format(f) == logsetup.STDERR_FORMAT
