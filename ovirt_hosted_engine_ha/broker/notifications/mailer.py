"""One mail over plain SMTP within a deadline (spec/monitors.md §4.7, reliability R23).

As upstream: no STARTTLS, no authentication; the rendered template is
parsed as an RFC 822 message and gets a `Date` header; the envelope sender
is `source-email`, the recipients `destination-emails` split at commas.
Each socket operation waits at most `smtp-timeout` seconds and never past
the mail's deadline, so a server that accepts and never answers costs at
most the deadline.
"""

import email.parser
import email.utils
import re
import smtplib
import threading
import time
from typing import Any

RECIPIENT_SEPARATOR = re.compile(r" *, *")


class DeadlineSMTP(smtplib.SMTP):
    """smtplib.SMTP whose every connect, send and reply wait ends by `deadline`."""

    def __init__(self, deadline: float, op_timeout: float) -> None:
        self._deadline = deadline
        self._op_timeout = op_timeout
        super().__init__(timeout=op_timeout)

    def _remaining(self) -> float:
        remaining = min(self._op_timeout, self._deadline - time.monotonic())
        if remaining <= 0:
            raise TimeoutError("SMTP: the mail's deadline passed")
        return remaining

    def connect(self, host: str = "localhost", port: int = 0,
                source_address: Any = None) -> tuple[int, bytes]:
        self.timeout = self._remaining()
        return super().connect(host, port, source_address)

    def send(self, s: Any) -> None:
        if self.sock is not None:
            self.sock.settimeout(self._remaining())
        super().send(s)

    def getreply(self) -> tuple[int, bytes]:
        if self.sock is not None:
            self.sock.settimeout(self._remaining())
        return super().getreply()


def recipients(destination: str) -> list[str]:
    return [r for r in RECIPIENT_SEPARATOR.split(destination.strip()) if r]


def build_message(text: str) -> str:
    message = email.parser.Parser().parsestr(text)
    message["Date"] = email.utils.formatdate(localtime=True)
    return message.as_string()


def send(settings: dict[str, str], text: str, deadline: float,
         abandoned: threading.Event | None = None) -> None:
    """Send the rendered template; raises OSError, SMTPException or ValueError on failure."""
    port = int(settings["smtp-port"])
    op_timeout = float(settings["smtp-timeout"])
    if op_timeout <= 0:
        raise ValueError(f"smtp-timeout must be positive, got {op_timeout}")
    message = build_message(text)
    smtp = DeadlineSMTP(deadline, op_timeout)
    try:
        smtp.connect(settings["smtp-server"], port)
        if abandoned is not None and abandoned.is_set():
            raise TimeoutError("the notification was abandoned before sending")
        smtp.sendmail(settings["source-email"], recipients(settings["destination-emails"]),
                      message)
        smtp.quit()
    finally:
        smtp.close()
