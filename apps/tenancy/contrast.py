"""Colour contrast by WCAG 2.2 (relative luminance, contrast ratio): which text colour reads on a
tenant's brand colour, whether a brand colour passes AA against white, and the nearest darker
shade that does. Colours are the validated `#RRGGBB` values `branding.clean_colour` returns."""

from __future__ import annotations

LIGHT_TEXT = "#ffffff"
# the page's background (static/css/portal.css --bg), the darkest surface links sit on: a link
# shade that passes against it passes on the white cards too
PAGE_BACKGROUND = "#f6f7f9"
AA_NORMAL = 4.5  # WCAG 2.2 1.4.3, body text
AA_LARGE = 3.0  # large text and user-interface components (1.4.11)
AAA_NORMAL = 7.0  # 1.4.6: what dark text on a light brand colour aims for


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
    """White where it reads at AA on the background; on a colour too light for white, the
    colour's own hue darkened until it reads at AAA (7:1), black where no shade of it does.
    Never below AA: a background too light for white has a luminance above 0.18, on which
    black already reads at 4.67:1."""
    if contrast_ratio(LIGHT_TEXT, background) >= AA_NORMAL:
        return LIGHT_TEXT
    return aa_shade(background, against=background, ratio=AAA_NORMAL)


def link_colour(primary: str) -> str:
    """The primary colour for links, or the darker shade of it that reads at AA on the page's
    background (and so on white)."""
    return aa_shade(primary, against=PAGE_BACKGROUND, ratio=AA_NORMAL)


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
