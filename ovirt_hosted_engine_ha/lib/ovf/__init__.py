"""The engine's OVF_STORE: where it is, what `<vmid>.ovf` says, as vm.conf.

    store.py      find the OVF_STORE volumes of a domain (vdsm verbs), read
                  a member of their tar archive over direct I/O
    document.py   parse an OVF document (defusedxml) into an `OvfVm`
    vm_params.py  an `OvfVm` as vm.conf text (spec/agent.md §6.4)
"""
