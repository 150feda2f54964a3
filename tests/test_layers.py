"""How the code is shaped, beyond what `lint-imports` checks (pyproject.toml): modules stay
small enough to read, no private name crosses a module, and every task a service sends by name
is a task Celery knows."""

from __future__ import annotations

import ast
import re
from pathlib import Path

from tests.conftest import ROOT

MAX_LINES = 500


def _modules() -> list[Path]:
    return [p for p in sorted((ROOT / "apps").rglob("*.py")) if "migrations" not in p.parts]


def test_no_module_over_500_lines() -> None:
    long = {
        str(p.relative_to(ROOT)): n
        for p in _modules()
        if (n := len(p.read_text().splitlines())) > MAX_LINES
    }
    assert long == {}, "split these into a package of modules that import one way"


def test_no_service_function_over_60_lines() -> None:
    """STYLE.md: a service reads as its named steps, and a check runner is a table of small
    named checks run by a short loop, not each check written inline."""
    long = [
        f"{p.relative_to(ROOT)}:{node.lineno} {node.name} ({length} lines)"
        for p in _modules()
        if "services" in p.parts or p.name == "services.py"
        for node in ast.walk(ast.parse(p.read_text()))
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef)
        and (length := (node.end_lineno or node.lineno) - node.lineno + 1) > 60
    ]
    assert long == [], "split these into named steps"


def test_no_private_name_is_imported_across_modules() -> None:
    crossing = [
        f"{p.relative_to(ROOT)}:{node.lineno} {alias.name}"
        for p in _modules()
        for node in ast.walk(ast.parse(p.read_text()))
        if isinstance(node, ast.ImportFrom)
        for alias in node.names
        if alias.name.startswith("_") and not alias.name.startswith("__")
    ]
    assert crossing == []


def test_every_task_sent_by_name_is_a_registered_task() -> None:
    from config.celery import app

    app.loader.import_default_modules()
    sent = {
        node.args[0].value
        for p in _modules()
        for node in ast.walk(ast.parse(p.read_text()))
        if isinstance(node, ast.Call)
        and getattr(node.func, "id", getattr(node.func, "attr", "")) == "send_on_commit"
        and node.args
        and isinstance(node.args[0], ast.Constant)
    }
    assert len(sent) >= 3
    assert sent <= set(app.tasks), sent - set(app.tasks)


def test_every_csv_the_product_writes_goes_through_the_one_writer() -> None:
    """apps/controls/csvfiles.py disarms formula cells; a csv.writer elsewhere would not."""
    one = ROOT / "apps" / "controls" / "csvfiles.py"
    writers = [
        f"{p.relative_to(ROOT)}:{node.lineno}"
        for p in _modules()
        if p != one
        for node in ast.walk(ast.parse(p.read_text()))
        if (
            isinstance(node, ast.Attribute)
            and node.attr in {"writer", "DictWriter"}
            and isinstance(node.value, ast.Name)
            and node.value.id == "csv"
        )
        or (
            isinstance(node, ast.ImportFrom)
            and node.module == "csv"
            and any(a.name in {"writer", "DictWriter"} for a in node.names)
        )
    ]
    assert writers == [], "write CSV with apps.controls.csvfiles.CsvWriter"


def test_no_module_re_exports_another_modules_names() -> None:
    """A name imported only to be importable from here (`noqa: F401`) means a cut was made in
    the wrong place (STYLE.md, "Rooms along seams"): import it from where it lives."""
    re_exports = [
        f"{p.relative_to(ROOT)}:{n}"
        for p in _modules()
        for n, line in enumerate(p.read_text().splitlines(), start=1)
        if "noqa" in line and "F401" in line
    ]
    assert re_exports == []


TRAIL_AND_OUTBOX = {"AuditEvent", "OutboxEvent"}
ROW_WRITES = {"create", "bulk_create", "get_or_create", "update_or_create"}
RAW_WRITE = re.compile(r"(?:INSERT\s+INTO|COPY)\s+\S*(events_outboxevent|audit_auditevent)", re.I)


def test_only_the_event_write_adds_to_the_trail_and_the_outbox() -> None:
    """docs/architecture.md: nothing writes the trail or the outbox but apps.events (the
    `one-event-write` contract keeps `audit_record` there; this keeps the rows there)."""
    owners = {ROOT / "apps" / "events", ROOT / "apps" / "audit"}
    writes = [
        f"{p.relative_to(ROOT)}:{node.lineno}"
        for p in _modules()
        if not any(owner in p.parents for owner in owners)
        for node in ast.walk(ast.parse(p.read_text()))
        if isinstance(node, ast.Call)
        and (
            (isinstance(node.func, ast.Name) and node.func.id in TRAIL_AND_OUTBOX)
            or (
                isinstance(node.func, ast.Attribute)
                and node.func.attr in ROW_WRITES
                and ast.unparse(node.func.value) in {f"{m}.objects" for m in TRAIL_AND_OUTBOX}
            )
        )
    ] + [
        f"{p.relative_to(ROOT)}: {table}"
        for p in _modules()
        if not any(owner in p.parents for owner in owners)
        for table in RAW_WRITE.findall(p.read_text())
    ]
    assert writes == [], "record the change with apps.events.services.event_record"


def _service_modules() -> list[Path]:
    return [
        p
        for p in _modules()
        if p.name == "services.py" or "services" in p.relative_to(ROOT / "apps").parts[1:-1]
    ]


def test_services_guard_the_actor_through_require() -> None:
    """A service refuses a person lacking a capability with `apps.controls.guards.require`
    (one refusal, system actors let through), never with its own `has_perm` and raise."""
    by_hand = [
        f"{p.relative_to(ROOT)}:{node.lineno}"
        for p in _service_modules()
        for node in ast.walk(ast.parse(p.read_text()))
        if isinstance(node, ast.If)
        and any(
            isinstance(call, ast.Call) and getattr(call.func, "attr", "") == "has_perm"
            for call in ast.walk(node.test)
        )
        and any(
            isinstance(statement, ast.Raise) and "PermissionRefused" in ast.unparse(statement)
            for statement in node.body
        )
    ]
    assert len(_service_modules()) > 20
    assert by_hand == [], "guard the actor with require(actor, capability)"


def _page_view_modules() -> list[Path]:
    """The modules that answer pages (not the API): each app's views, its `*_views.py` helpers
    and the portal."""
    return [
        p
        for p in _modules()
        if "api" not in p.relative_to(ROOT / "apps").parts
        and (
            p.name == "views.py"
            or p.name.endswith("_views.py")
            or "views" in p.parent.parts[-1:]
            or p.relative_to(ROOT / "apps").parts[0] == "portal"
        )
    ]


def _refusal_names() -> set[str]:
    """ApplicationError and every class that derives from it, anywhere in apps/."""
    classes = [
        (
            node.name,
            {b.attr if isinstance(b, ast.Attribute) else getattr(b, "id", "") for b in node.bases},
        )
        for p in _modules()
        for node in ast.walk(ast.parse(p.read_text()))
        if isinstance(node, ast.ClassDef)
    ]
    names = {"ApplicationError"}
    while grown := {name for name, bases in classes if bases & names} - names:
        names |= grown
    return names


def _caught(handler: ast.ExceptHandler) -> set[str]:
    kinds = handler.type.elts if isinstance(handler.type, ast.Tuple) else [handler.type]
    return {k.attr if isinstance(k, ast.Attribute) else getattr(k, "id", "") for k in kinds}


def test_no_page_view_catches_a_refusal_itself() -> None:
    """Pages answer a refusal in one place, apps/api/pages.py (`refusal_shown`,
    `refusal_on_form`, `refusal_caught`), as the API does in apps/api/errors.py."""
    modules = _page_view_modules()
    assert {"apps/invoices/views.py", "apps/portal/reference.py"} <= {
        str(p.relative_to(ROOT)) for p in modules
    }
    refusals = _refusal_names()
    assert {"ApplicationError", "NotFound", "ValidationFailed", "PermissionRefused"} <= refusals
    catching = [
        f"{p.relative_to(ROOT)}:{node.lineno} except {sorted(_caught(node) & refusals)}"
        for p in modules
        for node in ast.walk(ast.parse(p.read_text()))
        if isinstance(node, ast.ExceptHandler) and node.type is not None
        if _caught(node) & refusals
    ]
    assert catching == [], "call the service inside `with refusal_shown(request):`"


def test_the_signed_in_user_is_read_in_one_place() -> None:
    """`current_user(request)` (apps/accounts/current.py), not a `_user(request)` per module."""
    one = ROOT / "apps" / "accounts" / "current.py"
    copies = [
        f"{p.relative_to(ROOT)}:{node.lineno} {node.name}"
        for p in _modules()
        if p != one
        for node in ast.walk(ast.parse(p.read_text()))
        if isinstance(node, ast.FunctionDef)
        and node.args.args
        and node.args.args[0].arg == "request"
        and node.name == "_user"
    ] + [
        f"{p.relative_to(ROOT)}: casts request.user"
        for p in _modules()
        if p != one and re.search(r"cast\(User, (self\.)?request\.user\)", p.read_text())
    ]
    assert copies == [], "use apps.accounts.current.current_user"


def _selector_modules() -> list[Path]:
    return [
        p
        for p in _modules()
        if p.name == "selectors.py" or (p.parent.name == "selectors" and p.suffix == ".py")
    ]


def _imports_a_services_module(node: ast.AST) -> bool:
    if isinstance(node, ast.ImportFrom):
        module = node.module or ""
        return "services" in module.split(".") or any(a.name == "services" for a in node.names)
    if isinstance(node, ast.Import):
        return any("services" in a.name.split(".") for a in node.names)
    return False


def test_selectors_only_read() -> None:
    """STYLE.md: selectors only read; anything that locks is a service. A selector takes no row
    lock and calls no service (a locking read is a service whose result a selector is given)."""
    assert len(_selector_modules()) >= 10
    locking = [
        f"{p.relative_to(ROOT)}:{node.lineno}"
        for p in _selector_modules()
        for node in ast.walk(ast.parse(p.read_text()))
        if (isinstance(node, ast.Attribute) and node.attr == "select_for_update")
        or _imports_a_services_module(node)
    ]
    assert locking == [], "move the locking read into a service and pass its result in"
