"""The contracted catalog: items at their contracted price, entered one by one or imported from
CSV (docs/contracts.md gives the layout). A file is read whole before anything is written: one
bad cell refuses the file, naming its row and column, and nothing is created."""

from __future__ import annotations

import csv
import io
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any

from django.db import transaction
from django.utils.dateparse import parse_date
from django.utils.translation import gettext as _

from apps.accounts.models import User
from apps.controls.csvfiles import formula_cells
from apps.controls.entities import (
    OUTSIDE_DETAIL,
    all_within,
    entity_limit,
    require_all_entities,
    within_entities,
)
from apps.controls.guards import require
from apps.controls.refusals import InvalidTransition, NotFound, ValidationFailed
from apps.controls.values import currency_problem
from apps.events.services import event_record
from apps.organization.models import SpendCategory
from apps.suppliers.uploads import read_limited

from ..models import CatalogItem, Contract
from .register import CAPABILITY

COLUMNS = ("contract", "sku", "description", "unit", "unit_price", "currency", "spend_category")
OPTIONAL = ("valid_until",)
MAX_ROWS = 5000
MAX_BYTES = 2 * 1024 * 1024


def _price(cell: str) -> tuple[Decimal, str]:
    """The unit price and, when it is not one, why."""
    try:
        price = Decimal(cell.strip())
        if not price.is_finite() or price < 0 or price >= Decimal("1e12"):
            raise InvalidOperation
    except InvalidOperation:
        return Decimal("0"), _("Use a price such as 12.50 (a dot, no thousands separator).")
    return price, ""


def _valid_until(cell: str) -> tuple[date | None, str]:
    """The optional last day the price holds and, when the cell is not a date, why."""
    if not cell.strip():
        return None, ""
    try:
        valid_until = parse_date(cell.strip())
    except ValueError:
        valid_until = None
    if valid_until is None:
        return None, _("Use a date such as 2026-12-31.")
    return valid_until, ""


def _contract_problem(contract: Contract | None) -> str:
    if contract is None:
        return _("No contract with this number.")
    if contract.status in (Contract.Status.EXPIRED, Contract.Status.TERMINATED):
        return _("This contract has ended.")
    return ""


def _currency_problem(currency: str, contract: Contract | None) -> str:
    if problem := currency_problem(currency):
        return problem
    if contract is not None and currency != contract.currency:
        return _("The contract is in %s.") % contract.currency
    return ""


def _category_problem(category: SpendCategory | None, contract: Contract | None) -> str:
    if category is None:
        return _("Unknown spend category.")
    if contract is not None and category.pk not in {c.pk for c in contract.spend_categories.all()}:
        return _("The contract does not cover this category.")
    return ""


def _cell_errors(
    row: dict[str, str],
    contracts: dict[str, Contract],
    categories: dict[str, SpendCategory],
) -> tuple[dict[str, str], dict[str, Any]]:
    """(column → message) for a row, and the item's values when it has none."""
    # the csv module reads a NUL since Python 3.11; PostgreSQL cannot store one
    nul = [column for column, cell in row.items() if "\x00" in (cell or "")]
    if nul:
        return {c: _("The cell holds a NUL character.") for c in nul}, {
            "contract": None,
            "sku": "",
        }
    contract = contracts.get((row.get("contract") or "").strip().lower())
    description = (row.get("description") or "").strip()
    price, price_problem = _price(row.get("unit_price") or "")
    currency = (row.get("currency") or "").strip()
    category = categories.get((row.get("spend_category") or "").strip())
    valid_until, date_problem = _valid_until(row.get("valid_until") or "")
    unit = (row.get("unit") or "").strip() or "each"
    sku = (row.get("sku") or "").strip()
    problems = {  # in the order the columns are reported
        "contract": _contract_problem(contract),
        "description": "" if description else _("Describe the item."),
        "unit_price": price_problem,
        "currency": _currency_problem(currency, contract),
        "spend_category": _category_problem(category, contract),
        "valid_until": date_problem,
        "unit": _("At most 20 characters.") if len(unit) > 20 else "",
    }
    errors = {column: message for column, message in problems.items() if message}
    if len(description) > 300 or len(sku) > 60:
        errors["description" if len(description) > 300 else "sku"] = _("Too long.")
    values = {
        "contract": contract,
        "sku": sku,
        "description": description,
        "unit": unit,
        "unit_price": price,
        "currency": currency,
        "spend_category": category,
        "valid_until": valid_until,
    }
    return errors, values


def _csv_reader(upload: Any) -> csv.DictReader[str]:
    """The file as a CSV reader whose header names every column and no other."""
    raw = read_limited(upload, choose=_("Choose a CSV file."), limit=MAX_BYTES)
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise ValidationFailed(errors={"file": [_("Save the file as UTF-8 CSV.")]}) from None
    reader = csv.DictReader(io.StringIO(text))
    header = [h.strip() for h in reader.fieldnames or []]
    missing = [c for c in COLUMNS if c not in header]
    unknown = [h for h in header if h not in COLUMNS + OPTIONAL]
    if missing or unknown:
        errors: dict[str, list[str]] = {}
        if missing:
            errors["header"] = [_("Missing column: %s") % ", ".join(missing)]
        if unknown:
            errors.setdefault("header", []).append(_("Unknown column: %s") % ", ".join(unknown))
        raise ValidationFailed(errors=errors)
    reader.fieldnames = header
    return reader


def _contracts_for(actor: User) -> tuple[dict[str, Contract], set[str]]:
    """The contracts by number that the actor knows (those binding its legal entities), and
    those of them that also bind an entity outside its limit: it lists no items on those."""
    contracts = {
        c.number.lower(): c
        for c in within_entities(
            Contract.objects.prefetch_related("spend_categories", "legal_entities"),
            actor,
            field="legal_entities",
            many=True,
        )
    }
    shared = {
        number
        for number, c in contracts.items()
        if not all_within(actor, [e.code for e in c.legal_entities.all()])
    }
    return contracts, shared


def _rows_read(reader: csv.DictReader[str]) -> list[dict[str, Any]]:
    try:
        return list(reader)
    except csv.Error as exc:  # a cell beyond the csv module's limit
        raise ValidationFailed(
            errors={"file": [_("Not a CSV file that can be read: %s") % exc]}
        ) from None


def _items_of(
    read: list[dict[str, Any]],
    *,
    actor: User,
    contracts: dict[str, Contract],
    shared: set[str],
    categories: dict[str, SpendCategory],
) -> list[dict[str, Any]]:
    """Every row's item values; one bad cell refuses the file, naming each row and column."""
    rows: list[dict[str, Any]] = []
    errors: dict[str, list[str]] = {}
    seen: dict[tuple[Any, str], int] = {}
    for number, row in enumerate(read, start=2):  # row 1 is the header
        if len(rows) >= MAX_ROWS:
            raise ValidationFailed(
                errors={"file": [_("At most %d rows per file; split it.") % MAX_ROWS]}
            )
        if None in row:  # more cells than columns
            errors[f"row {number}"] = [_("More cells than the header has columns.")]
            continue
        if not any((v or "").strip() for v in row.values()):
            continue
        formulas = formula_cells(row)
        for column in formulas:
            errors[f"row {number}, {column}"] = [
                _("Starts with = + - @, a tab or a line break: a spreadsheet would run it.")
            ]
        if formulas:
            continue
        problems, values = _cell_errors(row, contracts, categories)
        if (row.get("contract") or "").strip().lower() in shared:
            problems["contract"] = str(
                OUTSIDE_DETAIL % ", ".join(sorted(entity_limit(actor) or ()))
            )
        for column, message in problems.items():
            errors[f"row {number}, {column}"] = [message]
        key = (values["contract"], values["sku"])
        if values["sku"] and key in seen:
            errors[f"row {number}, sku"] = [_("Listed before, on row %d.") % seen[key]]
        seen[key] = number
        rows.append(values)
    if not rows and not errors:
        raise ValidationFailed(errors={"file": [_("The file has no items.")]})
    if errors:
        raise ValidationFailed(
            _("Nothing was imported: %d cells need fixing.") % len(errors), errors=errors
        )
    return rows


def _items_save(rows: list[dict[str, Any]]) -> tuple[int, int]:
    """(created, updated): a row whose contract lists its SKU already updates that item."""
    updated = 0
    existing = {
        (item.contract_id, item.sku): item
        for item in CatalogItem.objects.filter(contract__in={r["contract"] for r in rows}).exclude(
            sku=""
        )
    }
    new: list[CatalogItem] = []
    for values in rows:
        item = existing.get((values["contract"].pk, values["sku"])) if values["sku"] else None
        if item is None:
            new.append(CatalogItem(**values))
            continue
        for field, value in values.items():
            setattr(item, field, value)
        item.save()
        updated += 1
    CatalogItem.objects.bulk_create(new)
    return len(new), updated


@transaction.atomic
def catalog_import(*, actor: User, upload: Any) -> dict[str, int]:
    """Create (or, for a contract and SKU already listed, update) every row of a CSV file."""
    require(actor, CAPABILITY)
    reader = _csv_reader(upload)
    # a limited actor knows the contracts binding its legal entities, and lists items only on
    # those binding none other
    contracts, shared = _contracts_for(actor)
    categories = {c.code: c for c in SpendCategory.objects.filter(active=True)}
    rows = _items_of(
        _rows_read(reader),
        actor=actor,
        contracts=contracts,
        shared=shared,
        categories=categories,
    )
    created, updated = _items_save(rows)
    event_record(
        actor=actor,
        action="catalog.imported",
        subject_type="contract",
        subject_id=rows[0]["contract"].pk,
        data={
            "created": created,
            "updated": updated,
            "contracts": sorted({r["contract"].number for r in rows}),
        },
    )
    return {"created": created, "updated": updated}


@transaction.atomic
def catalog_item_create(*, actor: User, data: dict[str, Any]) -> CatalogItem:
    require(actor, CAPABILITY)
    contract = within_entities(
        Contract.objects.filter(pk=str(data.get("contract") or "")),
        actor,
        field="legal_entities",
        many=True,
    ).first()
    if contract is None:
        raise NotFound(_("No such contract."))
    require_all_entities(actor, contract.legal_entities.values_list("code", flat=True))
    row = {k: str(v) if v is not None else "" for k, v in data.items()}
    row["contract"] = contract.number
    row.setdefault("currency", contract.currency)
    if not row["currency"]:
        row["currency"] = contract.currency
    contracts = {contract.number.lower(): contract}
    categories = {c.code: c for c in SpendCategory.objects.filter(active=True)}
    problems, values = _cell_errors(row, contracts, categories)
    if problems:
        if "contract" in problems:
            raise InvalidTransition(problems["contract"])
        raise ValidationFailed(errors={k: [v] for k, v in problems.items()})
    if values["sku"] and CatalogItem.objects.filter(contract=contract, sku=values["sku"]).exists():
        raise ValidationFailed(errors={"sku": [_("This contract lists the SKU already.")]})
    item = CatalogItem.objects.create(**values)
    event_record(
        actor=actor,
        action="catalog.item_added",
        subject_type="contract",
        subject_id=contract.pk,
        after={"description": item.description, "unit_price": item.unit_price, "sku": item.sku},
    )
    return item
