"""How good the AI assistants are, measured on data they never saw (issue 33, docs/ai.md).
Printed, never asserted. Each assistant has its section in bench/ai/ (`run(args)`):

  - spend coding: top-1 accuracy of category and cost center on a time split of the demo
    history and on the labelled set in data/ai/requisitions.jsonl, beside a majority-class
    baseline; suggestion latency p95; training time on 100,000 requisitions
  - invoice reading: per-field exact match on the Factur-X PDFs of ../shared/data/einvoices
    (visible text against the embedded XML), on generated PDFs in several layouts and four
    languages, and on the same rendered to images and read by OCR; extraction latency
  - exception advice: how often the suggested resolution equals the person's, on a time split
  - anomaly signals and supplier answers: what they flag and answer on labelled cases

Sections that need the demo history seed it when the `acme` tenant is missing.

    python bench/ai_quality.py [--only spend_coding,invoice_reading,...] [--quick]
"""

from __future__ import annotations

import argparse
import importlib
import logging
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
import submit  # noqa: F401  (sets up Django)

SECTIONS = ["spend_coding", "invoice_reading", "exception_advice", "signals"]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--only", default=",".join(SECTIONS))
    parser.add_argument("--quick", action="store_true", help="smaller samples, for a try")
    args = parser.parse_args()
    logging.getLogger("weasyprint").setLevel(logging.ERROR)  # its font notices, per PDF
    for name in args.only.split(","):
        if name not in SECTIONS:
            raise SystemExit(f"unknown section {name!r}; one of {', '.join(SECTIONS)}")
        try:
            module = importlib.import_module(f"ai.{name}")
        except ModuleNotFoundError as exc:
            print(f"== {name}: not measured ({exc})")
            continue
        print(f"== {name}")
        started = time.perf_counter()
        module.run(args)
        print(f"   ({time.perf_counter() - started:.1f} s)")


if __name__ == "__main__":
    main()
