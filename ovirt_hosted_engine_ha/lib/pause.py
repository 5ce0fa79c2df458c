"""Waiting a while, the same way in every daemon.

`pause` waits on an event instead of calling `time.sleep`: under libfaketime
(the fault suite's wall-clock row) Python's `time.sleep` can fail with
EINVAL while timed waits on locks keep working, and a daemon must not die
because the wall clock moved.
"""

import threading


def pause(seconds: float) -> None:
    threading.Event().wait(max(0.0, seconds))
