"""Connection pooling that is safe with a schema per tenant (docs/scale.md).

With `DB_POOL_MAX_SIZE` above 0 each process (a gunicorn worker, a Celery worker) keeps a
psycopg pool: a request takes a connection and gives it back at its end, so a process holds at
most that many connections however many threads it runs. A connection given back still has
the last tenant's `search_path`; two things keep the next user from reading that tenant's rows:
- django-tenants forgets the schema it set when Django gives the connection back (`close()`),
  so the next checkout sets `search_path` again before its first query;
- the pool resets `search_path` to the server's default when it takes a connection back, so
  a checkout that somehow skipped setting it finds no tenant's tables at all (an error, never
  another tenant's rows).
tests/tenancy/test_pooled_connections.py interleaves two tenants on one pooled connection."""

from __future__ import annotations

from typing import Any


def forget_schema(connection: Any) -> None:
    """The pool's reset step: the connection goes back to the server's default search_path."""
    autocommit = connection.autocommit
    connection.autocommit = True
    try:
        connection.execute("RESET search_path")
    finally:
        connection.autocommit = autocommit


def pooled(database: dict[str, Any], max_size: int) -> dict[str, Any]:
    """The database settings with psycopg's pool of at most `max_size` connections per process
    (0: no pool, Django's own connection handling). Django keeps no connection of its own
    beside a pool, so CONN_MAX_AGE is 0."""
    if max_size <= 0:
        return database
    pool = {
        "min_size": min(2, max_size),
        "max_size": max_size,
        "timeout": 10,  # seconds a request waits for a free connection before it fails
        "reset": forget_schema,
    }
    return {**database, "CONN_MAX_AGE": 0, "OPTIONS": {**database["OPTIONS"], "pool": pool}}
