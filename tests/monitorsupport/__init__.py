"""Helpers for the monitor, domain-monitor and notification tests."""
