"""The pure functions that controls stand on, tested without a database: fast enough for the
mutation run (`make mutants`, docs/testing.md), and each assertion pinned to a behaviour a
control needs (a hash that must change, a refusal that must happen)."""

from __future__ import annotations

import hashlib
from dataclasses import astuple
from datetime import UTC, date, datetime, timedelta, timezone
from typing import Any

import pytest

from apps.accounts.identity import normalised_identity
from apps.accounts.lockout import lockout_username
from apps.api.boundary import MAX_JSON_DEPTH, json_refusal
from apps.audit.chain import at_text, canonical_json, chain_hash
from apps.audit.services import actor_label
from apps.invoices.duplicates import number_key
from apps.payments.bank_days import is_bank_day, next_bank_day
from apps.sanctions.matching import normalize
from apps.suppliers.secrets import fingerprint
from apps.suppliers.validation import check_bank_details, check_tax_id

EVENT: dict[str, Any] = {
    "at": datetime(2026, 11, 28, 12, 0, 0, 123456, tzinfo=UTC),
    "actor_id": "7",
    "actor": "ap@acme.example",
    "on_behalf_of": "",
    "action": "invoice.approved",
    "subject_type": "invoice",
    "subject_id": "42",
    "request_id": "r-1",
    "policy_version": "v3",
    "before": {"status": "pending_approval"},
    "after": {"status": "approved"},
    "data": {"amount": "100.00"},
}


# ------------------------------------------------------------------ the audit chain's hash
def test_the_chain_hash_is_sha256_of_the_previous_hash_and_the_event() -> None:
    canonical = canonical_json(**EVENT)
    assert (
        chain_hash("a" * 64, canonical)
        == hashlib.sha256(("a" * 64 + canonical).encode()).hexdigest()
    )
    assert chain_hash("a" * 64, canonical) != chain_hash("b" * 64, canonical)


@pytest.mark.parametrize("field", sorted(EVENT))
def test_every_field_of_an_event_is_in_its_hash(field: str) -> None:
    changed = dict(EVENT)
    value = EVENT[field]
    if isinstance(value, datetime):
        changed[field] = value + timedelta(microseconds=1)
    elif isinstance(value, dict):
        changed[field] = {**value, "x": 1}
    else:
        changed[field] = f"{value}x"
    assert canonical_json(**changed) != canonical_json(**EVENT)


def test_the_canonical_form_is_fixed() -> None:
    """Every stored hash depends on this exact text: a change breaks every chain."""
    assert canonical_json(**EVENT) == (
        '{"action":"invoice.approved","actor":"ap@acme.example","actor_id":"7",'
        '"after":{"status":"approved"},"at":"2026-11-28T12:00:00.123456+00:00",'
        '"before":{"status":"pending_approval"},"data":{"amount":"100.00"},'
        '"on_behalf_of":"","policy_version":"v3","request_id":"r-1","subject_id":"42",'
        '"subject_type":"invoice"}'
    )


def test_the_time_is_in_utc_whatever_the_machines_zone(monkeypatch: Any) -> None:
    import time as clock

    monkeypatch.setenv("TZ", "Asia/Tokyo")
    clock.tzset()
    try:
        assert at_text(EVENT["at"]) == "2026-11-28T12:00:00.123456+00:00"
    finally:
        monkeypatch.undo()
        clock.tzset()


def test_the_time_is_hashed_in_utc_to_the_microsecond() -> None:
    berlin = timezone(timedelta(hours=1))
    same = EVENT["at"].astimezone(berlin)
    assert at_text(same) == "2026-11-28T12:00:00.123456+00:00"
    assert canonical_json(**{**EVENT, "at": same}) == canonical_json(**EVENT)


def test_canonical_json_is_key_order_independent_and_compact() -> None:
    flipped = {**EVENT, "data": {"b": 1, "a": 2}}
    again = {**EVENT, "data": {"a": 2, "b": 1}}
    assert canonical_json(**flipped) == canonical_json(**again)
    assert ", " not in canonical_json(**EVENT) and ": " not in canonical_json(**EVENT)


def test_actors_are_labelled() -> None:
    assert actor_label(None) == ("", "system")
    assert actor_label("system:seed") == ("", "system:seed")

    class Person:
        pk = 5
        email = "a@b.test"

        def get_username(self) -> str:
            return "fallback"

    assert actor_label(Person()) == ("5", "a@b.test")
    nameless = Person()
    nameless.email = ""
    assert actor_label(nameless) == ("5", "fallback")

    class Service:
        pk = 6

        def get_username(self) -> str:
            return "service-account"

    assert actor_label(Service()) == ("6", "service-account")


# ------------------------------------------------------------------ the request boundary
def test_json_nested_to_the_limit_passes_and_one_deeper_is_refused() -> None:
    def nested(depth: int) -> Any:
        value: Any = "x"
        for _ in range(depth):
            value = [value]
        return value

    assert json_refusal(nested(MAX_JSON_DEPTH)) is None
    assert json_refusal(nested(MAX_JSON_DEPTH + 1)) == (
        f"The JSON body is nested deeper than {MAX_JSON_DEPTH} levels."
    )
    assert "nested" in (json_refusal({"a": nested(MAX_JSON_DEPTH)}) or "")
    assert json_refusal({"a": nested(MAX_JSON_DEPTH - 1)}) is None


@pytest.mark.parametrize(
    "value",
    [
        "a\x00b",
        {"k\x00": 1},
        {"k": ["ok", "no\x00"]},
        {"k": ["no\x00", "ok"]},
        ["no\x00", 1, "ok"],
        [{"deep": {"er": "\x00"}}],
    ],
)
def test_a_nul_anywhere_in_json_is_refused(value: Any) -> None:
    assert json_refusal(value) == "A string holds a NUL character, which no field may contain."


def test_a_lone_surrogate_anywhere_in_json_is_refused() -> None:
    for value in ("a\ud800", {"k\udfff": 1}, [{"x": ["ok", "\udc00"]}]):
        assert "surrogate" in (json_refusal(value) or ""), value
    assert json_refusal("emoji \U0001f600 pass") is None  # a pair decoded is one character


def test_ordinary_json_passes() -> None:
    assert json_refusal({"a": [1, 2.5, None, True, "text"], "b": {}}) is None


# ------------------------------------------------------------------ sign-in identity
def test_the_lockout_counts_one_identity_whatever_its_case() -> None:
    assert normalised_identity("  SomeOne@ACME.example ") == "someone@acme.example"
    assert normalised_identity(None) == ""
    # compatibility forms are their plain letters; case folding keeps the dotless i apart
    assert normalised_identity("\u017fupplier@Globex.example") == "supplier@globex.example"
    assert (
        normalised_identity("\uff32\uff25\uff23\uff25\uff29\uff36\uff25\uff32@globex.example")
        == "receiver@globex.example"
    )
    assert normalised_identity("rece\u0131ver@globex.example") == "rece\u0131ver@globex.example"
    assert normalised_identity("Straße@x.example") == "strasse@x.example"

    class Request:
        POST: dict[str, str] = {}

    assert lockout_username(Request(), {"username": " A@B.TEST"}) == "a@b.test"
    posted = Request()
    posted.POST = {"username": "C@D.TEST"}
    assert lockout_username(posted, None) == "c@d.test"
    listed = Request()
    listed.data = ["not", "an", "object"]  # type: ignore[attr-defined]
    assert lockout_username(listed, None) == ""
    api = Request()
    api.data = {"username": "E@F.TEST"}  # type: ignore[attr-defined]
    assert lockout_username(api, None) == "e@f.test"


# ------------------------------------------------------------------ payments
@pytest.mark.parametrize(
    ("currency", "day", "open_"),
    [
        ("EUR", date(2026, 12, 24), True),
        ("EUR", date(2026, 12, 25), False),
        ("EUR", date(2026, 12, 26), False),
        ("EUR", date(2026, 5, 1), False),
        ("USD", date(2026, 5, 1), True),
        ("USD", date(2026, 1, 19), False),  # Martin Luther King Jr. Day
        ("USD", date(2026, 7, 3), True),  # Friday before a Saturday holiday
        ("usd", date(2026, 11, 26), False),
        ("CHF", date(2026, 12, 25), True),  # no calendar: weekends only
        ("CHF", date(2026, 12, 26), False),
        ("EUR", date(2026, 11, 29), False),
    ],
)
def test_bank_days(currency: str, day: date, open_: bool) -> None:
    assert is_bank_day(currency.upper(), day) is open_
    assert (next_bank_day(currency, day) == day) is open_


def test_the_next_bank_day_skips_a_run_of_closed_days() -> None:
    assert next_bank_day("EUR", date(2026, 12, 25)) == date(2026, 12, 28)
    assert next_bank_day("EUR", date(2027, 1, 1)) == date(2027, 1, 4)


# ------------------------------------------------------------------ duplicates
@pytest.mark.parametrize(
    ("a", "b"),
    [("INV-000123", "inv 123"), ("#123", "00123"), ("INV/2026/7", "inv-2026-7")],
)
def test_invoice_numbers_that_are_the_same_number(a: str, b: str) -> None:
    assert number_key(a) == number_key(b)


def test_the_key_is_the_number_without_its_decoration() -> None:
    assert number_key("INV-000123") == "123"
    assert number_key("INV-0") == "0"


def test_different_numbers_stay_different() -> None:
    assert number_key("INV-123") != number_key("INV-124")
    assert number_key("000") == "0" and number_key("") == "0"
    assert number_key("INV-1230") != number_key("INV-123")


# ------------------------------------------------------------------ sanctions names
def test_names_are_compared_without_case_accents_punctuation_or_legal_forms() -> None:
    assert normalize("Bánco-Nacional de Cuba, S.A.") == "banco nacional cuba"
    assert normalize("ACME GmbH") == normalize("Acme Ltd.") == "acme"
    assert normalize("S. A. Holdings") == normalize("SA Holdings")
    assert normalize("Müller & Söhne") == "muller sohne"


# ------------------------------------------------------------------ bank and tax ids
def test_an_iban_is_checked_and_normalised() -> None:
    details = check_bank_details({"iban": "de89 3704 0044 0532 0130 00", "bic": "cobadeffxxx"})
    assert (details.scheme, details.number, details.bic, details.bank_country) == (
        "iban",
        "DE89370400440532013000",
        "COBADEFFXXX",
        "DE",
    )


ROUTING = "Not a valid ABA routing number."


@pytest.mark.parametrize(
    ("data", "errors"),
    [
        (
            {"iban": "DE89370400440532013001"},
            {"iban": ["Not a valid IBAN: Invalid checksum digits."]},
        ),
        (
            {"iban": "DE89370400440532013000", "bic": "BNPAFRPPXXX"},  # a French bank
            {"bic": ["The BIC's country is not the IBAN's country."]},
        ),
        (
            {"iban": "DE89370400440532013000", "bic": "NOTABIC"},
            {"bic": ["Not a valid BIC: Invalid length '7'."]},
        ),
        (
            {"account_number": "12", "routing_number": "021000022"},
            {
                "account_number": ["A US account number has 4 to 17 digits."],
                "routing_number": [ROUTING],
            },
        ),
        ({"account_number": "123456789"}, {"routing_number": [ROUTING]}),
        ({}, {"iban": ["Give an IBAN, or a US account number and routing number."]}),
    ],
)
def test_bad_bank_details_are_refused_by_field(
    data: dict[str, str], errors: dict[str, list[str]]
) -> None:
    with pytest.raises(ValueError) as refused:
        check_bank_details(data)
    assert refused.value.args[0] == errors


def test_an_iban_without_a_bic() -> None:
    assert astuple(check_bank_details({"iban": "DE89370400440532013000"})) == (
        "iban",
        "DE89370400440532013000",
        "",
        "",
        "DE",
    )


def test_a_us_account_is_checked() -> None:
    details = check_bank_details(
        {"account_number": "1234-5678 9", "routing_number": "021-000 021", "bic": "CHASUS33"}
    )
    assert astuple(details) == ("us_ach", "123456789", "021000021", "CHASUS33", "US")


def test_the_fingerprint_is_keyed(settings: Any) -> None:
    import hmac

    oldest = settings.FIELD_ENCRYPTION_KEYS[-1]
    key = hashlib.sha256(f"spendgate-bank-fingerprint:{oldest}".encode()).digest()
    expected = hmac.new(key, b"iban::DE89370400440532013000", hashlib.sha256).hexdigest()
    assert fingerprint("iban", "de89 3704 0044 0532 0130 00") == expected
    assert fingerprint("iban", "DE89370400440532013000", "") == expected
    settings.BANK_FINGERPRINT_KEY = "a-configured-key"
    configured = fingerprint("iban", "DE89370400440532013000")
    assert configured != expected
    settings.BANK_FINGERPRINT_KEY = "another-key"
    assert fingerprint("iban", "DE89370400440532013000") != configured


def test_the_same_account_has_the_same_fingerprint_and_another_does_not() -> None:
    a = fingerprint("iban", "DE89370400440532013000")
    assert a == fingerprint("iban", "de89 3704 0044 0532 0130 00")
    assert a != fingerprint("iban", "DE02120300000000202051")
    assert fingerprint("us_ach", "123", "021000021") != fingerprint("us_ach", "123", "011000015")
    assert len(a) == 64 and a != hashlib.sha256(b"iban::DE89370400440532013000").hexdigest()


@pytest.mark.parametrize(
    ("country", "value", "expected"),
    [
        ("DE", "DE136695976", ("DE136695976", True, "de.vat", "Valid.")),
        ("de", " 136695976 ", ("DE136695976", True, "de.vat", "Valid.")),
        ("GR", "EL094259216", ("EL094259216", True, "gr.vat", "Valid.")),
        ("GR", "094259216", ("EL094259216", True, "gr.vat", "Valid.")),
        ("GB", "980780684", ("GB980780684", True, "gb.vat", "Valid.")),
        ("CH", "CHE-107.787.577 IVA", ("CHE107787577IVA", True, "ch.vat", "Valid.")),
        ("US", "04-2103594", ("042103594", True, "us.ein", "Valid.")),
        (
            "DE",
            "DE136695977",
            (
                "DE136695977",
                False,
                "de.vat",
                "Not a valid VAT for DE: The number's checksum or check digit is invalid.",
            ),
        ),
        ("ZZ", " x ", ("x", None, "", "No validator for tax ids of ZZ.")),
        ("", "", ("", None, "", "No validator for tax ids of .")),
    ],
)
def test_tax_ids(country: str, value: str, expected: tuple[Any, ...]) -> None:
    result = check_tax_id(country, value)
    assert (result.value, result.valid, result.scheme, result.message) == expected
