"""Add whole test files to the tests mutmut runs for the functions of a module.

mutmut 3 runs each mutant against the tests that called the mutated function while it
collected its statistics. Work that reaches a function only through a Celery worker or an
``on_commit`` callback in another process (set-based matching) is not seen there, so those
mutants would run against too few tests and "survive". This adds, after mutmut has written
``mutants/mutmut-stats.json``, every collected test of the named files to every function of
the named module:

    python scripts/mutants_widen.py apps.matching.lines=tests/invoices/test_matching.py
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

STATS = Path("mutants/mutmut-stats.json")


def widen(stats: dict, module: str, test_files: list[str]) -> int:
    tests = sorted(
        name for name in stats["duration_by_test"] if name.split("::", 1)[0] in test_files
    )
    if not tests:
        raise SystemExit(f"no collected tests in {', '.join(test_files)}")
    functions = {
        key
        for key in stats["function_hashes"]
        if key.startswith(module + ".") and "__mutmut" not in key
    }
    if not functions:
        raise SystemExit(f"no mutated functions in {module}")
    by_function = stats["tests_by_mangled_function_name"]
    for function in functions:
        by_function[function] = sorted(set(by_function.get(function, [])) | set(tests))
    return len(functions)


def main(arguments: list[str]) -> None:
    if not arguments:
        raise SystemExit(__doc__)
    stats = json.loads(STATS.read_text())
    for argument in arguments:
        module, _, files = argument.partition("=")
        count = widen(stats, module, files.split(","))
        print(f"{module}: {count} functions now also run {files}", file=sys.stderr)
    STATS.write_text(json.dumps(stats))


if __name__ == "__main__":
    main(sys.argv[1:])
