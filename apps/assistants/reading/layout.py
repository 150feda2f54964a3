"""The page as the reader sees it: text segments with their positions, grouped into visual
lines. A segment is a run of text without a column gap (a label, a value, a table cell): from
a text PDF through pdfplumber, from a scan or photo through OCR (rapidocr-onnxruntime, whose
wheel carries its ONNX models; loaded once per process, on first use)."""

from __future__ import annotations

import io
import math
import statistics
import threading
from dataclasses import dataclass, field
from typing import Any

MAX_TEXT_PAGES = 5
MAX_OCR_PAGES = 2
OCR_SCALE = 2.0  # pdfium renders at 144 dpi: enough for 9pt text, ~1 s a page
_engine: Any = None
_engine_lock = threading.Lock()


@dataclass
class Segment:
    text: str
    x0: float
    x1: float
    top: float
    bottom: float
    page: int = 0
    score: float = 1.0  # the OCR's own confidence; 1 for a text layer

    @property
    def middle(self) -> float:
        return (self.top + self.bottom) / 2

    def char_x(self, index: int) -> float:
        """Where the index-th character of the text starts (spread evenly)."""
        width = (self.x1 - self.x0) / max(1, len(self.text))
        return self.x0 + width * index


@dataclass
class Line:
    segments: list[Segment] = field(default_factory=list)

    @property
    def top(self) -> float:
        return min(s.top for s in self.segments)

    @property
    def bottom(self) -> float:
        return max(s.bottom for s in self.segments)

    @property
    def page(self) -> int:
        return self.segments[0].page

    @property
    def text(self) -> str:
        return "  ".join(s.text for s in self.segments)


@dataclass
class Page:
    """What was read: the lines in reading order, and how (text layer or OCR)."""

    lines: list[Line]
    source: str  # "text" or "ocr"
    ocr_score: float = 1.0

    @property
    def text(self) -> str:
        return "\n".join(line.text for line in self.lines)


def lines_of(segments: list[Segment]) -> list[Line]:
    """Segments grouped into lines by their vertical middle, each line left to right."""
    if not segments:
        return []
    height = statistics.median(max(1.0, s.bottom - s.top) for s in segments)
    ordered = sorted(segments, key=lambda s: (s.page, s.middle))
    lines: list[Line] = []
    for segment in ordered:
        last = lines[-1] if lines else None
        if (
            last is not None
            and last.page == segment.page
            and abs(statistics.fmean(s.middle for s in last.segments) - segment.middle)
            < 0.5 * height
        ):
            last.segments.append(segment)
        else:
            lines.append(Line([segment]))
    for line in lines:
        line.segments.sort(key=lambda s: s.x0)
    return lines


def pdf_segments(data: bytes) -> list[Segment]:
    """The text layer's words, joined into runs where only a space separates them."""
    import pdfplumber

    segments: list[Segment] = []
    offset = 0.0
    with pdfplumber.open(io.BytesIO(data)) as pdf:
        for number, page in enumerate(pdf.pages[:MAX_TEXT_PAGES]):
            words = page.extract_words(keep_blank_chars=True, x_tolerance=2.5, y_tolerance=2)
            for word in words:
                text = " ".join(word["text"].split())
                if text:
                    segments.append(
                        Segment(
                            text,
                            word["x0"],
                            word["x1"],
                            word["top"] + offset,
                            word["bottom"] + offset,
                            number,
                        )
                    )
            offset += float(page.height)
    return segments


def ocr_engine() -> Any:
    """The OCR engine, made once per process (its models are in the installed wheel)."""
    global _engine
    with _engine_lock:
        if _engine is None:
            from rapidocr_onnxruntime import RapidOCR

            _engine = RapidOCR()
        return _engine


def _deskewed(boxes: list[Any]) -> list[tuple[list[list[float]], str, float]]:
    """The boxes turned back by the page's median text angle (a photo held slightly askew)."""
    angles = []
    for box, _text, _score in boxes:
        (x0, y0), (x1, y1) = box[0], box[1]
        if x1 - x0 > 40:
            angles.append(math.atan2(y1 - y0, x1 - x0))
    angle = statistics.median(angles) if angles else 0.0
    cos, sin = math.cos(-angle), math.sin(-angle)
    out = []
    for box, text, score in boxes:
        points = [[x * cos - y * sin, x * sin + y * cos] for x, y in box]
        out.append((points, text, float(score)))
    return out


def image_segments(image: Any, page: int = 0, offset: float = 0.0) -> list[Segment]:
    """OCR of one image (a PIL image): each text box a segment."""
    import numpy as np

    array = np.asarray(image.convert("RGB"))
    result, _elapsed = ocr_engine()(array)
    segments = []
    for points, text, score in _deskewed(result or []):
        xs, ys = [p[0] for p in points], [p[1] for p in points]
        text = " ".join(str(text).split())
        if text:
            segments.append(
                Segment(text, min(xs), max(xs), min(ys) + offset, max(ys) + offset, page, score)
            )
    return segments


def pdf_images(data: bytes) -> list[Any]:
    """The PDF's first pages rendered as images (pypdfium2), for OCR."""
    import pypdfium2 as pdfium

    document = pdfium.PdfDocument(data)
    try:
        return [
            document[i].render(scale=OCR_SCALE).to_pil()
            for i in range(min(len(document), MAX_OCR_PAGES))
        ]
    finally:
        document.close()


def ocr_page(images: list[Any]) -> Page:
    segments: list[Segment] = []
    offset = 0.0
    for number, image in enumerate(images):
        segments += image_segments(image, number, offset)
        offset += image.height
    score = statistics.fmean(s.score for s in segments) if segments else 0.0
    return Page(lines_of(segments), "ocr", score)


def page_of_pdf(data: bytes) -> Page:
    """The PDF's text layer; a PDF without one (a scan) is rendered and read by OCR."""
    segments = pdf_segments(data)
    if sum(len(s.text) for s in segments) >= 20:
        return Page(lines_of(segments), "text")
    return ocr_page(pdf_images(data))


def page_of_image(data: bytes) -> Page:
    from PIL import Image, ImageOps

    with Image.open(io.BytesIO(data)) as opened:
        image = ImageOps.exif_transpose(opened).convert("RGB")
    longest = max(image.size)
    if longest > 2600:  # a phone photo: OCR at about the scan's resolution
        ratio = 2600 / longest
        image = image.resize((int(image.width * ratio), int(image.height * ratio)))
    return ocr_page([image])
