"""vdsm's configuration, reduced to the option ovirt-hosted-engine-ha reads."""

_DEFAULTS = {
    ("addresses", "event_queue"): "jms.queue.events",
    ("addresses", "management_port"): "54321",
}


class _Config:
    def get(self, section: str, option: str) -> str:
        try:
            return _DEFAULTS[(section, option)]
        except KeyError:
            raise KeyError(f"vdsm stand-in has no option {section}.{option}") from None


config = _Config()
