"""Errors of the package.

Each error carries its own message template and keeps its values as
attributes, so `str(e)` is a sentence a test can assert. Upstream's public
names (`RequestError`, `MetadataError`, ...) are kept as subclasses.

Broker errors also carry a `fault_code`: the XML-RPC fault code the server
answers with (one code per cause class, spec/reliability.md R1).
"""

from ..env.errors import (  # noqa: F401 - re-exported: callers import them from here
    ConfigError,
    DetailError,
    Error,
    FaultCode,
    InvalidConfigValue,
    MissingConfigKey,
)

# RPC arguments


class InvalidArgument(Error):
    msg = "invalid {self.name}: {self.reason}"
    fault_code = FaultCode.INVALID_ARGUMENT

    def __init__(self, name: str, reason: str) -> None:
        super().__init__(name, reason)
        self.name = name
        self.reason = reason


# Client side (upstream names)


class RequestError(DetailError):
    """A broker request failed (a Fault, or the broker could not be reached)."""

    def __init__(self, detail: str, fault_code: int | None = None) -> None:
        super().__init__(detail)
        self.code = fault_code


class BrokerConnectionError(RequestError):
    """The broker socket could not be reached."""


class MetadataError(DetailError):
    """A metadata slot could not be parsed."""


class FatalMetadataError(MetadataError):
    """A metadata slot was written by a newer, incompatible version."""


# Storage


class StorageError(DetailError):
    fault_code = FaultCode.STORAGE


class StorageTimeout(StorageError):
    fault_code = FaultCode.STORAGE_TIMEOUT


class DirectIONotSupported(StorageError):
    pass


class BackendFailureException(StorageError):
    pass


class DuplicateStorageConnectionException(StorageError):
    pass


# Lockspace


class LockspaceError(DetailError):
    fault_code = FaultCode.LOCKSPACE


class HostIdNotLockedError(LockspaceError):
    pass


class SanlockInitializationError(LockspaceError):
    pass


# vdsm


class VdsmError(DetailError):
    fault_code = FaultCode.VDSM


# Monitors and notifications


class UnknownMonitor(DetailError):
    fault_code = FaultCode.UNKNOWN_MONITOR


class NotificationError(DetailError):
    fault_code = FaultCode.NOTIFICATION


# Metadata codec (lib/metadata.py)


class MalformedMetadata(MetadataError):
    """One metadata slot cannot be parsed; only that slot is affected."""

    def __init__(self, slot: int, reason: str) -> None:
        super().__init__(f"metadata slot {slot} is malformed: {reason}")
        self.slot = slot
        self.reason = reason


class MetadataTooNew(FatalMetadataError):
    """A slot was written in a format newer than this code understands."""

    def __init__(self, slot: int, version: int, supported: int) -> None:
        super().__init__(
            f"metadata slot {slot} has parse version {version}, "
            f"newer than the supported version {supported}")
        self.slot = slot
        self.version = version
        self.supported = supported


class InvalidMetadataRecord(MetadataError):
    """A record cannot be encoded into a metadata slot."""

    def __init__(self, slot: int, reason: str) -> None:
        super().__init__(f"cannot encode metadata slot {slot}: {reason}")
        self.slot = slot
        self.reason = reason


# Client (client/)


class LockspaceResetRefused(DetailError):
    """A lockspace reset was refused because agents may still be using it."""


class SharedConfigError(DetailError):
    """A shared configuration key cannot be read or written."""
