"""Pooled connections never mix tenants (docs/scale.md, config/database.py).

Two requests of two tenants take turns on ONE pooled connection (a pool of size 1), as two
threads of a process with a small pool do under load: each reads a table that exists in both
tenants' schemas under the same name, unqualified, so the rows it gets are the rows of the
schema its `search_path` names. A connection given back with the other tenant's search_path
must never answer for this one."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from typing import Any

import pytest
from django.contrib.postgres.signals import register_type_handlers
from django.db import connections
from django.db.backends.signals import connection_created

from config.database import forget_schema, pooled

ALIAS = "pooled-probe"
PROBE = "pool_probe"


def _settings() -> dict[str, Any]:
    default = connections["default"].settings_dict
    settings = pooled({**default, "OPTIONS": dict(default["OPTIONS"])}, 1)
    settings["OPTIONS"]["pool"]["min_size"] = 1
    return settings


def _wrappers(count: int) -> list[Any]:
    """`count` database wrappers (one per thread or request) sharing one pool of size 1."""
    settings = _settings()
    return [connections["default"].__class__(settings, alias=ALIAS) for _ in range(count)]


@pytest.fixture
def probes(tenant_a: Any, tenant_b: Any) -> Iterator[dict[str, Any]]:
    """A `pool_probe` table in each tenant's schema holding that tenant's slug (committed, so
    the pooled connections see it); dropped afterwards, and the pool closed."""
    # django.contrib.postgres looks a new connection's hstore types up by its alias, which
    # these test-made wrappers do not register; search_path is what is tested here
    connection_created.disconnect(register_type_handlers)
    (setup,) = _wrappers(1)
    tenants = {tenant_a.slug: tenant_a, tenant_b.slug: tenant_b}
    try:
        with setup.cursor() as cursor:
            for tenant in tenants.values():
                schema = tenant.schema_name
                cursor.execute(f'CREATE TABLE "{schema}".{PROBE} (slug text)')
                cursor.execute(f'INSERT INTO "{schema}".{PROBE} VALUES (%s)', [tenant.slug])
        setup.close()
        yield tenants
    finally:
        with setup.cursor() as cursor:
            for tenant in tenants.values():
                cursor.execute(f'DROP TABLE IF EXISTS "{tenant.schema_name}".{PROBE}')
        setup.close()
        setup.close_pool()
        type(setup)._connection_pools.pop(ALIAS, None)
        connection_created.connect(register_type_handlers)


def _read(wrapper: Any) -> str:
    with wrapper.cursor() as cursor:
        cursor.execute(f"SELECT slug FROM {PROBE}")
        (slug,) = cursor.fetchone()
    wrapper.close()  # the request ends: its connection goes back to the pool
    return str(slug)


def test_two_tenants_taking_turns_on_one_pooled_connection_read_their_own_rows(
    probes: dict[str, Any],
) -> None:
    a, b = probes.values()
    first, second = _wrappers(2)
    first.set_tenant(a)
    second.set_tenant(b)
    backends: set[int] = set()
    for _turn in range(3):
        for wrapper, tenant in ((first, a), (second, b)):
            # each request keeps its tenant; the connection it gets was last the other's
            assert _read(wrapper) == tenant.slug
            with wrapper.cursor() as cursor:
                cursor.execute("SELECT pg_backend_pid()")
                backends.add(cursor.fetchone()[0])
            wrapper.close()
    assert len(backends) == 1  # truly one connection, handed from tenant to tenant


def test_threads_of_two_tenants_on_a_small_pool_never_read_each_others_rows(
    probes: dict[str, Any],
) -> None:
    wrong: list[str] = []

    def serve(tenant: Any) -> None:
        (wrapper,) = _wrappers(1)
        wrapper.set_tenant(tenant)
        try:
            for _request in range(40):
                slug = _read(wrapper)
                if slug != tenant.slug:
                    wrong.append(f"{tenant.slug} read {slug}")
        finally:
            wrapper.close()

    threads = [threading.Thread(target=serve, args=(t,)) for t in probes.values() for _ in "xy"]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert wrong == []


def test_a_connection_given_back_forgets_its_tenant(probes: dict[str, Any]) -> None:
    """The pool's reset step: a checkout that skipped setting search_path would find no
    tenant's table (an error), never the last tenant's rows."""
    (wrapper,) = _wrappers(1)
    wrapper.set_tenant(next(iter(probes.values())))
    _read(wrapper)
    raw = wrapper.pool.getconn()
    try:
        assert raw.execute("SHOW search_path").fetchone()[0] == '"$user", public'
    finally:
        wrapper.pool.putconn(raw)


def test_the_pool_setting() -> None:
    plain = {"CONN_MAX_AGE": 60, "OPTIONS": {"application_name": "spendgate"}}
    assert pooled(plain, 0) is plain
    made = pooled(plain, 8)
    assert made["CONN_MAX_AGE"] == 0 and plain["CONN_MAX_AGE"] == 60
    assert made["OPTIONS"]["pool"]["max_size"] == 8
    assert made["OPTIONS"]["pool"]["reset"] is forget_schema
    assert made["OPTIONS"]["application_name"] == "spendgate"
