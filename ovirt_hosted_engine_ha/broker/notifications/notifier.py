"""The `notify` verb: mail an event when broker.conf has a matching rule (spec/monitors.md §4).

`notify(event_type, detail, options)` answers "sent" when the SMTP server
took the mail and "ignored" when no rule matches, the template is missing
or cannot be filled, or the mail could not be delivered (logged). A broken
rule (an invalid regular expression) or an unparseable broker.conf raises
`NotificationError`.

Each mail has an overall deadline (`NOTIFY_DEADLINE_SECS`): the work runs
on a daemon thread (at most `NOTIFY_WORKERS` at once) and the caller gets
"ignored" when it is not done in time; a mail not yet handed to the server
by then is not sent later.
"""

import logging
import re
import smtplib
import threading
import time
from pathlib import Path

from ...env import config, constants, paths
from ...lib import exceptions
from ..submonitors.vdsm_access import LiveVdsm, VdsmAccess
from . import broker_conf, mailer

log = logging.getLogger(__name__)

SENT = "sent"
IGNORED = "ignored"
EVENT_TYPE_RE = re.compile(r"^[A-Za-z0-9_-]+$")


def template_text(event_type: str) -> str | None:
    """The host's template for `event_type`, else the packaged one, else None."""
    path = paths.resolve(constants.NOTIFY_TEMPLATES) / f"{event_type}.txt"
    try:
        return path.read_text("utf-8")
    except FileNotFoundError:
        return broker_conf.packaged_text(str(Path("notifications") / f"{event_type}.txt"))
    except (OSError, UnicodeDecodeError) as e:
        log.error("Cannot read notification template %s: %s", path, e)
        return None


class _Job:
    def __init__(self) -> None:
        self.done = threading.Event()
        self.abandoned = threading.Event()
        self.result: str = IGNORED
        self.error: BaseException | None = None


class Notifier:
    def __init__(self, conf: config.HostedEngineConf | None, vdsm: VdsmAccess | None = None,
                 deadline: float = constants.NOTIFY_DEADLINE_SECS,
                 workers: int = constants.NOTIFY_WORKERS) -> None:
        self._conf = conf
        self._vdsm = vdsm or LiveVdsm()
        self._deadline = deadline
        self._workers = workers
        self._slots = threading.BoundedSemaphore(workers)

    def notify(self, event_type: str, detail: str, options: dict[str, str | None]) -> str:
        if not EVENT_TYPE_RE.match(event_type):
            raise exceptions.InvalidArgument(
                "event_type", f"{event_type!r} is not a name made of letters, digits, _ and -")
        deadline = time.monotonic() + self._deadline
        if not self._slots.acquire(timeout=self._deadline):
            log.error("Notification %s %s ignored: %d mails already in progress",
                      event_type, detail, self._workers)
            return IGNORED
        job = _Job()
        thread = threading.Thread(target=self._run, args=(job, event_type, detail, options,
                                                          deadline), name="notify", daemon=True)
        thread.start()
        if not job.done.wait(max(0.0, deadline - time.monotonic())):
            job.abandoned.set()
            log.error("Notification %s %s ignored: not sent within %.0f s",
                      event_type, detail, self._deadline)
            return IGNORED
        if job.error is not None:
            raise job.error
        return job.result

    def _run(self, job: _Job, event_type: str, detail: str,
             options: dict[str, str | None], deadline: float) -> None:
        try:
            job.result = self._notify(event_type, detail, options, deadline, job.abandoned)
        except BaseException as e:
            job.error = e
        finally:
            self._slots.release()
            job.done.set()

    def _notify(self, event_type: str, detail: str, options: dict[str, str | None],
                deadline: float, abandoned: threading.Event) -> str:
        if self._conf is not None:
            broker_conf.refresh(self._conf, self._vdsm)
        notify_conf = broker_conf.load()
        rule = notify_conf.rule(event_type)
        if rule is None:
            log.debug("No notification rule for %s", event_type)
            return IGNORED
        try:
            pattern = re.compile(rule.lower())
        except re.error as e:
            raise exceptions.NotificationError(
                f"invalid regular expression {rule!r} for [notify] {event_type} "
                f"in {notify_conf.source}: {e}") from None
        if not pattern.search(detail.lower()):
            return IGNORED
        template = template_text(event_type)
        if template is None:
            log.error("Notification %s ignored: no template %s.txt", event_type, event_type)
            return IGNORED
        settings = notify_conf.smtp()
        values: dict[str, object] = {**options, "detail": detail}
        for key, value in settings.items():
            values.setdefault(key, value)
        try:
            text = template.format(**values)
        except (KeyError, IndexError, ValueError) as e:
            log.error("Notification %s ignored: template %s.txt: cannot fill %s",
                      event_type, event_type, e)
            return IGNORED
        try:
            mailer.send(settings, text, deadline, abandoned)
        except (OSError, smtplib.SMTPException, ValueError) as e:
            log.error("Notification %s %s not sent via %s:%s: %s", event_type, detail,
                      settings["smtp-server"], settings["smtp-port"], e)
            return IGNORED
        log.info("Notification %s %s sent to %s", event_type, detail,
                 settings["destination-emails"])
        return SENT
