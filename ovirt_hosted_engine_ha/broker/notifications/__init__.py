"""Mails on agent state transitions (spec/monitors.md §4)."""

from .notifier import Notifier

__all__ = ["Notifier"]
