"""A vdsm simulator: one process per lab host.

It serves the verbs ovirt-hosted-engine-ha calls (spec/vdsm.md §4) with
upstream's answer shapes, over the wire protocol of the vdsm stand-in
(`lab/vdsm_standin/vdsm/client.py`), from state kept in memory plus the
lab's storage directory. Test knobs live in the ``Lab`` namespace
(`verbs_lab`).

Modules: `server` (socket, connections), `dispatch` (verb table, faults),
`state` (everything a verb may touch), `knobs`, `domains`, `events`,
`monitoring` with `lockspaces` (domain monitors holding the host id in the
domain's sanlock lockspace), `vms` with `vm_record`, `standin_vm` (the
engine VM stand-in processes) and `migration`, and one `verbs_*` module per
vdsm namespace group.
"""
