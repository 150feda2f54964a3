"""What the AI quality sections share: the demo tenant (seeded when missing), percentiles
and a line printer."""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any


def demo_tenant(slug: str = "acme") -> Any:
    """The demo tenant `slug`, seeding the demo first when it is not there."""
    from django.core.management import call_command

    from apps.tenancy.models import Client

    if not Client.objects.filter(slug=slug).exists():
        call_command("seed_demo")
    return Client.objects.get(slug=slug)


def percentile(values: Sequence[float], q: float) -> float:
    """The q-th percentile (0..100) as the other benchmarks take it (bench/submit.py); nan
    for no values."""
    from submit import percentile as share_percentile

    return share_percentile(list(values), q / 100) if values else math.nan


def rate(hits: int, total: int) -> str:
    return f"{hits}/{total} = {hits / total:.1%}" if total else "n/a (nothing to measure)"
