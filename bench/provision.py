"""Provisioning a client tenant: clone of the migrated template vs a full migration.

Prints the median of each, measured in this one run, and their ratio (machines are noisy;
compare the ratio, not the seconds). Creates schemas named bench_* and drops them again.

    make bench        # or: python bench/provision.py [--runs N]
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.local")

import django

django.setup()

from aims import aim  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.test.utils import override_settings  # noqa: E402

from apps.tenancy.models import Client  # noqa: E402


def provision(slug: str) -> float:
    started = time.perf_counter()
    Client(schema_name=slug, slug=slug, name=slug, portal_name=slug).save(verbosity=0)
    return time.perf_counter() - started


def drop(slug: str) -> None:
    Client.objects.filter(slug=slug).delete()
    with connection.cursor() as cursor:
        cursor.execute(f'DROP SCHEMA IF EXISTS "{slug}" CASCADE')


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=5)
    runs = parser.parse_args().runs
    call_command("migrate_schemas", verbosity=0)  # public, tenants and the template
    clone, migrate = [], []
    try:
        for i in range(runs):
            clone.append(provision(f"bench_clone_{i}"))
            with override_settings(TENANT_CREATION_FAKES_MIGRATIONS=False):
                migrate.append(provision(f"bench_migrate_{i}"))
    finally:
        for i in range(runs):
            drop(f"bench_clone_{i}")
            drop(f"bench_migrate_{i}")
    clone_median, migrate_median = statistics.median(clone), statistics.median(migrate)
    print(f"provision by clone:     median {clone_median * 1000:8.1f} ms over {runs} runs")
    print(f"provision by migration: median {migrate_median * 1000:8.1f} ms over {runs} runs")
    print(f"ratio migration/clone:  {migrate_median / clone_median:8.1f}x")
    aim("provision by clone, median", clone_median, 0.3, unit=" s")


if __name__ == "__main__":
    main()
