"""Rewrite the parts of docs/architecture.md that the code can say itself:

- the registry table, from the registries as the running apps filled them
  (`apps.controls.registries`: owner, who registers, what for);
- the service packages, each module placed above the ones it imports.

    DJANGO_SETTINGS_MODULE=config.settings.test .venv/bin/python scripts/write_architecture_doc.py

tests/test_architecture_doc.py fails while the page differs from what this writes.
"""

from __future__ import annotations

import ast
import os
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DOC = ROOT / "docs" / "architecture.md"


def _block(name: str) -> re.Pattern[str]:
    return re.compile(rf"(<!-- {name}: [^>]* -->\n)(.*?)(<!-- /{name} -->)", re.S)


def service_packages(apps: Path = ROOT / "apps") -> str:
    """One line per `services/` package: its modules by level, each level importing only the
    levels to its left (`a ← b`: b imports a)."""
    lines = []
    for package in sorted(apps.glob("*/services")):
        modules = sorted(p.stem for p in package.glob("*.py") if p.stem != "__init__")
        imports = {m: _siblings_imported(package / f"{m}.py", modules) for m in modules}
        level: dict[str, int] = {}
        by_level: dict[int, list[str]] = {}
        for module in modules:
            by_level.setdefault(_level(module, imports, level), []).append(module)
        shape = " ← ".join(", ".join(by_level[n]) for n in sorted(by_level))
        lines.append(f"  - `{package.parent.name}/services/`: {shape}\n")
    return "".join(lines)


def _level(module: str, imports: dict[str, set[str]], level: dict[str, int]) -> int:
    """0 for a module importing no sibling, else one above the highest it imports."""
    if module not in level:
        level[module] = 1 + max((_level(m, imports, level) for m in imports[module]), default=-1)
    return level[module]


def _siblings_imported(path: Path, modules: list[str]) -> set[str]:
    package = f"apps.{path.parent.parent.name}.services."
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if not isinstance(node, ast.ImportFrom):
            continue
        if node.level == 1:
            found |= {node.module.split(".")[0]} if node.module else {a.name for a in node.names}
        elif node.level == 0 and (node.module or "").startswith(package):
            found.add((node.module or "").removeprefix(package).split(".")[0])
    return found & set(modules) - {path.stem}


def rewritten(text: str) -> str:
    """The page with its written parts as the code says (needs `django.setup()`)."""
    from apps.controls.registries import registries_table

    written = {"registries": registries_table(), "service-packages": service_packages()}
    for name, body in written.items():
        pattern = _block(name)
        if not pattern.search(text):
            raise SystemExit(f"docs/architecture.md lost its <!-- {name}: … --> block")
        text = pattern.sub(lambda m, body=body: m.group(1) + body + m.group(3), text)
    return text


def main() -> None:
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.test")
    import django

    django.setup()
    DOC.write_text(rewritten(DOC.read_text()))
    print(f"wrote {DOC}")


if __name__ == "__main__":
    main()
