"""Logging for the daemons: stderr always (journald under systemd), plus
upstream's log files when the host has the logging configuration file.

Every line written to a file carries a timestamp: stderr lines get one
unless stderr is the journal (systemd sets JOURNAL_STREAM to its device
and inode), which stamps lines itself; the lab and a shell redirect
stderr to files.

A broken or missing configuration file is reported and the daemon carries
on with stderr only (upstream dies on some of these, spec D32).
"""

import logging
import logging.config
import os
import sys
from typing import TextIO

from ..env import constants, paths

STDERR_FORMAT = "%(threadName)s %(levelname)s %(name)s: %(message)s"
FILE_FORMAT = "%(asctime)s " + STDERR_FORMAT


def stderr_is_journal(stream: TextIO | None = None) -> bool:
    """Whether `stream` (stderr) is the journal's stream, as JOURNAL_STREAM says."""
    expected = os.environ.get("JOURNAL_STREAM", "")
    try:
        fd = (stream or sys.stderr).fileno()
        st = os.fstat(fd)
    except (AttributeError, OSError, ValueError):
        return False
    return expected == f"{st.st_dev}:{st.st_ino}"


def stderr_format(stream: TextIO | None = None) -> str:
    return STDERR_FORMAT if stderr_is_journal(stream) else FILE_FORMAT


def setup(conf_file: str, level: int | None = None) -> None:
    root = logging.getLogger()
    conf_path = paths.resolve(conf_file)
    problem = None
    if conf_path.exists():
        logdir = paths.resolve(constants.LOG_DIR)
        try:
            os.makedirs(logdir, exist_ok=True)
            logging.config.fileConfig(conf_path, defaults={"logdir": str(logdir)},
                                      disable_existing_loggers=False)
        except Exception as e:
            problem = f"cannot use logging configuration {conf_path}: {e}"
    stderr = logging.StreamHandler(sys.stderr)
    stderr.setFormatter(logging.Formatter(stderr_format(sys.stderr)))
    root.addHandler(stderr)
    env_level = os.environ.get("OVIRT_HA_LOG_LEVEL")
    if level is not None:
        root.setLevel(level)
    elif env_level:
        root.setLevel(env_level.upper())
    elif root.level == logging.WARNING:
        root.setLevel(logging.INFO)
    if problem:
        logging.getLogger(__name__).warning("%s; logging to stderr only", problem)
