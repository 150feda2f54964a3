"""Each benchmark's figures beside their aims (docs/operations.md, the scale issue's latency
and throughput aims), so `make bench` ends with one table that says met or not met.

A bench calls `aim(name, measured, limit)`: it prints the line at once and, when
BENCH_AIMS_FILE is set (`make bench` sets it), appends it there; `python bench/aims.py` then
prints the table of every aim the run measured. Ratios are read in one run of one bench
(machines are noisy; absolute times are not stable), so most aims are ratios.

    python bench/aims.py [FILE]
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path


def aim(
    name: str, measured: float, limit: float, *, unit: str = "x", at_least: bool = False
) -> bool:
    """Print `name: measured (aim <= limit): met|NOT met` and record it for the table.
    `at_least` turns the aim into a floor (throughput)."""
    met = measured >= limit if at_least else measured <= limit
    sign = ">=" if at_least else "<="
    verdict = "met" if met else "NOT met"
    print(f"{name}: {measured:,.2f}{unit} (aim {sign} {limit:g}{unit}): {verdict}", flush=True)
    target = os.environ.get("BENCH_AIMS_FILE")
    if target:
        row = {"name": name, "measured": measured, "limit": limit, "unit": unit,
               "at_least": at_least, "met": met}  # fmt: skip
        with Path(target).open("a", encoding="utf-8") as out:
            out.write(json.dumps(row) + "\n")
    return met


def table(path: Path) -> str:
    rows = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line]
    width = max((len(r["name"]) for r in rows), default=10)
    lines = [f"{'aim':<{width}}  {'measured':>12}  {'aim':>10}  verdict"]
    for r in rows:
        sign = ">=" if r["at_least"] else "<="
        lines.append(
            f"{r['name']:<{width}}  {r['measured']:>11,.2f}{r['unit']:<1}  "
            f"{sign} {r['limit']:>6g}{r['unit']:<1}  {'met' if r['met'] else 'NOT met'}"
        )
    met = sum(r["met"] for r in rows)
    lines.append(f"{met} of {len(rows)} aims met")
    return "\n".join(lines)


if __name__ == "__main__":
    source = Path(sys.argv[1] if len(sys.argv) > 1 else os.environ.get("BENCH_AIMS_FILE", ""))
    if not source.is_file():
        sys.exit(f"no aims recorded at {source}")
    print(table(source))
