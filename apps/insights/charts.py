"""Charts drawn on the server as SVG: no script, no CDN, readable offline and without colour
(each series has its own marker shape and dash, every bar its number and label). Colours are
the tenant's, through the classes of static/css/portal.css (`--brand-primary`, `--brand-accent`)."""

from __future__ import annotations

from typing import Any

from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString

WIDTH, HEIGHT, PAD = 640, 200, 36


def _points(values: list[float | None], top: float) -> list[tuple[float, float] | None]:
    step = (WIDTH - 2 * PAD) / max(len(values) - 1, 1)
    return [
        None if v is None else (PAD + i * step, HEIGHT - PAD - (HEIGHT - 2 * PAD) * v / top)
        for i, v in enumerate(values)
    ]


def trend_chart(weeks: list[dict[str, Any]], series: list[tuple[str, str, str]]) -> SafeString:
    """Weekly rates (0..1) as lines: `series` is [(key, label, css class)]; a week without a
    value breaks the line rather than drawing a zero."""
    if not weeks:
        return SafeString("")
    parts = [
        format_html(
            '<line class="axis" x1="{}" y1="{}" x2="{}" y2="{}"/>',
            PAD, HEIGHT - PAD, WIDTH - PAD, HEIGHT - PAD,
        ),
        format_html('<text x="4" y="{}">100%</text><text x="4" y="{}">0%</text>',
                    PAD + 4, HEIGHT - PAD + 4),
    ]  # fmt: skip
    for n, (key, label, css) in enumerate(series):
        points = _points([w[key] for w in weeks], 1.0)
        runs: list[list[tuple[float, float]]] = [[]]
        for point in points:
            if point is None:
                runs.append([])
            else:
                runs[-1].append(point)
        for run in filter(None, runs):
            path = " ".join(f"{x:.1f},{y:.1f}" for x, y in run)
            parts.append(format_html('<polyline class="{}" points="{}"/>', css, path))
        marker = '<rect class="{}" x="{}" y="{}" width="6" height="6"/>'
        if n % 2 == 0:
            marker = '<circle class="{}" cx="{}" cy="{}" r="3.5"/>'
        for point, week in zip(points, weeks, strict=True):
            if point is not None:
                x, y = (point[0] - 3, point[1] - 3) if n % 2 else point
                parts.append(format_html(marker, css, f"{x:.1f}", f"{y:.1f}"))
                parts.append(
                    format_html("<title>{} {}: {}</title>", label, week["week"], week[key])
                )
        parts.append(format_html('<text class="{}" x="{}" y="{}">{}</text>',
                                 css, WIDTH - PAD - 150, 14 + 14 * n, label))  # fmt: skip
    for i, week in enumerate(weeks):
        if i % 2 == 0:
            x = PAD + i * (WIDTH - 2 * PAD) / max(len(weeks) - 1, 1)
            parts.append(format_html('<text x="{}" y="{}">{}</text>', f"{x - 16:.0f}",
                                     HEIGHT - 8, week["week"][5:]))  # fmt: skip
    return format_html(
        '<svg class="chart" viewBox="0 0 {} {}" role="img" aria-label="{}">{}</svg>',
        WIDTH, HEIGHT, ", ".join(label for _k, label, _c in series),
        format_html_join("", "{}", ((part,) for part in parts)),
    )  # fmt: skip


def bar_chart(rows: list[tuple[str, int, str]], label: str) -> SafeString:
    """Horizontal bars [(label, count, link)], each with its label and number written."""
    if not rows:
        return SafeString("")
    top = max(count for _l, count, _h in rows) or 1
    height = 24 * len(rows) + 8
    bars = format_html_join(
        "",
        '<a href="{}"><text x="0" y="{}">{}</text><rect class="bar" x="200" y="{}" width="{}"'
        ' height="16"/><text x="{}" y="{}">{}</text></a>',
        (
            (link, 24 * i + 16, name, 24 * i + 4, max(2, 360 * count // top),
             210 + 360 * count // top, 24 * i + 16, count)
            for i, (name, count, link) in enumerate(rows)
        ),
    )  # fmt: skip
    return format_html(
        # a group, not an image: an image's children are hidden, and each bar is a link
        '<svg class="chart" viewBox="0 0 640 {}" role="group" aria-label="{}">{}</svg>',
        height, label, bars,
    )  # fmt: skip
