"""Tax ids per country (python-stdnum) and bank details (schwifty, US routing numbers)."""

from __future__ import annotations

import pytest

from apps.suppliers.validation import check_bank_details, check_country, check_tax_id


@pytest.mark.parametrize(
    ("country", "value", "normalised"),
    [
        ("DE", "DE 136 695 976", "DE136695976"),
        ("DE", "136695976", "DE136695976"),
        ("FR", "FR40303265045", "FR40303265045"),
        ("NL", "NL004495445B01", "NL004495445B01"),
        ("GB", "GB 980 7806 84", "GB980780684"),
        ("US", "04-2103594", "042103594"),
        ("IT", "IT00743110157", "IT00743110157"),
        ("ES", "ESA13585625", "ESA13585625"),
    ],
)
def test_valid_tax_ids_are_normalised(country: str, value: str, normalised: str) -> None:
    result = check_tax_id(country, value)
    assert result.valid is True, result.message
    assert result.value == normalised


@pytest.mark.parametrize(
    ("country", "value"),
    [
        ("DE", "DE136695977"),  # check digit
        ("DE", "12345"),
        ("FR", "FR41303265045"),
        ("GB", "GB980780685"),
        ("US", "00-0000000"),  # no such EIN prefix
        ("US", "12-345"),
        ("NL", "NL004495446B01"),  # check digit
    ],
)
def test_invalid_tax_ids_are_refused_with_a_reason(country: str, value: str) -> None:
    result = check_tax_id(country, value)
    assert result.valid is False
    assert country in result.message


def test_a_country_without_a_validator_is_not_claimed_valid() -> None:
    result = check_tax_id("PA", "155596713-2-2015")
    assert result.valid is None


@pytest.mark.parametrize(
    ("data", "country", "last4"),
    [
        ({"iban": "DE89 3704 0044 0532 0130 00", "bic": "COBADEFFXXX"}, "DE", "3000"),
        ({"iban": "GB29NWBK60161331926819"}, "GB", "6819"),
        ({"iban": "FR1420041010050500013M02606"}, "FR", "2606"),
        ({"iban": "NL91ABNA0417164300", "bic": "ABNANL2A"}, "NL", "4300"),
        ({"account_number": "000123456789", "routing_number": "011000015"}, "US", "6789"),
    ],
)
def test_valid_bank_details(data: dict[str, str], country: str, last4: str) -> None:
    details = check_bank_details(data)
    assert details.bank_country == country
    assert details.number[-4:] == last4


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"iban": "DE89 3704 0044 0532 0130 01"}, "iban"),  # checksum
        ({"iban": "GB29NWBK6016133192681"}, "iban"),  # length
        ({"iban": "XX89370400440532013000"}, "iban"),  # country
        ({"iban": "DE89370400440532013000", "bic": "NWBKGB2L"}, "bic"),  # BIC of another country
        ({"iban": "DE89370400440532013000", "bic": "XXXX"}, "bic"),
        ({"account_number": "000123456789", "routing_number": "011000016"}, "routing_number"),
        ({"account_number": "12", "routing_number": "011000015"}, "account_number"),
        ({}, "iban"),
    ],
)
def test_invalid_bank_details_name_the_field(data: dict[str, str], field: str) -> None:
    with pytest.raises(ValueError) as caught:
        check_bank_details(data)
    assert field in caught.value.args[0]


def test_country_codes() -> None:
    assert check_country("de") == "DE"
    assert check_country("XX") is None
    assert check_country("Germany") is None
