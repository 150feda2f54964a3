"""Spend coding (docs/ai/spend_coding.md): top-1 accuracy of the spend category and the cost
center beside a majority-class baseline, on

  (a) a time split of the demo tenant's history (trained on the older 80 % by created date
      plus the cold start, tested on the newest 20 %);
  (b) the labelled set data/ai/requisitions.jsonl (313 requisitions written in English,
      German, French and Spanish): trained on the demo tenant's whole history plus the cold
      start (what the demo serves), and, apart, 5-fold cross-validated on the set itself, as
      the product learns it (the other folds as the tenant's history, plus the cold start) and
      from the text alone;
  (c) the held-out set data/ai/requisitions_holdout.jsonl (124 requisitions in the four
      languages, written apart from the keyword lists and never tuned on): by what the demo
      serves, and by the product trained on the whole labelled set as history;

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

DATA = Path(__file__).resolve().parents[2] / "data" / "ai"
LABELLED = DATA / "requisitions.jsonl"
HOLDOUT = DATA / "requisitions_holdout.jsonl"


def _labelled(path: Path = LABELLED) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line]


def _as_history(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Labelled rows as training.history_rows gives a tenant's requisitions (one requester)."""
    return [
        {
            "title": r["title"],
            "justification": r.get("justification", ""),
            "lines": [line["description"] for line in r["lines"]],
            "requester_id": None,
            "supplier_id": None,
            "spend_category__code": r["spend_category"],
            "cost_center__code": r["cost_center"],
        }
        for r in rows
    ]


def _print_rates(
    hits: dict[str, int],
    total: int,
    train: list[dict[str, Any]],
    test: list[dict[str, Any]],
    baseline: str = "majority",
) -> None:
    for field, key in (("category", "spend_category"), ("cost_center", "cost_center")):
        print(
            f"       {field:<12} model {rate(hits[field], total):<22} {baseline} "
            f"{_majority([r[key] for r in train], [r[key] for r in test])}"
        )


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


def _by_language(rows: list[dict[str, Any]], predicted: list[str | None]) -> str:
    out = []
    for lang in ("en", "de", "fr", "es"):
        picked = [i for i, r in enumerate(rows) if r["lang"] == lang]
        hits = sum(predicted[i] == rows[i]["spend_category"] for i in picked)
        out.append(f"{lang} {rate(hits, len(picked))}")
    return ", ".join(out)


def _folds(n: int) -> list[list[int]]:
    order = list(range(n))
    random.Random(0).shuffle(order)
    return [order[i::5] for i in range(5)]


def _cross_validated(rows: list[dict[str, Any]], texts: list[str]) -> None:
    """Trained on the labelled set itself (no demo history), 5 folds: how well the product
    learns a tenant's own coding from ~250 requisitions (the other folds as its history,
    plus the cold start, scored as the service answers), and how well the text alone does
    (no cold start, each target's own classifier)."""
    from apps.assistants.spend.model import SpendModel
    from apps.assistants.spend.training import model_build

    folds = _folds(len(rows))
    product = {"category": 0, "cost_center": 0}
    alone = {"category": 0, "cost_center": 0}
    majority = {"category": 0, "cost_center": 0}
    keys = {"category": "spend_category", "cost_center": "cost_center"}
    for fold in folds:
        held = set(fold)
        train = [i for i in range(len(rows)) if i not in held]
        tested = [rows[i] for i in fold]
        model = model_build(_as_history([rows[i] for i in train]))
        for field, hits in _score(model, tested, [texts[i] for i in fold]).items():
            product[field] += hits
        labels = {keys[f]: [rows[i][keys[f]] for i in train] for f in keys}
        plain = SpendModel(kind="tenant", samples=len(train)).fit([texts[i] for i in train], labels)
        for field, key in keys.items():
            predicted = plain.predict_many([texts[i] for i in fold], key)
            alone[field] += sum(p == rows[i][key] for p, i in zip(predicted, fold, strict=True))
            common = Counter(labels[key]).most_common(1)[0][0]
            majority[field] += sum(rows[i][key] == common for i in fold)
    print("       cross-validated on the labelled set itself (5 folds of ~250 to train):")
    for field in keys:
        print(
            f"       {field:<12} product {rate(product[field], len(rows)):<20} text alone "
            f"{rate(alone[field], len(rows)):<20} majority {rate(majority[field], len(rows))}"
        )


def _held_out(history: list[dict[str, Any]]) -> None:
    """The held-out set, never tuned on: by the demo's model (its history + cold start) and by
    the product trained on the whole labelled set as a tenant's history."""
    from apps.assistants.spend.training import model_build

    rows, labelled = _labelled(HOLDOUT), _labelled()
    texts = [_text(r) for r in rows]
    print(
        f"   (c) held-out set ({len(rows)}: "
        + ", ".join(f"{k} {v}" for k, v in sorted(Counter(r["lang"] for r in rows).items()))
        + ")"
    )
    for name, model, train in (
        (
            f"demo history ({len(history)}) + cold start",
            model_build(history),
            _history_as_rows(history),
        ),
        (
            f"labelled set ({len(labelled)}) as history + cold start",
            model_build(_as_history(labelled)),
            labelled,
        ),
    ):
        print(f"       trained on the {name} [{model.kind}]:")
        _print_rates(_score(model, rows, texts), len(rows), train, rows, "majority of training")
        categories = model.predict_many(texts, "spend_category")
        print(f"       category by language: {_by_language(rows, categories)}")


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
        _held_out(history)
        with transaction.atomic():  # the advice rows of the latency run are not kept
            _latency(tenant, 50 if args.quick else 200)
            transaction.set_rollback(True)
    _training_time(10_000 if args.quick else 100_000)
