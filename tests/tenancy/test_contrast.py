"""WCAG contrast: the ratios the specification's own examples give, the text colour chosen for
a brand colour (white, or a darker shade of the colour itself that reads at AA at least), the
link shade, and the darker shade proposed for a colour that fails AA."""

from __future__ import annotations

import pytest

from apps.tenancy.contrast import (
    PAGE_BACKGROUND,
    aa_shade,
    contrast_ratio,
    link_colour,
    luminance,
    text_colour_on,
)


@pytest.mark.parametrize(
    ("a", "b", "expected"),
    [
        ("#000000", "#ffffff", 21.0),
        ("#ffffff", "#ffffff", 1.0),
        ("#777777", "#ffffff", 4.48),  # the grey that famously just fails AA
        ("#767676", "#ffffff", 4.54),  # and its neighbour that just passes
        ("#0000ff", "#ffffff", 8.59),
        ("#ff0000", "#ffffff", 4.0),
        ("#ff0000", "#000000", 5.25),
    ],
)
def test_contrast_ratio(a: str, b: str, expected: float) -> None:
    assert contrast_ratio(a, b) == pytest.approx(expected, abs=0.01)
    assert contrast_ratio(b, a) == pytest.approx(expected, abs=0.01)


def test_relative_luminance_of_known_colours() -> None:
    assert luminance("#ffffff") == pytest.approx(1.0)
    assert luminance("#000000") == pytest.approx(0.0)
    assert luminance("#808080") == pytest.approx(0.2159, abs=0.0001)


@pytest.mark.parametrize(
    ("background", "text"),
    [
        ("#334155", "#ffffff"),  # dark enough for white
        ("#0f172a", "#ffffff"),
        ("#767676", "#ffffff"),  # white just reaches AA
        ("#fde047", "#4e4516"),  # yellow: a dark olive of its own hue, 7.28:1
        ("#e5e7eb", "#494a4b"),
        ("#f59e0b", "#332102"),
        ("#777777", "#000000"),  # mid-tones: no shade of the hue reaches 7:1; black reads at AA
        ("#ff0000", "#000000"),
    ],
)
def test_text_colour_on_a_brand_colour(background: str, text: str) -> None:
    assert text_colour_on(background) == text


@pytest.mark.parametrize(
    "background",
    ["#777777", "#ff0000", "#3b82f6", "#2e9e6a", "#0ea5e9", "#fde047", "#ffffff", "#808080"],
)
def test_text_on_any_brand_colour_reads_at_aa(background: str) -> None:
    """The colours where neither white nor the old near-black #111827 reached 4.5:1 (#777777
    got 3.96 with it) now read at AA."""
    assert contrast_ratio(text_colour_on(background), background) >= 4.5


def test_links_get_a_shade_that_reads_on_the_page_and_on_white() -> None:
    assert link_colour("#334155") == "#334155"
    link = link_colour("#0ea5e9")  # sky blue: 2.77 on white
    assert link != "#0ea5e9"
    assert contrast_ratio(link, PAGE_BACKGROUND) >= 4.5
    assert contrast_ratio(link, "#ffffff") >= 4.5


def test_a_colour_that_passes_is_kept_and_one_that_fails_gets_a_darker_shade() -> None:
    assert aa_shade("#334155") == "#334155"
    shade = aa_shade("#f59e0b")  # amber: 2.1 against white
    assert shade != "#f59e0b"
    assert contrast_ratio(shade, "#ffffff") >= 4.5
    # the lightest shade that passes: one step lighter fails
    r, g, b = (int(shade[i : i + 2], 16) for i in (1, 3, 5))
    assert (
        contrast_ratio(
            "#ffffff", "#{:02x}{:02x}{:02x}".format(*(min(255, v + 3) for v in (r, g, b)))
        )
        < 4.6
    )


def test_not_a_colour_is_refused() -> None:
    with pytest.raises(ValueError):
        contrast_ratio("#fff", "#000000")
