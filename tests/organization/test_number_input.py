"""Numbers typed in the portal are read in the reader's language: "1.234,56" and "12,5" in
German, "1 234,56" in French, "1,234.56" in English; the API's plain "12.5" everywhere; anything
else refused with a message that shows what a number looks like in that language."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.utils import translation

from apps.organization.number_input import DecimalInput, NumberNotRead, input_text, parse_decimal

READ = [
    ("de", "1.234,56", "1234.56"),
    ("de", "12,5", "12.5"),
    ("de", "12.5", "12.5"),  # the API's plain form: a point that cannot group thousands
    ("de", "1.234", "1234"),  # a German thousands point
    ("de", "1.234.567,8", "1234567.8"),
    ("de", " 1 234,56 ", "1234.56"),
    ("de", "-3,5", "-3.5"),
    ("de", "0,125", "0.125"),
    ("fr", "1 234,56", "1234.56"),
    ("fr", "1\xa0234,56", "1234.56"),
    ("fr", "1\u202f234,56", "1234.56"),
    ("fr", "1.234,56", "1234.56"),
    ("fr", "12.5", "12.5"),
    ("es", "1.234,56", "1234.56"),
    ("es", "12,5", "12.5"),
    ("en", "1,234.56", "1234.56"),
    ("en", "12.5", "12.5"),
    ("en", "1234", "1234"),
]

REFUSED = [
    ("de", "abc"),
    ("de", "1.23,5"),  # a point that groups must stand before three digits
    ("de", "1,234.56"),  # English grouping in German: ambiguous, refused
    ("de", "12,5,0"),
    ("fr", "12 34,5"),
    ("en", "12,5"),  # a comma groups thousands in English
    ("en", "1e5"),
    ("en", "NaN"),
    ("en", "Infinity"),
    ("en", ""),
    ("en", "-"),
]


@pytest.mark.parametrize(("language", "typed", "number"), READ)
def test_a_number_is_read_in_the_readers_language(language: str, typed: str, number: str) -> None:
    with translation.override(language):
        assert parse_decimal(typed) == Decimal(number)


@pytest.mark.parametrize(("language", "typed"), REFUSED)
def test_what_is_not_a_number_is_refused_with_an_example(language: str, typed: str) -> None:
    with translation.override(language), pytest.raises(NumberNotRead) as refused:
        parse_decimal(typed)
    example = {"de": "1.234,56", "fr": "1\xa0234,56", "es": "1\xa0234,56", "en": "1,234.56"}
    assert example[language] in str(refused.value)


def test_a_stored_number_is_shown_back_as_the_reader_types_it() -> None:
    with translation.override("de"):
        assert input_text(Decimal("1234.50")) == "1234,50"
        assert parse_decimal(input_text(Decimal("0.125"))) == Decimal("0.125")
    with translation.override("en"):
        assert input_text(Decimal("1234.50")) == "1234.50"


def test_a_number_shown_in_a_field_is_never_grouped() -> None:
    """Even where the site groups thousands in text, a field's value is not grouped: German
    "1.000" typed back is one thousand only by luck, and French "1 000,5" not at all."""
    from django.test import override_settings

    field = DecimalInput(max_digits=12, decimal_places=3)
    with override_settings(USE_THOUSAND_SEPARATOR=True):
        for language, shown in (("de", "1000,5"), ("fr", "1000,5"), ("en", "1000.5")):
            with translation.override(language):
                assert input_text(Decimal("1000.5")) == shown
                assert f'value="{shown}"' in field.widget.render("quantity", Decimal("1000.5"))
                assert parse_decimal(shown) == Decimal("1000.5")


def test_the_form_field_reads_the_language_and_refuses_in_it() -> None:
    field = DecimalInput(min_value=Decimal("0.01"), max_digits=12, decimal_places=2)
    assert 'inputmode="decimal"' in field.widget.render("amount", Decimal("1234.5"))
    with translation.override("de"):
        assert field.clean("1.234,56") == Decimal("1234.56")
        assert field.clean("12.5") == Decimal("12.5")
        assert field.widget.render("amount", Decimal("1234.50")).count('value="1234,50"') == 1
        with pytest.raises(Exception) as refused:
            field.clean("zwölf")
    with translation.override("de"):
        assert translation.gettext("Enter a number, such as %(example)s.") != (
            "Enter a number, such as %(example)s."
        )
        assert "1.234,56" in " ".join(refused.value.messages)  # type: ignore[attr-defined]
    with translation.override("en"), pytest.raises(Exception, match="Ensure this value"):
        field.clean("0")
