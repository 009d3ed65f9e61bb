"""GIFT: Moodle's sample files and GIFT-grammar-PEG.js's read into the items they mean; escapes, formats,
weights, missing words and categories; a CSV is not taken for GIFT."""
from __future__ import annotations

from pathlib import Path

import pytest

from webapp.bank.formats import gift
from webapp.bank.interchange import FORMATS

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "gift"


def parsed(name: str):
    return gift.parse(name, (FIXTURES / name).read_bytes())


def one(text: str):
    bank = gift.parse("one.gift", text.encode())
    assert not bank.problems
    (item,) = bank.items
    return item


def test_moodle_s_sample_questions():
    bank = parsed("questions.gift.txt")
    assert not bank.problems
    assert [(item.ref, item.fields.get("type")) for item in bank.items] == [
        ("Q8", "LONG_ANSWER"), ("Moodle activities", "MATCHING"), ("Q2", "MCQ"), ("colours", "MCA"), ("Q5", "FITB"),
        ("Shortanswer", "SHORT_ANSWER"), ("Q1", "TRUE_FALSE"), ("2-08 TSL", "TRUE_FALSE"), ("2-08 TSL (2)", "TRUE_FALSE")]
    items = {item.ref: item.fields for item in bank.items}
    matching = items["Moodle activities"]
    assert matching["stem"] == "Match the <b>activity</b> to the description."
    assert len(matching["options"]) == 4 and matching["options"][0] == {
        "html": "An activity supporting asynchronous discussions.", "match": 0}
    assert matching["options"][3]["html"] == "<p>A collection of web pages that anyone can add to or edit.</p>"
    assert [target["html"] for target in matching["targets"]] == ["Forum", "Choice", "Database", "Wiki", "Chat"]
    colours = items["colours"]
    assert [option["correct"] for option in colours["options"]] == [True, False, True, False]
    assert colours["partial_credit"] is True and colours["negative_marks"] == -1.0
    assert items["Shortanswer"]["accepted_answers"] == ["Frog"] and "Cat" in items["Shortanswer"]["explanation"]
    true_false = items["Q1"]
    assert [option["correct"] for option in true_false["options"]] == [False, True]
    assert true_false["explanation"] == "This is, of course, a Hitchiker's Guide to the Galaxy reference."
    assert items["Q5"]["blanks"] == [{"accepted": ["3"], "tolerance": "2"}]


def test_categories_and_escapes_in_moodle_s_category_sample():
    bank = parsed("questions_in_category.gift.txt")
    assert {item.skill for item in bank.items} == {"Default for New Features"}
    greeting = next(item for item in bank.items if item.ref == "Greeting").fields
    assert greeting["stem"].startswith('<a href="http://demo.moodle.net/file.php/5/media/bonjour.mp3">Listen to this greeting:</a>')
    assert [option["html"] for option in greeting["options"] if option["correct"]] == ["French"]
    user = next(item for item in bank.items if item.ref == "Moodle user").fields
    assert user["type"] == "SHORT_ANSWER" and user["accepted_answers"] == ["Moodler"]


def test_the_examples_of_moodle_s_gift_format():
    bank = parsed("giftFormatPhpExamples.gift")
    types = [item.fields["type"] for item in bank.items]
    assert types == ["MCQ", "FITB", "TRUE_FALSE", "SHORT_ANSWER", "NUMERIC", "MATCHING", "FITB", "MCQ", "FITB", "NUMERIC"]
    missing_word = bank.items[1].fields
    assert missing_word["stem"] == "Grant is [[1]] in Grant's tomb."
    assert missing_word["blanks"] == [{"accepted": ["entombed"], "choices": ["buried", "entombed", "living"],
                                       "case_sensitive": True}]
    assert bank.items[4].fields["accepted_answers"] == ["1822"] and bank.items[4].fields["matching"]["tolerance"] == "5"
    assert bank.items[8].fields["stem"] == "Jesus Christ was from [[1]]."
    assert bank.items[8].fields["blanks"] == [{"accepted": ["Nazareth"], "case_sensitive": False}]


def test_numeric_forms():
    bank = parsed("numerical1.gift")
    assert not bank.problems and all(item.skipped is None for item in bank.items)
    blanks = [item.fields["blanks"][0] for item in bank.items if item.fields["type"] == "FITB"]
    assert {"accepted": ["3"], "tolerance": "2"} in blanks            # {#1..5}
    assert {"accepted": ["0"], "tolerance": "5"} in blanks            # {#-5..5}
    assert {"accepted": ["3.1415"], "tolerance": "0.0005"} in blanks  # {#3.1415:0.0005}


def test_escaped_control_characters():
    (item,) = parsed("escapeAll.gift").items
    assert [option["html"] for option in item.fields["options"]] == ["~", "=", "#", "{", "}", ":", "\\"]
    assert item.fields["options"][-1]["correct"] is True


@pytest.mark.parametrize("name, count", [("matching1.gift", 2), ("mc5.gift", 4), ("multipleAnswersFloat.gift", 1),
                                         ("tf2.gift", 2), ("formatExamples.gift", 1)])
def test_gift_grammar_samples_read_whole(name, count):
    bank = parsed(name)
    assert not bank.problems and len(bank.items) == count
    assert all(item.skipped is None for item in bank.items)


def test_descriptions_are_skipped_with_the_reason():
    bank = parsed("markdown.gift")
    assert len(bank.items) == 4
    assert {item.skipped for item in bank.items} == {"A description holds no question to answer."}


def test_weights_formats_and_feedback():
    item = one("::W::[markdown]Pick **two**{~%50%a#fb ~%50%b ~%-50%c}")
    assert item.ref == "W" and item.fields["stem"] == "<p>Pick <strong>two</strong></p>"
    assert item.fields["type"] == "MCA" and item.fields["negative_marks"] == -0.5
    item = one("[plain]1 < 2{T####Plain \\{braces\\} and a \\n break}")
    assert item.fields["stem"] == "1 &lt; 2" and item.fields["explanation"] == "Plain {braces} and a <br> break"
    assert one("Q{T####[html]<b>why</b>}").fields["explanation"] == "<b>why</b>"
    item = one("Several numbers{#=1:0 =%50%2:0 =3:0.5}")
    assert item.fields["accepted_answers"] == ["1", "3"] and item.fields["matching"]["tolerance"] == "0"


def test_an_unknown_answer_form_is_skipped_not_fatal():
    item = one("What? {maybe}")
    assert item.skipped == "The answers in braces are in no GIFT form."
    assert item.ref == "line 1"


def test_unusable_files():
    assert gift.parse("bad.gift", b"\xff\xfe\x00x").problems[0].message == "The file is not UTF-8 text."
    assert gift.parse("empty.gift", b"// only a comment\n").problems[0].file == "empty.gift"


def test_detection_is_strict_enough_for_a_csv():
    assert gift.detect("bank.gift", (FIXTURES / "mc5.gift").read_bytes())
    assert gift.detect("questions.gift.txt", (FIXTURES / "questions.gift.txt").read_bytes())
    assert not gift.detect("bank.csv", (FIXTURES / "mc5.gift").read_bytes())
    assert not gift.detect("notes.txt", b"type,stem,option_1\nMCQ,What is {x}?,a\nMCQ,Plain,b\n\nA note\n")
    assert not gift.detect("notes.txt", b"Just some notes.\n\nNothing else.\n")


def test_registered_without_a_writer(app):
    assert FORMATS["gift"].write is None and FORMATS["gift"].parse is gift.parse
