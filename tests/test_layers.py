"""How the code is shaped, beyond what `lint-imports` checks (pyproject.toml): modules stay
small enough to read, no private name crosses a module, and every task a service sends by name
is a task Celery knows."""

from __future__ import annotations

import ast
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
