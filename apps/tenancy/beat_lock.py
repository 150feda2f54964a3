"""One beat per deployment, however many are started (docs/scale.md, "Queues and processes").

Beat sends every periodic task to every tenant; two beats would send each twice. A beat leads
only while it holds a PostgreSQL session-level advisory lock, on a connection of its own kept
open for as long as it leads; a second beat finds the lock taken and stands by, trying again
each few seconds. When the leader stops (or its connection is lost), PostgreSQL lets the lock
go and a standing-by beat takes over. Per database and per region: each region's deployment
has its own beat (docs/residency.md)."""

from __future__ import annotations

from contextlib import suppress
from typing import Any

import psycopg
import structlog
from django.conf import settings
from django.db import connections

log = structlog.get_logger("spendgate.beat")


def lock_name() -> str:
    return f"spendgate:beat:{settings.SPENDGATE_REGION}"


class BeatLock:
    """The lock that makes a beat the leader, held on a connection of beat's own."""

    def __init__(self, name: str | None = None) -> None:
        self.name = name or lock_name()
        self.connection: psycopg.Connection[Any] | None = None

    def held(self) -> bool:
        """Whether this beat leads now: it still holds the lock, or it has just taken it."""
        if self.connection is not None:
            try:
                self.connection.execute("SELECT 1")
                return True
            except psycopg.Error:  # the connection is gone, and the lock with it
                log.warning("beat_lock_lost", lock=self.name)
                self.release()
        try:
            params = connections["default"].get_connection_params()
            params.pop("cursor_factory", None)
            connection = psycopg.connect(**params, autocommit=True)
        except psycopg.Error:
            return False  # the database is away: no beat leads until it is back
        found = connection.execute(
            "SELECT pg_try_advisory_lock(hashtext(%s))", [self.name]
        ).fetchone()
        if found and found[0]:
            self.connection = connection
            log.info("beat_leading", lock=self.name)
            return True
        connection.close()
        return False

    def release(self) -> None:
        connection, self.connection = self.connection, None
        if connection is not None:
            with suppress(psycopg.Error):
                connection.close()  # closing the session lets the lock go
