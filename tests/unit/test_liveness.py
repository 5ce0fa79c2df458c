from ovirt_hosted_engine_ha.broker.liveness import Liveness


class Clock:
    def __init__(self):
        self.now = 1000.0

    def __call__(self):
        return self.now


def test_fresh_broker_reports_no_host():
    assert Liveness(clock=Clock()).alive() == []


def test_pushed_list_served_for_60_seconds():
    clock = Clock()
    live = Liveness(clock=clock)
    live.push([1, 2, 3])
    clock.now += 60
    assert live.alive() == [1, 2, 3]
    clock.now += 0.5
    assert live.alive() == []


def test_timeout_from_environment(monkeypatch):
    monkeypatch.setenv("OVIRT_HA_HOST_ALIVE_TIMEOUT", "2")
    clock = Clock()
    live = Liveness(clock=clock)
    live.push([1])
    clock.now += 2.5
    assert live.alive() == []
