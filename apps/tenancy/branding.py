"""Validation of partner-supplied branding. Only validated values reach a page, and only as
CSS custom properties or escaped text; logos are decoded and re-encoded by Pillow. And how
the brand colours read (WCAG AA), for the branding editor's warning."""

from __future__ import annotations

import io
import re
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from PIL import Image, UnidentifiedImageError

from .contrast import AA_LARGE, AA_NORMAL, LIGHT_TEXT, aa_shade, contrast_ratio

HEX_COLOUR_RE = re.compile(r"^#[0-9A-Fa-f]{6}$")
# Portal names are shown as text; control characters and markup delimiters are refused so a
# name can never look like HTML even where a template forgets to escape.
PORTAL_NAME_RE = re.compile(r"^[^<>{}\x00-\x1f\x7f]{1,80}$")
ALLOWED_LOGO_FORMATS = {"PNG": "image/png", "JPEG": "image/jpeg"}


def clean_colour(value: object) -> str:
    if not isinstance(value, str) or not HEX_COLOUR_RE.fullmatch(value):
        raise ValidationError(_("Use a colour in the form #RRGGBB."), code="invalid_colour")
    return value.upper()


def clean_portal_name(value: object) -> str:
    if not isinstance(value, str) or not PORTAL_NAME_RE.fullmatch(value.strip()):
        raise ValidationError(
            _("Use 1 to 80 characters without <, >, { or }."), code="invalid_portal_name"
        )
    return value.strip()


def clean_logo(data: bytes) -> tuple[bytes, str]:
    """Return the logo re-encoded by Pillow and its content type, or refuse it.

    The format is decided by the file's content, not its name or declared type; the image is
    decoded completely and written anew, so nothing but pixels survives.
    """
    if len(data) > settings.LOGO_MAX_BYTES:
        raise ValidationError(
            _("The logo is larger than %(max)d KiB.") % {"max": settings.LOGO_MAX_BYTES // 1024},
            code="logo_too_large",
        )
    try:
        with Image.open(io.BytesIO(data)) as probe:
            image_format = probe.format
            probe.verify()
        with Image.open(io.BytesIO(data)) as image:
            if image_format not in ALLOWED_LOGO_FORMATS:
                raise ValidationError(_("The logo must be a PNG or JPEG image."), code="logo_type")
            if max(image.size) > settings.LOGO_MAX_PIXELS * 4:
                raise ValidationError(_("The logo's dimensions are too large."), code="logo_size")
            image.load()
            image.thumbnail((settings.LOGO_MAX_PIXELS, settings.LOGO_MAX_PIXELS))
            out = io.BytesIO()
            if image_format == "PNG":
                image.convert("RGBA").save(out, format="PNG", optimize=True)
            else:
                image.convert("RGB").save(out, format="JPEG", quality=90)
    except (UnidentifiedImageError, OSError, SyntaxError, Image.DecompressionBombError) as exc:
        raise ValidationError(_("The logo must be a PNG or JPEG image."), code="logo_type") from exc
    return out.getvalue(), ALLOWED_LOGO_FORMATS[image_format]


@dataclass(frozen=True)
class ContrastCheck:
    """How one brand colour reads against white (WCAG 2.2 AA), and the darker shade of the same
    hue proposed when it does not: the branding editor shows it live and on save."""

    field: str  # the branding field: primary_color, accent_color
    colour: str
    against: str
    needed: float  # 4.5 where text sits on or in the colour, 3.0 for a border or bar
    ratio: float
    proposed: str  # the colour itself when it passes

    @property
    def passes(self) -> bool:
        return self.ratio >= self.needed

    @property
    def proposed_ratio(self) -> float:
        return contrast_ratio(self.proposed, self.against)


# the primary colour carries text (the top bar, buttons, links); the accent only marks cards
CONTRAST_NEEDS = {"primary_color": AA_NORMAL, "accent_color": AA_LARGE}


def contrast_checks(colours: dict[str, str]) -> list[ContrastCheck]:
    """Each brand colour given (validated #RRGGBB) checked against white."""
    checks = []
    for field, needed in CONTRAST_NEEDS.items():
        colour = colours.get(field)
        if not colour:
            continue
        checks.append(
            ContrastCheck(
                field=field,
                colour=colour,
                against=LIGHT_TEXT,
                needed=needed,
                ratio=contrast_ratio(colour, LIGHT_TEXT),
                proposed=aa_shade(colour, LIGHT_TEXT, needed).upper(),
            )
        )
    return checks
