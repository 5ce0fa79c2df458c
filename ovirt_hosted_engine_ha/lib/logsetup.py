"""Logging for the daemons: stderr always (journald under systemd), plus
upstream's log files when the host has the logging configuration file.

A broken or missing configuration file is reported and the daemon carries
on with stderr only (upstream dies on some of these, spec D32).
"""

import logging
import logging.config
import os
import sys

from ..env import constants, paths

STDERR_FORMAT = "%(threadName)s %(levelname)s %(name)s: %(message)s"


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
    stderr.setFormatter(logging.Formatter(STDERR_FORMAT))
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
