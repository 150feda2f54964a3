"""Exception advice: how often the suggested resolution equals the one the person took, on a
time split (train on the older decided exceptions, test on the newest 20 %), beside a baseline
that suggests each code's most frequent resolution. Printed, never asserted.

Two histories, labelled apart:
  - the demo tenant's (seeded when missing): real flow through the services, but small;
  - a synthetic tenant history generated here (fixed seed): suppliers with their own habits,
    variance sizes and the resolutions AP tends to take for them, so the numbers mean something.
The people's variance authority at the time is not replayed: every resolution of the code is
taken as open to the reader."""

from __future__ import annotations

import random
import time
from collections import Counter
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

from ai.common import demo_tenant, percentile, rate

SPLIT = 0.8


def _allowed(code: str) -> list[str]:
    from apps.invoices.exception_codes import RESOLUTIONS

    return [r for r, (codes, _c) in RESOLUTIONS.items() if codes is None or code in codes]


def evaluate(cases: Sequence[Any], threshold: float) -> dict[str, Any]:
    """Cases oldest first: suggestion accuracy of the neighbours and of the baseline on the
    newest 20 %, trained on the older 80 %."""
    from apps.assistants.exceptions.history import HISTORY_LIMIT
    from apps.assistants.exceptions.neighbours import nearest, suggest

    cut = int(len(cases) * SPLIT)
    train, test = list(cases[:cut]), list(cases[cut:])
    by_code: dict[str, list[Any]] = {}
    for case in reversed(train):  # newest first, as decided_cases reads them
        by_code.setdefault(case.code, []).append(case)
    baseline = {
        code: Counter(c.resolution for c in history).most_common(1)[0][0]
        for code, history in by_code.items()
    }
    hits = suggested = base_hits = 0
    latencies = []
    for case in test:
        history = by_code.get(case.code, [])[:HISTORY_LIMIT]
        started = time.perf_counter()
        s = suggest(
            nearest(case, history),
            _allowed(case.code),
            history=len(history),
            threshold=threshold,
        )
        latencies.append((time.perf_counter() - started) * 1000)
        if s.resolution is not None:
            suggested += 1
            hits += s.resolution == case.resolution
        base_hits += baseline.get(case.code) == case.resolution
    return {
        "train": len(train),
        "test": len(test),
        "hits": hits,
        "suggested": suggested,
        "base_hits": base_hits,
        "p95_ms": percentile(latencies, 95),
    }


def _print(label: str, r: dict[str, Any]) -> None:
    print(f"   {label}: trained on {r['train']} decided exceptions, tested on {r['test']}")
    if not r["test"]:
        return
    print(f"     suggestion = the person's (of all tested) {rate(r['hits'], r['test'])}")
    print(f"     suggestion = the person's (when made)     {rate(r['hits'], r['suggested'])}")
    missed = rate(r["test"] - r["suggested"], r["test"])
    print(f"     no suggestion made                        {missed}")
    print(f"     baseline (most frequent per code)         {rate(r['base_hits'], r['test'])}")
    print(f"     suggestion p95                            {r['p95_ms']:.2f} ms")


# --------------------------------------------------------------------------- synthetic history
SUPPLIERS = 24
CATEGORIES = ["IT-HW", "OFF", "MKT", "SRV", "FAC"]


def synthetic(n: int, seed: int = 33) -> list[Any]:
    """`n` decided exceptions over two years, oldest first. Each supplier has a habit: small
    price creep AP accepts, announced increases accepted up to a point, over-deliveries
    credited, or sloppy invoicing rejected; a few decisions go against the habit (people
    differ), and larger variances are more often pushed back."""
    from apps.assistants.exceptions.history import Case

    rng = random.Random(seed)
    habits = ["creep", "increase", "over_delivery", "sloppy"]
    suppliers = [
        (f"S{i:02d}", rng.choice(habits), rng.choice(CATEGORIES), rng.uniform(50, 5000))
        for i in range(SUPPLIERS)
    ]
    start = datetime(2025, 1, 1, tzinfo=UTC)
    cases = []
    for i in range(n):
        supplier, habit, category, size = rng.choice(suppliers)
        code = (
            "quantity_variance"
            if habit == "over_delivery" and rng.random() < 0.7
            else ("price_variance")
        )
        percent = {
            "creep": rng.uniform(2, 5),
            "increase": rng.uniform(3, 12),
            "over_delivery": rng.uniform(5, 40),
            "sloppy": rng.uniform(2, 30),
        }[habit]
        amount = round(size * percent / 100 * rng.uniform(0.5, 1.5), 2)
        if code == "quantity_variance":
            resolution = "request_credit_note" if rng.random() < 0.8 else "accept_variance"
        elif habit == "creep":
            resolution = "accept_variance" if percent < 4.5 else "request_credit_note"
        elif habit == "increase":
            resolution = "accept_variance" if percent < 8 else "request_credit_note"
        elif habit == "sloppy":
            resolution = "reject_invoice" if percent > 10 else "request_credit_note"
        else:
            resolution = "request_credit_note"
        if rng.random() < 0.12:  # people differ
            resolution = rng.choice(["accept_variance", "request_credit_note", "reject_invoice"])
        at = start + timedelta(hours=i * 24 * 730 / n)
        cases.append(
            Case(
                id=i,
                code=code,
                supplier_id=supplier,
                supplier_name=supplier,
                category=category,
                currency="EUR",
                amount=amount,
                percent=percent,
                data={},
                created_at=at,
                resolution=resolution,
                decided_by=1,
                decided_at=at + timedelta(hours=rng.uniform(1, 48)),
            )
        )
    return cases


def _demo_cases() -> tuple[list[Any], float]:
    from apps.assistants.exceptions.history import decided_cases
    from apps.assistants.services import assistant_setting
    from apps.invoices.exception_codes import CODES
    from apps.tenancy.context import tenant_context

    with tenant_context(demo_tenant()):
        cases = [c for code in CODES for c in decided_cases(code)]
        threshold = float(assistant_setting("exception_advice")["threshold"])
    return sorted(cases, key=lambda c: (c.created_at, str(c.id))), threshold


def run(args: Any) -> None:
    cases, threshold = _demo_cases()
    print(f"   threshold {threshold:.2f} (the demo policy's), at least 3 similar cases")
    demo = evaluate(cases, threshold)
    _print("demo tenant (acme)", demo)
    if demo["test"] < 30:
        print(f"   the demo holds {len(cases)} decided exceptions: too few for a meaningful")
        print("   number; the synthetic history below is the measure.")
    size = 600 if args.quick else 4000
    _print(f"synthetic tenant history ({size} decided, seed 33)", evaluate(synthetic(size), 0.5))
