"""The package's error base and the configuration errors.

They live in env/ because the configuration readers raise them and env/
imports nothing from lib/; lib/exceptions re-exports every name, which is
where callers import them from. Each error carries its own message
template (`str(e)` is a sentence); `fault_code` is the XML-RPC fault code
the broker answers with for that cause.
"""

import enum


class FaultCode(enum.IntEnum):
    # 1 is what the stdlib dispatcher (and upstream) uses for unknown methods.
    UNSUPPORTED_METHOD = 1
    INVALID_ARGUMENT = 2
    UNKNOWN_MONITOR = 3
    STORAGE = 4
    STORAGE_TIMEOUT = 5
    LOCKSPACE = 6
    VDSM = 7
    NOTIFICATION = 8
    INTERNAL = 9


class Error(Exception):
    msg = "hosted-engine HA error"
    fault_code = FaultCode.INTERNAL

    def __str__(self) -> str:
        return self.msg.format(self=self)


class DetailError(Error):
    """An error whose message is given at construction."""

    msg = "{self.detail}"

    def __init__(self, detail: str) -> None:
        super().__init__(detail)
        self.detail = detail


# Configuration


class ConfigError(Error):
    msg = "{self.path}: {self.reason}"

    def __init__(self, path: object, reason: str) -> None:
        super().__init__(path, reason)
        self.path = path
        self.reason = reason


class MissingConfigKey(ConfigError):
    def __init__(self, path: object, key: str) -> None:
        super().__init__(path, f"missing required key {key!r}")
        self.key = key


class InvalidConfigValue(ConfigError):
    def __init__(self, path: object, key: str, value: object, expected: str) -> None:
        super().__init__(path, f"key {key!r} has invalid value {value!r}: expected {expected}")
        self.key = key
        self.value = value
