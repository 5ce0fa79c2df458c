"""Event subscriptions: connections that asked for a destination's notifications."""

import logging
import threading
from typing import Protocol

log = logging.getLogger(__name__)

EVENT_QUEUE = "jms.queue.events"  # vdsm's addresses.event_queue default


class Sink(Protocol):
    def send(self, message: dict) -> bool:
        """Send one message; False when the peer is gone."""


class Hub:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._subscribers: dict[Sink, set[str]] = {}

    def subscribe(self, sink: Sink, destination: str) -> None:
        with self._lock:
            self._subscribers.setdefault(sink, set()).add(destination)

    def unsubscribe(self, sink: Sink, destination: str) -> None:
        with self._lock:
            self._subscribers.get(sink, set()).discard(destination)

    def drop(self, sink: Sink) -> None:
        with self._lock:
            self._subscribers.pop(sink, None)

    def publish(self, method: str, params: object, destination: str = EVENT_QUEUE) -> None:
        with self._lock:
            sinks = [s for s, dests in self._subscribers.items() if destination in dests]
        message = {"method": method, "params": params, "destination": destination}
        for sink in sinks:
            if not sink.send(message):
                self.drop(sink)
        log.debug("Published %s to %d subscribers", method, len(sinks))
