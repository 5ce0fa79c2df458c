from setuptools import find_packages, setup

setup(
    name="ovirt-hosted-engine-ha",
    version="2.5.2",
    description="Stateless hosted-engine high availability broker, agent and client",
    python_requires=">=3.11",
    packages=find_packages(include=["ovirt_hosted_engine_ha", "ovirt_hosted_engine_ha.*"]),
    package_data={
        "ovirt_hosted_engine_ha": [
            "env/*.conf",
            "env/notifications/*.txt",
            "lab/vdsm_standin/vdsm/*.py",
            "lab/vdsm_standin/vdsm/*/*.py",
        ],
    },
    install_requires=["defusedxml"],  # Debian: python3-defusedxml
    extras_require={
        # the lab's storage fault injection (lab/faultfs) over Debian's libfuse3
        "lab": ["mfusepy>=3.1,<4"],
        "test": [
            "pytest>=7",
            "pytest-timeout",
            "pytest-xdist",
            "hypothesis",
            "aiosmtpd",
            "ruff",
            "mypy",
        ],
    },
    entry_points={
        "console_scripts": [
            "ovirt-ha-broker = ovirt_hosted_engine_ha.broker.daemon:main",
            "ovirt-ha-agent = ovirt_hosted_engine_ha.agent.daemon:main",
            "ovirt-ha-client = ovirt_hosted_engine_ha.client.cli:main",
            "ovirt-ha-lab = ovirt_hosted_engine_ha.lab.cli:main",
        ],
    },
)
