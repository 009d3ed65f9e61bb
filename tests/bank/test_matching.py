"""Typed answers judged as a teacher would (webapp/bank/matching.py): every case worked out by hand, each
option on and off, the tolerance's edges, and keys frozen before the options existed."""
from decimal import Decimal

import pytest

from webapp.bank.matching import LEGACY, AnswerKey, Matching, read_number


def judged(given: str, accepted: list[str], **options) -> bool:
    return AnswerKey(tuple(accepted), Matching(**options)).accepts(given)


# What teachers saw marked wrong (issue 13), right by default now -------------------------------------------

@pytest.mark.parametrize("given, accepted", [
    ("don’t", "don't"),           # the typographic apostrophe phones and Macs type
    ("kitchen.", "kitchen"),
    ("Colour.", "colour"),
    ("8,40", "8.40"),
])
def test_what_teachers_saw_marked_wrong_is_right_by_default(given, accepted):
    assert judged(given, [accepted])
    assert not AnswerKey((accepted,), LEGACY).accepts(given)   # as it was judged before


def test_the_kitchen_is_a_matter_of_listing_it():
    assert not judged("the kitchen", ["kitchen"])
    assert judged("the kitchen", ["kitchen", "the kitchen"])
    assert judged("The kitchen.", ["kitchen", "the kitchen"])


# Each option, off (the default) and on ---------------------------------------------------------------------

@pytest.mark.parametrize("option, given, accepted", [
    ("case_sensitive", "Paris", "paris"),
    ("case_sensitive", "STRASSE", "straße"),                  # case folding, not just lower case
    ("exact_spaces", "  had   gone ", "had gone"),
    ("exact_spaces", "had\tgone", "had gone"),
    ("exact_quotes", "‘twas", "'twas"),
    ("exact_quotes", "“yes”", '"yes"'),
    ("exact_quotes", "don´t", "don't"),                       # the accent key, often typed for an apostrophe
    ("exact_unicode", "ｋｉｔｃｈｅｎ", "kitchen"),               # full-width letters
    ("exact_unicode", "H₂O", "H2O"),                          # a subscript two
    ("exact_unicode", "cafe\u0301", "café"),                  # the accent typed separately
    ("exact_end_punctuation", "Where do you live?", "where do you live"),
    ("exact_end_punctuation", "yes!!", "yes"),
    ("exact_end_punctuation", "kitchen .", "kitchen"),
    ("exact_end_punctuation", "well…", "well"),
    ("exact_numbers", "8,4", "8.40"),
    ("exact_numbers", "1 000", "1000"),
    ("exact_numbers", "−3", "-3"),                            # the typographic minus
    ("exact_numbers", ",5", "0.5"),
])
def test_each_option_forgives_by_default_and_counts_when_ticked(option, given, accepted):
    assert judged(given, [accepted])
    assert not judged(given, [accepted], **{option: True})


def test_ticking_one_option_leaves_the_others_forgiving():
    assert judged("Don’t.", ["don't"], exact_numbers=True, exact_spaces=True, exact_unicode=True)
    assert not judged("Don’t.", ["don't"], case_sensitive=True)


def test_exact_spaces_keep_the_space_before_a_full_stop():
    assert judged("kitchen.", ["kitchen"], exact_spaces=True)
    assert not judged("kitchen .", ["kitchen"], exact_spaces=True)


@pytest.mark.parametrize("given, accepted, right", [
    ("?", "?", True),          # an answer that is only punctuation is kept whole
    ("!", "?", False),
    ("dogs'", "dogs", False),  # an apostrophe at the end is no full stop: possessives stay apart
    ("50%", "50", False),
    ("x²", "x2", True),        # NFKC: a superscript two is a two (tick exact characters to tell them apart)
])
def test_what_end_punctuation_and_look_alikes_cover(given, accepted, right):
    assert judged(given, [accepted]) is right


# Numbers ---------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("text, number", [
    ("8.40", Decimal("8.4")), ("8,40", Decimal("8.4")), ("-0,5", Decimal("-0.5")), ("+3", Decimal(3)),
    ("1 000 000", Decimal(1000000)), ("1\u202f000,25", Decimal("1000.25")), (".5", Decimal("0.5")),
    ("1,000", Decimal(1)),     # a comma or a point is always a decimal separator
    ("8.", None), ("1.000,5", None), ("10 00", None), ("8 40", None), ("eight", None), ("$8.40", None),
    ("8e3", None), ("", None), ("-", None), ("８", None), (" 8", None),
])
def test_what_reads_as_a_number(text, number):
    assert read_number(text) == number


@pytest.mark.parametrize("given, right", [
    ("8.40", True), ("8.45", True), ("8,35", True),     # the edges are inside
    ("8.451", False), ("8.349", False), ("8.46", False), ("8,34", False),
    ("8,449999", True),
])
def test_a_tolerance_is_exact_at_its_edges_either_way(given, right):
    assert judged(given, ["8.40"], tolerance=Decimal("0.05")) is right


def test_without_a_tolerance_a_number_must_be_equal():
    assert judged("8.400", ["8.4"]) and not judged("8.401", ["8.4"])
    assert judged("0.3", ["0.30000"]) and not judged("0.31", ["0.3"])


def test_a_number_may_be_listed_beside_words():
    key = ["20", "twenty", "20 girls"]
    assert all(judged(given, key) for given in ["20,0", "Twenty.", "20 Girls"])
    assert not judged("21", key, tolerance=Decimal("0.5"))
    assert judged("20.5", key, tolerance=Decimal("0.5"))


def test_numbers_compared_as_text_use_the_text_rules():
    assert judged("8.40.", ["8.40"], exact_numbers=True)
    assert not judged("8.4", ["8.40"], exact_numbers=True)


# Keys and their options as stored ----------------------------------------------------------------------------

def test_a_key_frozen_before_the_options_is_judged_as_before():
    old = AnswerKey.from_key({"accepted": ["Went"], "case_sensitive": False})
    assert old.matching == LEGACY
    assert old.accepts("  went ") and old.accepts("WENT")
    assert not old.accepts("went.") and not old.accepts("ｗｅｎｔ")
    assert AnswerKey.from_key({"accepted": ["Went"], "case_sensitive": True}).accepts("went") is False


def test_options_round_trip_through_the_stored_key():
    key = AnswerKey(("8.40", "eight forty"), Matching(case_sensitive=True, exact_quotes=True,
                                                      tolerance=Decimal("0.05")))
    stored = key.as_key()
    assert stored == {"accepted": ["8.40", "eight forty"], "case_sensitive": True, "exact_spaces": False,
                      "exact_quotes": True, "exact_unicode": False, "exact_end_punctuation": False,
                      "exact_numbers": False, "tolerance": 0.05}
    assert AnswerKey.from_key(stored) == key
    assert Matching().as_key()["tolerance"] == 0


@pytest.mark.parametrize("matching, summary", [
    (Matching(), "Ignores capitals, extra spaces, curly or straight quotes, look-alike characters and punctuation"
                 " at the end; reads numbers as numbers (8,40 is 8.40)."),
    (Matching(case_sensitive=True, exact_unicode=True, tolerance=Decimal("0.05")),
     "Ignores extra spaces, curly or straight quotes and punctuation at the end; reads numbers as numbers"
     " (8,40 is 8.40), within ±0.05."),
    (LEGACY, "Ignores capitals and extra spaces; compares numbers as text."),
    (Matching(True, True, True, True, False, True), "Ignores punctuation at the end; compares numbers as text."),
    (Matching(True, True, True, True, True, True),
     "Must match exactly, capitals, spaces and punctuation included; compares numbers as text."),
])
def test_the_options_in_words(matching, summary):
    assert matching.summary == summary
