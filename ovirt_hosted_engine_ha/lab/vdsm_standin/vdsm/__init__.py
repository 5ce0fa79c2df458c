"""Stand-in for the `vdsm` package (lab only).

The lab puts the directory holding this package first on PYTHONPATH of the
processes it starts, so that `from vdsm import client` finds the stand-in,
which forwards every call to the host's vdsm simulator
(ovirt_hosted_engine_ha.lab.vdsm_sim). Only the names ovirt-hosted-engine-ha
imports exist (spec/vdsm.md §1.8).
"""
