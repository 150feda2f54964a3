"""WCAG contrast: the ratios the specification's own examples give, the text colour chosen for
a brand colour, and the darker shade proposed for a colour that fails AA."""

from __future__ import annotations

import pytest

from apps.tenancy.contrast import aa_shade, contrast_ratio, text_colour_on


@pytest.mark.parametrize(
    ("a", "b", "expected"),
    [("#000000", "#ffffff", 21.0), ("#ffffff", "#ffffff", 1.0), ("#777777", "#ffffff", 4.48)],
)
def test_contrast_ratio(a: str, b: str, expected: float) -> None:
    assert contrast_ratio(a, b) == pytest.approx(expected, abs=0.01)
    assert contrast_ratio(b, a) == pytest.approx(expected, abs=0.01)


@pytest.mark.parametrize(
    ("background", "text"),
    [
        ("#334155", "#ffffff"),
        ("#fde047", "#111827"),
        ("#0f172a", "#ffffff"),
        ("#e5e7eb", "#111827"),
    ],
)
def test_text_colour_on_a_brand_colour(background: str, text: str) -> None:
    assert text_colour_on(background) == text


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
