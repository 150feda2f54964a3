"""What the spend-coding model learns from, in this tenant: its own requisitions that a person
confirmed (submitted, approved or ordered), and for the cold start its catalog items, its
contracts, its spend categories' names and the four-language keyword lists of
data/ai/spend_keywords.json, and for the cost centers the four-language department vocabulary
of data/ai/department_keywords.json (a cost center named "IT", "Marketing" or "Operations"
learns the words of that department). Reads only; storing the model is the service's."""

from __future__ import annotations

import json
import re
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

from django.conf import settings

from apps.contracts.models import CatalogItem, Contract
from apps.controls.values import folded
from apps.organization.models import CostCenter, SpendCategory
from apps.procurement.models import Requisition, RequisitionLine

from .model import SpendModel, requisition_text

# below this many confirmed requisitions (or with fewer than two categories among them) the
# tenant's own history is too thin to learn from alone: the cold start adds what it knows
MIN_HISTORY = 30
# how much a cold-start document counts beside a real requisition once there is history
SEED_WEIGHT = 0.3
CONFIRMED = (
    Requisition.Status.PENDING_APPROVAL,
    Requisition.Status.APPROVED,
    Requisition.Status.ORDERED,
)
TARGETS = ("spend_category", "cost_center", "supplier")
KEYWORDS = Path(settings.BASE_DIR) / "data" / "ai" / "spend_keywords.json"
DEPARTMENTS = Path(settings.BASE_DIR) / "data" / "ai" / "department_keywords.json"
LANGUAGES = ("en", "de", "fr", "es")


@dataclass
class Corpus:
    """Texts with their labels per target, weights, and which of them are real requisitions."""

    texts: list[str] = field(default_factory=list)
    labels: dict[str, list[str | None]] = field(default_factory=lambda: {t: [] for t in TARGETS})
    weights: list[float] = field(default_factory=list)
    history: int = 0
    # whether the history is enough to learn from (else the cold start leads)
    tenant: bool = False
    # (requester id, category) → cost center counts, for the cost center's cold start
    cost_centers: dict[str, Counter[str]] = field(default_factory=lambda: defaultdict(Counter))

    def add(self, text: str, weight: float = 1.0, **labels: str | None) -> None:
        if not text.strip():
            return
        self.texts.append(text)
        self.weights.append(weight)
        for target in TARGETS:
            self.labels[target].append(labels.get(target))


@cache
def keywords() -> dict[str, dict[str, list[str]]]:
    data = json.loads(KEYWORDS.read_text(encoding="utf-8"))
    return {code: words for code, words in data.items() if not code.startswith("_")}


@cache
def departments() -> dict[str, dict[str, list[str]]]:
    data = json.loads(DEPARTMENTS.read_text(encoding="utf-8"))
    return {name: words for name, words in data.items() if not name.startswith("_")}


def department_of(name: str) -> str | None:
    """The department of data/ai/department_keywords.json a cost center's name speaks of
    ("IT", "Marketing Europe", "Opérations" → IT, Marketing, Operations), or None."""
    words = f" {' '.join(re.findall(r'[^\W_]+', folded(name)))} "
    for department, vocabulary in departments().items():
        for alias in vocabulary["names"]:
            if f" {folded(alias)} " in words:
                return department
    return None


def history_rows(*, until: Any = None, latest: int | None = None) -> list[dict[str, Any]]:
    """The tenant's confirmed requisitions, oldest first, each with its line descriptions;
    only the `latest` so many when given."""
    requisitions = Requisition.objects.filter(status__in=CONFIRMED)
    if until is not None:
        requisitions = requisitions.filter(created_at__lt=until)
    if latest is not None:
        newest = requisitions.order_by("-created_at", "-pk").values_list("pk", flat=True)
        requisitions = Requisition.objects.filter(pk__in=list(newest[:latest]))
    rows: list[dict[str, Any]] = [
        dict(row)
        for row in requisitions.order_by("created_at", "pk").values(
            "pk",
            "title",
            "justification",
            "requester_id",
            "supplier_id",
            "created_at",
            "cost_center__code",
            "spend_category__code",
        )
    ]
    lines: dict[Any, list[str]] = defaultdict(list)
    for requisition_id, description in (
        RequisitionLine.objects.filter(requisition__in=requisitions)
        .order_by("requisition_id", "line_no")
        .values_list("requisition_id", "description")
    ):
        lines[requisition_id].append(description)
    for row in rows:
        row["lines"] = lines.get(row["pk"], [])
    return rows


def seed_documents(corpus: Corpus, weight: float) -> None:
    """The cold start: each active category's keywords (or, for a category the list does not
    know, its own name), its catalog items and the titles of the contracts covering it."""
    known = keywords()
    for code, name in SpendCategory.objects.filter(active=True).values_list("code", "name"):
        corpus.add(name, weight, spend_category=code)
        for words in known.get(code, {}).values():
            for word in words:
                corpus.add(word, weight, spend_category=code)
    for description, code, supplier_id in CatalogItem.objects.filter(
        spend_category__active=True
    ).values_list("description", "spend_category__code", "contract__supplier_id"):
        corpus.add(description, weight, spend_category=code, supplier=str(supplier_id))
    contracts = Contract.objects.filter(
        status__in=(Contract.Status.ACTIVE, Contract.Status.EXPIRED)
    ).values_list("title", "supplier_id", "spend_categories__code")
    for title, supplier_id, code in contracts:
        corpus.add(title, weight, spend_category=code, supplier=str(supplier_id))
    for code, name in CostCenter.objects.filter(active=True).values_list("code", "name"):
        corpus.add(name, weight, cost_center=code)
        department = department_of(name)
        vocabulary = departments()[department] if department else {}
        for language in LANGUAGES:
            for word in vocabulary.get(language, []):
                corpus.add(word, weight, cost_center=code)


def corpus_of(rows: list[dict[str, Any]]) -> Corpus:
    """The training corpus from history `rows` (history_rows) and the cold start."""
    corpus = Corpus()
    for row in rows:
        category, cost_center = row["spend_category__code"], row["cost_center__code"]
        corpus.add(
            requisition_text(row["title"], row["justification"], row["lines"]),
            spend_category=category,
            cost_center=cost_center,
            supplier=str(row["supplier_id"]) if row["supplier_id"] else None,
        )
        corpus.history += 1
        for key in (
            f"{row['requester_id']}|{category}",
            f"*|{category}",
            f"{row['requester_id']}|*",
            "*|*",
        ):
            corpus.cost_centers[key][cost_center] += 1
    enough = corpus.history >= MIN_HISTORY and len({r["spend_category__code"] for r in rows}) > 1
    if not enough:
        # a cost center learnt from a handful of texts is a guess: the cold start learns it
        # from the department vocabulary and the requester's own cost center for the
        # category (corpus.cost_centers)
        corpus.labels["cost_center"] = [None] * len(corpus.texts)
    corpus.tenant = enough
    seed_documents(corpus, SEED_WEIGHT if enough else 1.0)
    return corpus


def model_build(rows: list[dict[str, Any]]) -> SpendModel:
    """Fit a model on history `rows` plus the cold start."""
    corpus = corpus_of(rows)
    model = SpendModel(kind="tenant" if corpus.tenant else "cold-start", samples=corpus.history)
    model.fit(corpus.texts, corpus.labels, corpus.weights)
    model.cost_center_counts = {k: dict(v) for k, v in corpus.cost_centers.items()}
    return model
