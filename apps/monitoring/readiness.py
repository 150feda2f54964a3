"""`/readyz`: can this installation do its work? Each check answers "" (ok) or a short reason
that names no secret, host or figure beyond a heartbeat's age."""

from __future__ import annotations

import time
from collections.abc import Callable
from functools import cache

import redis
from django.conf import settings
from django.db import DatabaseError, connection
from django.db.migrations.executor import MigrationExecutor

from apps.telemetry import heartbeats
from apps.tenancy.context import public_context

REDIS_TIMEOUT = 1.0


def database() -> str:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
    except DatabaseError:
        return "unreachable"
    return ""


@cache
def cache_redis() -> redis.Redis:
    return redis.Redis.from_url(
        settings.CACHES["default"]["LOCATION"],
        socket_timeout=REDIS_TIMEOUT,
        socket_connect_timeout=REDIS_TIMEOUT,
    )


def cache_server() -> str:
    try:
        cache_redis().ping()
    except redis.RedisError:
        return "unreachable"
    return ""


class MigrationCheck:
    """Whether migrations are pending on the public schema (tenants and the template are
    migrated by the same `migrate_schemas`); building the plan reads every migration file, so
    the answer is kept for a minute."""

    def __init__(self, keep_seconds: float = 60) -> None:
        self.keep_seconds = keep_seconds
        self.answered_at = 0.0
        self.answer = ""

    def clear(self) -> None:
        self.answered_at = 0.0

    def __call__(self) -> str:
        if time.monotonic() - self.answered_at < self.keep_seconds:
            return self.answer
        try:
            with public_context():
                executor = MigrationExecutor(connection)
                plan = executor.migration_plan(executor.loader.graph.leaf_nodes())
        except DatabaseError:
            return "unreachable"  # not kept: the database check says more
        self.answer = f"{len(plan)} pending" if plan else ""
        self.answered_at = time.monotonic()
        return self.answer


migrations = MigrationCheck()


def heartbeat_of(process: str) -> Callable[[], str]:
    def check() -> str:
        try:
            age = heartbeats.age(process)
        except redis.RedisError:
            return "broker unreachable"
        if age is None:
            return "no heartbeat"
        if age > heartbeats.stale_after():
            return f"last heartbeat {int(age)} s ago"
        return ""

    return check


CHECKS: dict[str, Callable[[], str]] = {
    "database": database,
    "cache": cache_server,
    "migrations": migrations,
    "worker": heartbeat_of("worker"),
    "beat": heartbeat_of("beat"),
}


def readiness() -> tuple[bool, dict[str, dict[str, str]]]:
    """(all ok, {check: {"status": "ok"} or {"status": "failing", "reason": …}})."""
    answers = {name: check() for name, check in CHECKS.items()}
    report = {
        name: {"status": "failing", "reason": reason} if reason else {"status": "ok"}
        for name, reason in answers.items()
    }
    return not any(answers.values()), report
