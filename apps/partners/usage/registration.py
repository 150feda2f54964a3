"""What usage and plans hands to the machinery, called from PartnersConfig.ready()."""

from __future__ import annotations


def register() -> None:
    from .tasks import measure_tenant_storage

    # imported so that a worker knows the hourly storage measurement (autodiscovery reads only
    # the app's own tasks module)
    assert measure_tenant_storage.name.endswith("measure_tenant_storage")
