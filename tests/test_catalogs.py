"""The shipped translation catalogs (de, fr, es) are complete and current: every message the
code marks for translation is in each catalog, translated, not fuzzy, with the placeholders
of its English original; a string marked in the code but missing from a catalog (a new page,
a new refusal) fails here until it is translated (`make messages`, then translate)."""

from __future__ import annotations

import ast
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings

ROOT = Path(__file__).resolve().parent.parent
SHIPPED = [code for code, _name in settings.LANGUAGES if code != "en"]
MAKEMESSAGES_IGNORE = [".venv", ".data", "tests", "tools", "bench", "docs", "mutants"]


def _unquote(lines: list[str]) -> str:
    return "".join(ast.literal_eval(line) for line in lines)


def parse_po(text: str) -> dict[tuple[str, str], dict[str, object]]:
    """Entries by (msgctxt, msgid): their flags and msgstr forms (the header left out)."""
    entries: dict[tuple[str, str], dict[str, object]] = {}
    for block in text.strip().split("\n\n"):
        flags: set[str] = set()
        fields: dict[str, list[str]] = {}
        current = ""
        for line in block.splitlines():
            if line.startswith("#,"):
                flags |= {f.strip() for f in line[2:].split(",")}
            elif line.startswith("#"):
                continue
            elif line.startswith('"'):
                fields[current].append(line)
            else:
                key, _space, rest = line.partition(" ")
                current = key
                fields[current] = [rest]
        msgid = _unquote(fields.get("msgid", ['""']))
        if not msgid:
            continue
        context = _unquote(fields["msgctxt"]) if "msgctxt" in fields else ""
        forms = [_unquote(v) for k, v in sorted(fields.items()) if k.startswith("msgstr")]
        plural = _unquote(fields["msgid_plural"]) if "msgid_plural" in fields else ""
        entries[(context, msgid)] = {"flags": flags, "forms": forms, "plural": plural}
    return entries


def _catalog(language: str) -> dict[tuple[str, str], dict[str, object]]:
    path = ROOT / "locale" / language / "LC_MESSAGES" / "django.po"
    assert path.is_file(), f"no {language} catalog at {path}"
    return parse_po(path.read_text(encoding="utf-8"))


PLACEHOLDER = re.compile(r"%\([a-z_]+\)[sd]|%[sd]|\{[a-z_0-9]*\}")


@pytest.mark.parametrize("language", SHIPPED)
def test_each_catalog_is_complete_and_keeps_the_placeholders(language: str) -> None:
    entries = _catalog(language)
    assert len(entries) > 1000
    untranslated = [m for m, e in entries.items() if not all(e["forms"])]
    fuzzy = [m for m, e in entries.items() if "fuzzy" in e["flags"]]  # type: ignore[operator]
    assert not untranslated, untranslated[:10]
    assert not fuzzy, fuzzy[:10]
    broken = []
    for (_context, msgid), entry in entries.items():
        wanted = sorted(PLACEHOLDER.findall(msgid))
        either = set(wanted) | set(PLACEHOLDER.findall(str(entry["plural"])))
        for form in entry["forms"]:  # type: ignore[attr-defined]
            found = sorted(PLACEHOLDER.findall(form))
            # a plural's forms may each name the count or not ("one item" for %(n)d items)
            if (found != wanted and not entry["plural"]) or not set(found) <= either:
                broken.append((msgid, form))
    assert not broken, broken[:10]
    # and GNU gettext agrees (the formats of python-format entries, the header)
    path = ROOT / "locale" / language / "LC_MESSAGES" / "django.po"
    checked = subprocess.run(
        ["msgfmt", "--check-format", "--check-header", "-o", os.devnull, str(path)],
        capture_output=True,
        text=True,
    )
    assert checked.returncode == 0, checked.stderr


def test_every_marked_string_of_the_code_is_in_every_catalog(tmp_path: Path) -> None:
    """Extract the messages the code marks now (Django's makemessages, on a copy of the tree
    by links) and compare with the shipped catalogs, both ways."""
    for name in ("apps", "templates", "config", "manage.py"):
        (tmp_path / name).symlink_to(ROOT / name)
    (tmp_path / "locale").mkdir()
    command = [sys.executable, "manage.py", "makemessages", "-l", "de", "--symlinks"]
    command += [f"--ignore={name}" for name in MAKEMESSAGES_IGNORE]
    subprocess.run(
        command,
        cwd=tmp_path,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        check=True,
        capture_output=True,
    )
    marked = set(parse_po((tmp_path / "locale/de/LC_MESSAGES/django.po").read_text("utf-8")))
    for language in SHIPPED:
        shipped = set(_catalog(language))
        missing = sorted(marked - shipped)
        assert not missing, f"{language}: marked but not in the catalog: {missing[:10]}"
        stale = sorted(shipped - marked)
        assert not stale, f"{language}: in the catalog but no longer in the code: {stale[:10]}"
