"""Constants shared by the broker, the agent and the client.

Values are upstream's (spec/broker.md §10); every absolute path here is a
path on a real host and must be resolved with `env.paths.resolve` so that the
lab can run several hosts on one machine.
"""

# Configuration files
ENGINE_SETUP_CONF_FILE = "/etc/ovirt-hosted-engine/hosted-engine.conf"
CACHED_ENGINE_SETUP_CONF_FILE = "/var/lib/ovirt-hosted-engine-ha/hosted-engine.conf"
NOTIFY_CONF_FILE = "/var/lib/ovirt-hosted-engine-ha/broker.conf"
HA_AGENT_CONF_FILE = "/var/lib/ovirt-hosted-engine-ha/ha.conf"
BROKER_LOG_CONF_FILE = "/etc/ovirt-hosted-engine-ha/broker-log.conf"
AGENT_LOG_CONF_FILE = "/etc/ovirt-hosted-engine-ha/agent-log.conf"
NOTIFY_TEMPLATES = "/etc/ovirt-hosted-engine-ha/notifications"
LOG_DIR = "/var/log/ovirt-hosted-engine-ha"
STATE_DIR = "/var/lib/ovirt-hosted-engine-ha"
RUN_DIR = "/var/run/ovirt-hosted-engine-ha"
LOCAL_VM_CONF_PATH = "/var/run/ovirt-hosted-engine-ha/vm.conf"

# Broker socket and lock file
BROKER_SOCKET_FILE = "/var/run/ovirt-hosted-engine-ha/broker.socket"
BROKER_LOCK_FILE = "/var/run/ovirt-hosted-engine-ha/broker.lock"

# Storage layout (vdsm)
SD_MOUNT_PARENT = "/rhev/data-center/mnt"
SD_RUN_DIR = "/run/vdsm/storage"
SD_METADATA_DIR = "ha_agent"
SD_GLUSTER_PREFIX = "glusterSD"
BLANK_UUID = "00000000-0000-0000-0000-000000000000"

MD_IMAGE = "hosted-engine.metadata"
LOCKSPACE_IMAGE = "hosted-engine.lockspace"
LOCKSPACE_NAME = b"hosted-engine"

DOMAIN_TYPE_NFS = "nfs"
DOMAIN_TYPE_NFS3 = "nfs3"
DOMAIN_TYPE_NFS4 = "nfs4"
DOMAIN_TYPE_GLUSTERFS = "glusterfs"
DOMAIN_TYPE_ISCSI = "iscsi"
DOMAIN_TYPE_FC = "fc"
DOMAIN_TYPES = (
    DOMAIN_TYPE_NFS, DOMAIN_TYPE_NFS3, DOMAIN_TYPE_NFS4,
    DOMAIN_TYPE_GLUSTERFS, DOMAIN_TYPE_ISCSI, DOMAIN_TYPE_FC,
)
STORAGE_TYPE_NFS = 1
STORAGE_TYPE_FC = 2
STORAGE_TYPE_ISCSI = 3
STORAGE_TYPE_GLUSTERFS = 7

# Metadata volume ("whiteboard")
HOST_SEGMENT_BYTES = 4096
METADATA_BLOCK_BYTES = 512
MAX_HOST_ID_SCAN = 2000
METADATA_FEATURE_VERSION = 1
METADATA_PARSE_VERSION = 1

# Timing
HOST_ALIVE_TIMEOUT_SECS = 60
STORAGE_DELAY = 10
LOOP_DELAY = 10
MAX_DOMAIN_MONITOR_WAIT_SECS = 240
VDSCLI_SSL_TIMEOUT = 900
VDSM_MAX_RETRY = 60
VDSM_DELAY = 1

# vdsm identity
VDSM_USER = "vdsm"
VDSM_GROUP = "kvm"

# Monitors (spec/monitors.md §5)
SUBMONITOR_INTERVAL = 10
MONITOR_STOP_TIMEOUT = 10
DOMAIN_MONITOR_POLL_SECS = 5
NETWORK_TIMEOUT = 5
NETWORK_COUNT = 5
NETWORK_DELAY = 0.5
CPU_LOAD_FIRST_SAMPLE_SECS = 10
CPU_LOAD_REPORT_SECS = 60
CPU_LOAD_INIT_GRACE_SECS = 300
ENGINE_HEALTH_URL = "http://{fqdn}/ovirt-engine/services/health"
ENGINE_HEALTH_TIMEOUT = 20
VDSM_EVENT_QUEUE = "jms.queue.events"
VDSM_NO_SUCH_VM = 1

# Notifications (spec/monitors.md §4)
CONF_ARCHIVE_MEMBERS = ("version", "fhanswers.conf", "hosted-engine.conf", "broker.conf", "vm.conf")
NOTIFY_BROKER_CONF_MEMBER = "broker.conf"
HE_CONF_MEMBER = "hosted-engine.conf"
NOTIFY_DEADLINE_SECS = 30
NOTIFY_WORKERS = 2

# Agent (spec/agent.md §8)
AGENT_CONF_FILE = "/etc/ovirt-hosted-engine-ha/agent.conf"
VDSM_CERT_FILE = "/etc/pki/vdsm/certs/vdsmcert.pem"
VM_CONF_MEMBER = "vm.conf"
