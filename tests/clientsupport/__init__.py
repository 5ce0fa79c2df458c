"""Helpers for the client, CLI and metadata tests."""
