"""Spend coding (docs/ai/spend_coding.md): top-1 accuracy of the spend category and the cost
center beside a majority-class baseline, on

  (a) a time split of the demo tenant's history (trained on the older 80 % by created date
      plus the cold start, tested on the newest 20 %);
  (b) the labelled set data/ai/requisitions.jsonl (313 requisitions written in English,
      German, French and Spanish): trained on the demo tenant's whole history plus the cold
      start (what the demo serves), and, apart, 5-fold cross-validated on the set itself;

then the suggestion's latency through the endpoint's service (p50/p95 over 200 calls) and the
training time on 100,000 synthetic requisitions. Printed, never asserted."""

from __future__ import annotations

import json
import random
import time
from collections import Counter
from pathlib import Path
from typing import Any

from ai.common import demo_tenant, percentile, rate

LABELLED = Path(__file__).resolve().parents[2] / "data" / "ai" / "requisitions.jsonl"


def _labelled() -> list[dict[str, Any]]:
    return [json.loads(line) for line in LABELLED.read_text(encoding="utf-8").splitlines() if line]


def _text(row: dict[str, Any]) -> str:
    from apps.assistants.spend.model import requisition_text

    return requisition_text(
        row["title"], row.get("justification", ""), [line["description"] for line in row["lines"]]
    )


def _majority(train: list[str], test: list[str]) -> str:
    if not train:
        return "n/a"
    common = Counter(train).most_common(1)[0][0]
    return rate(sum(1 for t in test if t == common), len(test))


def _score(model: Any, rows: list[dict[str, Any]], texts: list[str]) -> dict[str, int]:
    """Hits of the category and of the cost center as the service gives them."""
    from apps.assistants.spend.suggest import cost_center_for

    hits = {"category": 0, "cost_center": 0}
    for row, text in zip(rows, texts, strict=True):
        predicted = model.predict(text, ("spend_category", "cost_center"))
        category = predicted["spend_category"]
        center, _basis = cost_center_for(
            model, row.get("requester_id"), category, predicted["cost_center"]
        )
        hits["category"] += category is not None and category.label == row["spend_category"]
        hits["cost_center"] += center is not None and center["code"] == row["cost_center"]
    return hits


def _history_as_rows(history: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [
        {
            "title": r["title"],
            "justification": r["justification"],
            "lines": [{"description": d} for d in r["lines"]],
            "spend_category": r["spend_category__code"],
            "cost_center": r["cost_center__code"],
            "requester_id": r["requester_id"],
        }
        for r in history
    ]


def _time_split(history: list[dict[str, Any]]) -> None:
    from apps.assistants.spend.training import model_build

    cut = int(len(history) * 0.8)
    train, test = history[:cut], _history_as_rows(history[cut:])
    print(f"   (a) time split of the demo history: {len(train)} older to train, {len(test)} newer")
    if not test:
        print("       nothing to test")
        return
    model = model_build(train)
    hits = _score(model, test, [_text(r) for r in test])
    train_rows = _history_as_rows(train)
    for field, key in (("category", "spend_category"), ("cost_center", "cost_center")):
        print(
            f"       {field:<12} model {rate(hits[field], len(test)):<22} majority "
            f"{_majority([r[key] for r in train_rows], [r[key] for r in test])}"
        )
    print(f"       model: {model.kind} ({model.samples} requisitions of history)")


def _labelled_set(history: list[dict[str, Any]]) -> None:
    from apps.assistants.spend.training import model_build

    rows = _labelled()
    texts = [_text(r) for r in rows]
    model = model_build(history)
    hits = _score(model, rows, texts)
    print(
        f"   (b) labelled set ({len(rows)}: "
        + ", ".join(f"{k} {v}" for k, v in sorted(Counter(r["lang"] for r in rows).items()))
        + f"), trained on the demo history ({len(history)}) + cold start [{model.kind}]"
    )
    hist = _history_as_rows(history)
    for field, key in (("category", "spend_category"), ("cost_center", "cost_center")):
        print(
            f"       {field:<12} model {rate(hits[field], len(rows)):<22} majority of history "
            f"{_majority([r[key] for r in hist], [r[key] for r in rows])}"
        )
    categories = model.predict_many(texts, "spend_category")
    for lang in ("en", "de", "fr", "es"):
        picked = [i for i, r in enumerate(rows) if r["lang"] == lang]
        ok = sum(categories[i] == rows[i]["spend_category"] for i in picked)
        print(f"       category, {lang}: {rate(ok, len(picked))}")
    _cross_validated(rows, texts)


def _cross_validated(rows: list[dict[str, Any]], texts: list[str]) -> None:
    """Trained on the labelled set itself (no cold start, no demo history), 5 folds: how well
    the method learns a tenant's own coding once it has this much history."""
    from apps.assistants.spend.model import SpendModel

    order = list(range(len(rows)))
    random.Random(0).shuffle(order)
    folds = [order[i::5] for i in range(5)]
    hits = {"spend_category": 0, "cost_center": 0}
    majority = {"spend_category": 0, "cost_center": 0}
    for fold in folds:
        held = set(fold)
        train = [i for i in order if i not in held]
        labels = {k: [rows[i][k] for i in train] for k in hits}
        model = SpendModel(kind="tenant", samples=len(train)).fit([texts[i] for i in train], labels)
        for key in hits:
            predicted = model.predict_many([texts[i] for i in fold], key)
            hits[key] += sum(p == rows[i][key] for p, i in zip(predicted, fold, strict=True))
            common = Counter(labels[key]).most_common(1)[0][0]
            majority[key] += sum(rows[i][key] == common for i in fold)
    print("       cross-validated on the labelled set itself (5 folds, text only):")
    for field, key in (("category", "spend_category"), ("cost_center", "cost_center")):
        print(
            f"       {field:<12} model {rate(hits[key], len(rows)):<22} majority "
            f"{rate(majority[key], len(rows))}"
        )


def _latency(tenant: Any, calls: int) -> None:
    from apps.accounts.models import User
    from apps.assistants.models import Advice
    from apps.assistants.spend.services import spend_suggest

    rows = _labelled()
    requester = User.objects.get(email=f"requester@{tenant.slug}.example")
    spend_suggest(viewer=requester, title="warm up")  # the model is loaded once per process
    times: list[float] = []
    started = Advice.objects.count()
    for i in range(calls):
        row = rows[i % len(rows)]
        begin = time.perf_counter()
        spend_suggest(
            viewer=requester,
            title=row["title"],
            justification=row["justification"],
            lines=[line["description"] for line in row["lines"]],
        )
        times.append((time.perf_counter() - begin) * 1000)
    stored = Advice.objects.count() - started
    print(
        f"   latency of a suggestion (service, with its advice row; {calls} calls): "
        f"p50 {percentile(times, 50):.1f} ms, p95 {percentile(times, 95):.1f} ms; "
        f"{stored} advice rows stored"
    )


def synthetic(n: int, seed: int = 0) -> tuple[list[str], dict[str, list[str | None]]]:
    """`n` requisition texts made from the labelled set's and the keyword lists' words, with
    quantities, suppliers and noise: the size of a large tenant, not its quality."""
    from apps.assistants.spend.training import keywords

    rng = random.Random(seed)
    rows = _labelled()
    words = {code: [w for ws in langs.values() for w in ws] for code, langs in keywords().items()}
    suppliers = [f"supplier-{i}" for i in range(40)]
    texts, categories, centers, chosen = [], [], [], []
    for _ in range(n):
        row = rng.choice(rows)
        extra = rng.sample(words[row["spend_category"]], 2)
        texts.append(
            f"{rng.randint(1, 40)} {row['title']} {' '.join(extra)} "
            f"{rng.choice(row['lines'])['description']} #{rng.randint(1000, 99999)}"
        )
        categories.append(row["spend_category"])
        centers.append(row["cost_center"])
        chosen.append(rng.choice(suppliers))
    return texts, {"spend_category": categories, "cost_center": centers, "supplier": chosen}


def _training_time(n: int) -> None:
    from apps.assistants.spend.model import SpendModel

    texts, labels = synthetic(n)
    started, cpu = time.perf_counter(), time.process_time()
    model = SpendModel(kind="tenant", samples=n).fit(texts, labels)
    seconds, cpu = time.perf_counter() - started, time.process_time() - cpu
    print(
        f"   training on {n:,} synthetic requisitions (3 targets): {seconds:.1f} s "
        f"(CPU {cpu:.1f} s; "
        f"{0 if model.names is None else len(model.names):,} features)"
    )


def run(args: Any) -> None:
    from django.db import transaction

    from apps.assistants.spend.training import history_rows
    from apps.tenancy.context import tenant_context

    tenant = demo_tenant()
    with tenant_context(tenant):
        history = history_rows()
        _time_split(history)
        _labelled_set(history)
        with transaction.atomic():  # the advice rows of the latency run are not kept
            _latency(tenant, 50 if args.quick else 200)
            transaction.set_rollback(True)
    _training_time(10_000 if args.quick else 100_000)
