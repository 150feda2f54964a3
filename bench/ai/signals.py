"""Anomaly signals on a synthetic history with planted anomalies: precision and recall of the
statistical amount check, the timing check and the supplier-behaviour score (IsolationForest),
each against the anomalies it is meant to catch. Printed, never asserted.

The history: suppliers invoicing at their own rhythm and amount level (lognormal noise), with
three kinds of planted anomaly among the latest invoices: an amount jump (x4 to x12), an invoice
far too early (1 to 3 days after the previous, on a 20 to 40 day rhythm), and a new supplier with
a fresh bank change billing a round amount at night."""

from __future__ import annotations

import argparse
import random
import time
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any


def _at(day: date, hour: int = 0) -> datetime:
    return datetime(day.year, day.month, day.day, hour, tzinfo=UTC)


def _history(rng: random.Random, suppliers: int) -> list[dict[str, Any]]:
    start = date(2025, 1, 1)
    rows: list[dict[str, Any]] = []
    for s in range(suppliers):
        level, every = rng.uniform(200, 5000), rng.randint(20, 40)
        onboarded = datetime(2023, 1, 1, tzinfo=UTC) + timedelta(days=rng.randint(0, 300))
        day = start + timedelta(days=rng.randint(0, every))
        while day < date(2026, 1, 1):
            total = Decimal(str(round(level * rng.lognormvariate(0, 0.12), 2)))
            rows.append(
                {
                    "supplier": s,
                    "day": day,
                    "total": total,
                    "kind": None,
                    "onboarded": onboarded,
                    "bank": None,
                    "hour": rng.randint(8, 17),
                }
            )
            day += timedelta(days=max(1, round(rng.gauss(every, 2))))
    rows.sort(key=lambda r: r["day"])
    for row in rows[-len(rows) // 5 :]:  # plant among the latest fifth
        roll = rng.random()
        if roll < 0.03:
            row["kind"] = "amount"
            row["total"] = (row["total"] * Decimal(rng.uniform(4, 12))).quantize(Decimal("0.01"))
        elif roll < 0.06:
            row["kind"] = "early"
        elif roll < 0.08:
            row["kind"] = "behaviour"
            row["onboarded"] = _at(row["day"]) - timedelta(days=4)
            row["bank"] = _at(row["day"]) - timedelta(days=2)
            row["total"] = Decimal(rng.choice([5000, 10000, 20000]))
            row["hour"] = rng.choice([1, 2, 3, 23])
    for row in rows:
        if row["kind"] == "early":  # moved to just after the supplier's previous invoice
            previous = max(
                (
                    r["day"]
                    for r in rows
                    if r["supplier"] == row["supplier"] and r["day"] < row["day"]
                ),
                default=None,
            )
            if previous is not None:
                row["day"] = previous + timedelta(days=rng.randint(1, 3))
    rows.sort(key=lambda r: r["day"])
    return rows


def _score(found: list[bool], truth: list[bool]) -> str:
    tp = sum(f and t for f, t in zip(found, truth, strict=True))
    fp = sum(f and not t for f, t in zip(found, truth, strict=True))
    fn = sum(t and not f for f, t in zip(found, truth, strict=True))
    precision = f"{tp / (tp + fp):.1%}" if tp + fp else "n/a"
    recall = f"{tp / (tp + fn):.1%}" if tp + fn else "n/a"
    return f"precision {precision}, recall {recall} (tp {tp}, fp {fp}, fn {fn})"


def run(args: argparse.Namespace) -> None:
    from apps.assistants.signals import model
    from apps.assistants.signals.features import facts_of
    from apps.invoices.services.checks import amount_outlier, early_interval

    rng = random.Random(33)
    rows = _history(rng, 15 if getattr(args, "quick", False) else 60)
    by_supplier: dict[int, list[dict[str, Any]]] = {}
    amount, early, facts = [], [], []
    for row in rows:
        before = by_supplier.setdefault(row["supplier"], [])
        clean = [r for r in before if r["kind"] in (None, "early")][-30:]  # approved history
        amount.append(
            amount_outlier(
                [float(r["total"]) for r in reversed(clean)],
                float(row["total"]),
                limit=2.0,
                needed=10,
            )
            is not None
        )
        dates = [r["day"] for r in reversed(before[-31:])]
        early.append(early_interval(dates, row["day"], share=0.25) is not None)
        arrived = _at(row["day"]).replace(hour=row["hour"])
        facts.append(
            facts_of(
                arrived=arrived,
                total=row["total"],
                onboarded=row["onboarded"],
                changes=[row["bank"]] if row["bank"] else [],
                previous_totals=[r["total"] for r in before[-30:]],
            )
        )
        before.append(row)
    split = len(rows) * 4 // 5
    started = time.perf_counter()
    bundle = model.fit([f.vector() for f in facts[:split]])
    trained = time.perf_counter() - started
    started = time.perf_counter()
    scores = [model.score(bundle, f).score for f in facts[split:]]
    per_invoice = (time.perf_counter() - started) / max(len(scores), 1) * 1000
    kinds = [r["kind"] for r in rows]
    print(
        f"  synthetic history: {len(rows)} invoices, {len(by_supplier)} suppliers; planted in "
        f"the latest fifth: {kinds.count('amount')} amount jumps, {kinds.count('early')} early, "
        f"{kinds.count('behaviour')} new supplier + bank change + round amount at night"
    )
    print("  amount (mean ± 2 sd, >= 10 approved):", _score(amount, [k == "amount" for k in kinds]))
    print("  timing (< 25 % of the median interval):", _score(early, [k == "early" for k in kinds]))
    test_kinds = kinds[split:]
    for threshold in (0.6, 0.65, 0.7):
        print(
            f"  behaviour score > {threshold} (trained on the first 80 %, scored on the rest):",
            _score([s > threshold for s in scores], [k == "behaviour" for k in test_kinds]),
        )
    print(
        f"  behaviour score, any planted anomaly > 0.7: "
        f"{_score([s > 0.7 for s in scores], [k is not None for k in test_kinds])}"
    )
    print(f"  training {trained:.2f} s on {split} invoices; scoring {per_invoice:.2f} ms/invoice")
