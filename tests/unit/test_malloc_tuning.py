from ovirt_hosted_engine_ha.lib import malloc_tuning


def test_glibc_accepts_the_settings():
    assert malloc_tuning.limit_malloc_growth() is True
