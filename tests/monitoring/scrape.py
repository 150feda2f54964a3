"""Reading `/metrics` as Prometheus does."""

from __future__ import annotations

from typing import Any

from django.test import Client
from prometheus_client.parser import text_string_to_metric_families


def scrape(
    host: str = "a.localhost", **extra: Any
) -> dict[tuple[str, frozenset[tuple[str, str]]], float]:
    """Every sample of the page from loopback, keyed by (sample name, labels)."""
    response = Client(REMOTE_ADDR="127.0.0.1").get("/metrics", HTTP_HOST=host, **extra)
    assert response.status_code == 200, response.content
    return {
        (sample.name, frozenset(sample.labels.items())): sample.value
        for family in text_string_to_metric_families(response.content.decode())
        for sample in family.samples
    }


def value(samples: dict[Any, float], name: str, **labels: str) -> float:
    return samples.get((name, frozenset(labels.items())), 0.0)
