"""vdsm errors the simulator answers with: a code and vdsm's message."""

from typing import ClassVar


class VdsmError(Exception):
    """An error answer; `code` and `message` go on the wire.

    Subclasses fix the code and the message template; a failure injected
    with the Lab.setVerb knob passes both explicitly.
    """

    default_code: ClassVar[int] = 100
    template: ClassVar[str] = "General Exception: {detail}"

    def __init__(self, detail: object = "", *, code: int | None = None,
                 message: str | None = None) -> None:
        super().__init__(detail)
        self.code = self.default_code if code is None else code
        self.message = self.template.format(detail=detail) if message is None else message

    def __str__(self) -> str:
        return f"(code={self.code}, message={self.message})"


class NoSuchVM(VdsmError):
    default_code = 1
    template = "Virtual machine does not exist: {detail}"


class VMExists(VdsmError):
    default_code = 4
    template = "Virtual machine already exists: {detail}"


class RecoveryInProgress(VdsmError):
    default_code = 99
    template = "Recovering from crash or Initializing"


class VolumeDoesNotExist(VdsmError):
    default_code = 201
    template = "Volume does not exist: {detail}"


class StorageDomainDoesNotExist(VdsmError):
    default_code = 358
    template = "Storage domain does not exist: {detail}"


class MethodNotFound(VdsmError):
    default_code = -32601
    template = "The method does not exist or is not available: {detail}"


class InvalidParams(VdsmError):
    default_code = -32602
    template = "Invalid params: {detail}"


class InternalError(VdsmError):
    default_code = -32603
    template = "Internal JSON-RPC error: {detail}"
