"""The vdsm exceptions whose codes ovirt-hosted-engine-ha compares against."""


class VdsmException(Exception):
    code = 100
    message = "General Exception"


class NoSuchVM(VdsmException):
    code = 1
    message = "Virtual machine does not exist"


class VMExists(VdsmException):
    code = 4
    message = "Virtual machine already exists"
