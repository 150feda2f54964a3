"""A sentence stored when a record was made (a route step's reason, a finding, a notice) reads in
the reader's language, whatever language it was written in, its names and amounts kept."""

from __future__ import annotations

from django.template import Context, Template
from django.utils import translation
from django.utils.translation import gettext as _

from apps.controls.stored_sentences import reread


def written_in(language: str, compose: object) -> str:
    with translation.override(language):
        return str(compose())  # type: ignore[operator]


def escalated(who: str) -> str:
    return _("Escalated to you: %(who)s did not decide within the SLA.") % {"who": who}


def test_an_english_sentence_with_a_name_reads_in_german() -> None:
    stored = written_in("en", lambda: escalated("ap@acme.example"))
    with translation.override("de"):
        assert (
            reread(stored)
            == "An Sie eskaliert: ap@acme.example hat nicht innerhalb des SLA entschieden."
        )


def test_a_sentence_written_in_german_reads_in_french_and_english() -> None:
    stored = written_in("de", lambda: escalated("ap@acme.example"))
    assert stored.startswith("An Sie eskaliert")
    with translation.override("fr"):
        assert reread(stored).startswith("Escaladé vers vous\xa0: ap@acme.example")
    with translation.override("en"):
        assert reread(stored) == "Escalated to you: ap@acme.example did not decide within the SLA."


def test_a_value_that_is_a_word_of_the_catalog_is_translated_with_it() -> None:
    """A route step's reason names a role: "role AP manager" becomes "rôle Responsable …"."""
    stored = written_in("en", lambda: _("role %s") % _("AP manager"))
    with translation.override("fr"):
        assert reread(stored) == "rôle " + _("AP manager")
        assert "AP manager" not in reread(stored)


def test_whole_numbers_keep_their_placeholder() -> None:
    stored = written_in(
        "en",
        lambda: (
            _("%(why)s needs %(n)d approvers but only %(m)d are eligible.")
            % {"why": "Finance", "n": 2, "m": 1}
        ),
    )
    with translation.override("de"):
        text = reread(stored)
    assert text != stored and "2" in text and "1" in text and "Finance" in text


def test_a_persons_own_words_and_joined_sentences_stay_as_stored() -> None:
    with translation.override("de"):
        assert reread("Bitte bis Freitag liefern") == "Bitte bis Freitag liefern"
        joined = escalated("a@b.c") + " And more words of a person."
        assert reread(joined) == joined
        assert reread("") == ""


def test_the_template_filter_rereads() -> None:
    stored = written_in("en", lambda: escalated("ap@acme.example"))
    template = Template("{% load words %}{{ s|in_reader_language }}")
    with translation.override("es"):
        shown = template.render(Context({"s": stored}))
    assert shown == written_in("es", lambda: escalated("ap@acme.example")) != stored


def test_a_matching_finding_reads_in_german_with_german_amounts() -> None:
    """A price variance found by the matching worker (English, amounts 1,265.00) is read by a
    German AP clerk in German, amounts the German way; the contract's sentence inside it too."""
    with translation.override("en"):
        against = _("contract %(number)s price %(price)s (%(over)s over)") % {
            "number": "CT-2026-001",
            "price": "63.00",
            "over": "2.00",
        }
        stored = _("Line %(n)s: %(invoiced)s invoiced, %(against)s.") % {
            "n": 1,
            "invoiced": "1,265.00",
            "against": against,
        }
    with translation.override("de"):
        assert reread(stored) == (
            "Position 1: 1.265,00 berechnet, Vertragspreis CT-2026-001 63,00 (2,00 darüber)."
        )
    with translation.override("en"):
        assert reread(stored) == stored


def test_a_yen_finding_reads_its_whole_amounts_the_readers_way() -> None:
    """A yen invoice's amounts have no decimals ("4,700"): a German reader reads 4.700, never
    the English "4,700" that would read as four point seven."""
    with translation.override("en"):
        stored = _("Line %(n)s: %(invoiced)s invoiced, %(ordered)s ordered (%(over)s over).") % {
            "n": 1,
            "invoiced": "4,700",
            "ordered": "4,500",
            "over": "2,000",
        }
    with translation.override("de"):
        shown = reread(stored)
    assert "4.700" in shown and "4.500" in shown and "2.000" in shown, shown
    assert "4,700" not in shown
