"""Invoice reading (docs/ai/invoice_reading.md): per-field exact match of number, issue date,
due date, currency, total, tax total and PO reference
  - on every Factur-X PDF of the shared reference data: the visible text read against the
    embedded XML, as the house's own Factur-X reader (apps.einvoices.facturx) reads it;
  - on generated invoices (tests/assistants/invoice_samples.py: five layouts, EN/DE/FR/ES,
    fixed seed) as text PDFs;
  - on the same rendered to photo-like PNGs (rotated, noised) and read by OCR;
and the extraction latency p50/p95 of a one-page text PDF and of a scan. Printed, never
asserted."""

from __future__ import annotations

import tempfile
import time
from decimal import Decimal
from pathlib import Path
from typing import Any

from ai.common import percentile, rate

ROOT = Path(__file__).resolve().parents[2]
FIELDS = (
    "invoice_number",
    "invoice_date",
    "due_date",
    "currency",
    "total",
    "tax_total",
    "po_number",
)
EINVOICES = [
    ROOT.parent.parent / "shared" / "data" / "einvoices",
    ROOT / "tests" / "invoices" / "data" / "einvoices",
]


def _expected_of_xml(data: bytes) -> dict[str, Any]:
    from apps.einvoices.facturx import parse_facturx

    parsed = parse_facturx(data)
    return {
        "invoice_number": parsed.invoice_number,
        "invoice_date": parsed.invoice_date.isoformat(),
        "due_date": parsed.due_date.isoformat() if parsed.due_date else None,
        "currency": parsed.currency,
        "total": str(Decimal(parsed.total).quantize(Decimal("0.01"))),
        "tax_total": str(Decimal(parsed.tax_total).quantize(Decimal("0.01"))),
        "po_number": parsed.po_reference or None,
    }


def _score(rows: list[tuple[dict[str, Any], dict[str, Any]]], title: str) -> None:
    print(f"   {title}: {len(rows)} documents")
    for name in FIELDS:
        wanted = [(got.get(name), exp.get(name)) for got, exp in rows if exp.get(name) is not None]
        hits = sum(1 for got, exp in wanted if got == exp)
        print(f"     {name:15s} {rate(hits, len(wanted))}")


def _read(data: bytes) -> tuple[dict[str, Any], float]:
    from apps.assistants.reading.document import document_read

    started = time.perf_counter()
    try:
        reading, _ext = document_read(data)
        fields = reading.fields
    except Exception as exc:  # a refusal counts as nothing read
        fields = {"error": str(exc)}
    return fields, time.perf_counter() - started


def run(args: Any) -> None:
    from tests.assistants.invoice_samples import render_pdf, render_png, samples

    folder = next((p for p in EINVOICES if p.is_dir()), None)
    rows = []
    for path in sorted(folder.glob("*.pdf")) if folder else []:
        data = path.read_bytes()
        got, _elapsed = _read(data)
        rows.append((got, _expected_of_xml(data)))
        misses = [n for n in FIELDS if _expected_of_xml(data).get(n) not in (None, got.get(n))]
        print(f"     {path.name}: missed {', '.join(misses) or 'nothing'}")
    _score(rows, f"Factur-X PDFs, visible text vs embedded XML ({folder})")

    count = 20 if args.quick else 100
    images = 8 if args.quick else 100
    truths = samples(count)
    text_rows, image_rows, text_times, scan_times = [], [], [], []
    with tempfile.TemporaryDirectory() as tmp:
        for i, truth in enumerate(truths):
            pdf = render_pdf(truth)
            (Path(tmp) / f"{truth.name}.pdf").write_bytes(pdf)
            expected = {n: getattr(truth, n) for n in FIELDS}
            got, elapsed = _read(pdf)
            text_rows.append((got, expected))
            text_times.append(elapsed)
            if i < images:
                got, elapsed = _read(render_png(pdf, photo=True, seed=i))
                image_rows.append((got, expected))
                scan_times.append(elapsed)
    _score(text_rows, "generated text PDFs (5 layouts, EN/DE/FR/ES, seed 33)")
    _score(image_rows, "the same as photo-like PNGs, read by OCR (rapidocr-onnxruntime)")
    print(
        f"   latency, one-page text PDF: p50 {percentile(text_times, 50) * 1000:.0f} ms, "
        f"p95 {percentile(text_times, 95) * 1000:.0f} ms (aim ≤ 1 s)"
    )
    print(
        f"   latency, scan/photo (OCR): p50 {percentile(scan_times, 50):.2f} s, "
        f"p95 {percentile(scan_times, 95):.2f} s (aim ≤ 5 s)"
    )
