"""Helpers for tests/package: build the .deb, install it into scratch roots
with the real dpkg and maintainer scripts, run the installed daemons."""
