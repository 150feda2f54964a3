"""docs/operations.md lists every series the page serves, each with its type, and the alerting
rules in deploy/prometheus/rules.yml name only series that exist."""

from __future__ import annotations

import re

import yaml
from prometheus_client import REGISTRY

from apps.monitoring.collectors import SCRAPE_COLLECTORS
from tests.conftest import ROOT

SUFFIXES = {"counter": ("_total",), "histogram": ("_bucket", "_sum", "_count"), "gauge": ("",)}
# not ours: the blackbox exporter's probe of /readyz, and Prometheus's own scrape result
EXTERNAL = {"probe_success", "up"}


def registered() -> dict[str, str]:
    """Each series family of ours, by the name the page shows (counters with `_total`)."""
    families = [*REGISTRY.collect(), *(f for c in SCRAPE_COLLECTORS for f in c.describe())]
    return {
        family.name + ("_total" if family.type == "counter" else ""): family.type
        for family in families
        if family.name.startswith("spendgate_")
    }


def documented() -> dict[str, str]:
    text = (ROOT / "docs" / "operations.md").read_text()
    return dict(re.findall(r"^\| `(spendgate_\w+)` \| (counter|gauge|histogram) \|", text, re.M))


def test_every_series_is_documented_and_every_documented_series_exists() -> None:
    assert documented() == registered()


def test_the_alerting_rules_name_only_series_that_exist() -> None:
    rules = yaml.safe_load((ROOT / "deploy" / "prometheus" / "rules.yml").read_text())
    exprs = [rule["expr"] for group in rules["groups"] for rule in group["rules"]]
    assert len(exprs) >= 5
    exposed = {
        name.removesuffix("_total") + suffix if kind == "counter" else name + suffix
        for name, kind in registered().items()
        for suffix in SUFFIXES[kind]
    }
    for expr in exprs:
        named = set(re.findall(r"\bspendgate_\w+", expr))
        assert named or EXTERNAL & set(re.findall(r"\w+", expr)), expr
        assert named <= exposed, (expr, named - exposed)
    for group in rules["groups"]:
        for rule in group["rules"]:
            assert rule["alert"] and rule["labels"]["severity"] in {"page", "ticket"}
            assert rule["annotations"]["summary"]
