"""Hosted-engine high availability: broker, agent and client library."""

PACKAGE_NAME = "ovirt-hosted-engine-ha"
PACKAGE_VERSION = "2.5.2"
