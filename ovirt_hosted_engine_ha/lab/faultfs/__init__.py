"""faultfs: a FUSE passthrough over the lab's storage directory that injects faults.

Pieces: `rules` (the fault table), `passthrough` (the filesystem, over
mfusepy and libfuse3), `control` (the daemon's unix control socket),
`daemon` (the process), `mount` (start/stop from the lab), `api`
(`StorageFaults`, what `cluster.storage_faults` returns). The lab mounts
it over DIR/storage before any sanlock daemon, simulator or broker opens
a file there (`Cluster.up(..., faultfs=True)`, `ovirt-ha-lab up --faultfs`).
"""
