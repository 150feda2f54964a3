"""docs/architecture.md held to the code: what the page says of registries, service packages
and middleware is what the running apps and the settings have."""

from __future__ import annotations

import ast
import importlib.util
import re
from types import ModuleType

from django.conf import settings

from apps.controls.registries import REGISTRIES
from tests.conftest import ROOT

DOC = ROOT / "docs" / "architecture.md"


def _writer() -> ModuleType:
    spec = importlib.util.spec_from_file_location(
        "write_architecture_doc", ROOT / "scripts" / "write_architecture_doc.py"
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_registry_table_and_the_service_packages_are_the_codes() -> None:
    text = DOC.read_text()
    assert _writer().rewritten(text) == text, (
        "run: DJANGO_SETTINGS_MODULE=config.settings.test "
        ".venv/bin/python scripts/write_architecture_doc.py"
    )


def test_every_registry_is_in_the_table() -> None:
    """Each registry declared in apps/ was filled by the running apps, so the table has it."""
    declared = [
        f"{p.relative_to(ROOT)}:{node.lineno}"
        for p in sorted((ROOT / "apps").rglob("*.py"))
        if "migrations" not in p.parts
        for node in ast.walk(ast.parse(p.read_text()))
        if isinstance(node, ast.Call)
        and isinstance(node.func, ast.Subscript)
        and getattr(node.func.value, "id", "") in {"KeyedRegistry", "HookRegistry"}
    ]
    assert len(declared) == len(REGISTRIES) >= 7, declared
    assert all(list(registry.entries()) for registry in REGISTRIES)


def test_the_middleware_walk_through_names_every_middleware_of_ours_in_order() -> None:
    step = re.search(r"1\. \*\*Middleware\*\*(.*?)\n2\. ", DOC.read_text(), re.S)
    assert step is not None
    named = re.findall(r"`([a-z_]+\.[a-z_.]+[A-Z]\w+)`", step.group(1).replace("\n   ", " "))
    ours = [m.removeprefix("apps.") for m in settings.MIDDLEWARE if m.startswith("apps.")]
    assert named == ours
