"""Colour contrast by WCAG 2.2 (relative luminance, contrast ratio): which text colour reads on a
tenant's brand colour, whether a brand colour passes AA against white, and the nearest darker
shade that does. Colours are the validated `#RRGGBB` values `branding.clean_colour` returns."""

from __future__ import annotations

DARK_TEXT = "#111827"
LIGHT_TEXT = "#ffffff"
AA_NORMAL = 4.5  # WCAG 2.2 1.4.3, body text
AA_LARGE = 3.0  # large text and user-interface components (1.4.11)


def _rgb(colour: str) -> tuple[int, int, int]:
    value = colour.lstrip("#")
    if len(value) != 6:
        raise ValueError(f"not a #RRGGBB colour: {colour!r}")
    return int(value[0:2], 16), int(value[2:4], 16), int(value[4:6], 16)


def _hex(rgb: tuple[int, int, int]) -> str:
    return "#{:02x}{:02x}{:02x}".format(*rgb)


def _channel(value: int) -> float:
    c = value / 255
    return c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4


def luminance(colour: str) -> float:
    r, g, b = (_channel(v) for v in _rgb(colour))
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast_ratio(a: str, b: str) -> float:
    """1.0 (none) to 21.0 (black on white), whichever colour is lighter."""
    la, lb = luminance(a), luminance(b)
    high, low = max(la, lb), min(la, lb)
    return (high + 0.05) / (low + 0.05)


def text_colour_on(background: str) -> str:
    """White or near-black, whichever reads better on the background."""
    if contrast_ratio(LIGHT_TEXT, background) >= contrast_ratio(DARK_TEXT, background):
        return LIGHT_TEXT
    return DARK_TEXT


def aa_shade(colour: str, against: str = LIGHT_TEXT, ratio: float = AA_NORMAL) -> str:
    """The colour itself when it reaches `ratio` against `against`, else the lightest darker
    shade of the same hue that does (black at worst): what the branding editor proposes."""
    if contrast_ratio(colour, against) >= ratio:
        return colour
    r, g, b = _rgb(colour)
    for step in range(1, 101):
        factor = 1 - step / 100
        shade = (round(r * factor), round(g * factor), round(b * factor))
        if contrast_ratio(_hex(shade), against) >= ratio:
            return _hex(shade)
    return "#000000"
