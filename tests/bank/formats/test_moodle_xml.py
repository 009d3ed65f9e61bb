"""Moodle XML: Moodle's own sample files (and qtype_ordering's) read into the items Moodle means, hostile XML
refused as a problem, and every type written out and read back to the same item."""
from __future__ import annotations

import io
from pathlib import Path

import pytest
from lxml import etree
from PIL import Image

from webapp.bank import services
from webapp.bank.formats import gift, moodle_xml
from webapp.bank.formats.files import MAX_FILE_MB, MB
from webapp.bank.formats.moodle_items import skill_from_category
from webapp.bank.interchange import FORMATS, detect_format
from webapp.bank.models import Question, QuestionType, Skill
from webapp.bank.services import QuestionInput

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "moodle"


def parsed(name: str):
    return moodle_xml.parse(name, (FIXTURES / name).read_bytes())


def quiz(body: str) -> bytes:
    return f'<?xml version="1.0" encoding="UTF-8"?>\n<quiz>{body}</quiz>'.encode()


def test_nested_categories_give_the_last_segment_as_skill():
    bank = parsed("nested_categories_with_questions.xml")
    assert not bank.problems
    assert [(item.ref, item.skill, item.fields["type"]) for item in bank.items] == [
        ("Iota Question", "Iota", "TRUE_FALSE"), ("Kappa Essay Question", "Kappa", "LONG_ANSWER"),
        ("Kappa Question", "Kappa", "TRUE_FALSE"), ("Lambda Question", "Lambda", "TRUE_FALSE"),
        ("Mu Question", "Mu", "TRUE_FALSE")]
    assert bank.items[0].fields["stem"] == "<p>Testing Iota Question</p>"
    assert [option["correct"] for option in bank.items[0].fields["options"]] == [True, False]


@pytest.mark.parametrize("path, skill", [("$course$/top/Grammar/Verbs", "Verbs"), ("$course$/top", None),
                                         ("$system$/Units//Measures", "Units/Measures"), ("Plain", "Plain")])
def test_category_paths(path, skill):
    assert skill_from_category(path) == skill


def test_cloze_with_images_becomes_blanks_with_its_files_as_media():
    bank = parsed("multianswer.xml")
    (item,) = bank.items
    assert item.skill == "Default for Test images in backup" and item.fields["type"] == "FITB"
    stem = item.fields["stem"]
    assert "[[5]]" in stem and "{1:" not in stem and "@@PLUGINFILE@@" not in stem
    assert 'src="california-state-flag.png"' in stem and 'src="arizona_2.png"' in stem
    assert 'src="moodle.png"' in item.fields["explanation"]
    assert item.fields["blanks"][1] == {"accepted": ["Arizona"], "choices": ["California", "Arizona"], "case_sensitive": True}
    # Paris is right; Marseille (50 %) is left out and said so; the wildcard * earns nothing and is dropped.
    assert item.fields["blanks"][4] == {"accepted": ["Paris"], "case_sensitive": False}
    assert "Marseille" in item.fields["explanation"]
    assert item.fields["partial_credit"] is True
    assert sorted(bank.media) == ["arizona_2.png", "california-state-flag.png", "moodle.png"]
    assert Image.open(io.BytesIO(bank.media["moodle.png"])).size == (16, 16)


def test_broken_cloze_questions_are_skipped_with_their_reasons():
    bank = parsed("broken_cloze_questions.xml")
    assert not bank.problems
    assert [item.skipped for item in bank.items] == [
        "The cloze text has no blanks.", "The cloze text has no blanks.",
        "A list in the text needs at least two choices.", "No answer earns full marks.",
        "The answer “zero” is no number."]


def test_multiple_answers_with_negative_fractions():
    (item,) = parsed("error_invalid_grades.xml").items
    assert item.fields["type"] == "MCA" and item.fields["partial_credit"] is True
    assert [option["correct"] for option in item.fields["options"]] == [False, True, True, False, True]
    assert item.fields["negative_marks"] == -0.5
    assert item.ref == "Question with invalid grades : x > 1 & x < 2"


def test_ordering_keeps_the_answers_order():
    (item,) = parsed("ordering_testquestion.moodle.xml").items
    assert item.fields["type"] == "ORDERING" and item.fields["partial_credit"] is True
    assert [option["html"] for option in item.fields["options"]] == [
        "Modular", "Object", "Oriented", "Dynamic", "Learning", "Environment"]


def test_every_kind_read_from_moodle_s_exporter_shapes():
    bank = moodle_xml.parse("kinds.xml", quiz("""
      <question type="category"><category><text>$course$/top/Physics</text></category></question>
      <question type="numerical"><name><text>g</text></name>
        <questiontext format="plain_text"><text>g = ? (a &lt; b)</text></questiontext>
        <defaultgrade>2</defaultgrade>
        <answer fraction="100"><text>9.81</text><tolerance>0.05</tolerance></answer>
        <answer fraction="50"><text>10</text><tolerance>0</tolerance></answer>
        <units><unit><multiplier>100</multiplier><unit_name>cm/s2</unit_name></unit>
               <unit><multiplier>1</multiplier><unit_name>m/s2</unit_name></unit></units>
        <unitgradingtype>1</unitgradingtype></question>
      <question type="shortanswer"><name><text>sa</text></name>
        <questiontext format="markdown"><text>**Bold** question</text></questiontext>
        <usecase>1</usecase>
        <answer fraction="100"><text>Paris</text></answer><answer fraction="100"><text>Par*</text></answer>
        <answer fraction="100"><text>2 \\* 3</text></answer></question>
      <question type="shortanswer"><name><text>only wildcards</text></name>
        <questiontext><text>x</text></questiontext><answer fraction="100"><text>*</text></answer></question>
      <question type="matching"><name><text>m</text></name><questiontext><text>Match</text></questiontext>
        <subquestion format="html"><text>Canada</text><answer><text>Ottawa</text></answer></subquestion>
        <subquestion format="html"><text>Italy</text><answer><text>Rome</text></answer></subquestion>
        <subquestion format="html"><text></text><answer><text>Tokyo</text></answer></subquestion></question>
      <question type="essay"><name><text>upload</text></name><questiontext><text>Send your essay</text></questiontext>
        <responseformat>noinline</responseformat><attachments>1</attachments>
        <filetypeslist>.pdf,image</filetypeslist><maxbytes>5242880</maxbytes></question>
      <question type="gapselect"><name><text>gaps</text></name>
        <questiontext><text>The cat [[1]] on the [[3]].</text></questiontext>
        <selectoption><text>sat</text><group>1</group></selectoption>
        <selectoption><text>sits</text><group>1</group></selectoption>
        <selectoption><text>mat</text><group>2</group></selectoption>
        <selectoption><text>hat</text><group>2</group></selectoption></question>
      <question type="multichoice"><name><text>single</text></name><questiontext><text>Pick</text></questiontext>
        <defaultgrade>2</defaultgrade><single>true</single>
        <answer fraction="100"><text>right</text></answer><answer fraction="50"><text>half</text></answer>
        <answer fraction="-25"><text>wrong</text></answer></question>
      <question type="description"><name><text>intro</text></name><questiontext><text>Read this</text></questiontext></question>
      <question type="calculated"><name><text>calc</text></name><questiontext><text>{a}+{b}</text></questiontext></question>
    """))
    assert not bank.problems
    items = {item.ref: item for item in bank.items}
    numeric = items["g"].fields
    assert items["g"].skill == "Physics"
    assert numeric["type"] == "NUMERIC" and numeric["accepted_answers"] == ["9.81"] and numeric["marks"] == 2.0
    assert numeric["matching"] == {"tolerance": "0.05", "tolerance_percent": False, "unit_required": True}
    assert numeric["units"] == [{"unit": "m/s2", "factor": 1.0}, {"unit": "cm/s2", "factor": 0.01}]
    assert numeric["stem"] == "g = ? (a &lt; b)"
    short = items["sa"].fields
    assert short["stem"] == "<p><strong>Bold</strong> question</p>"
    assert short["accepted_answers"] == ["Paris", "2 * 3"] and short["case_sensitive"] is True
    assert "Par*" in short["explanation"]
    assert items["only wildcards"].skipped.startswith("Every answer earning full marks uses Moodle's wildcard")
    matching = items["m"].fields
    assert matching["options"] == [{"html": "Canada", "match": 0}, {"html": "Italy", "match": 1}]
    assert matching["targets"] == [{"html": "Ottawa"}, {"html": "Rome"}, {"html": "Tokyo"}]
    assert items["upload"].fields["type"] == "FU"
    assert items["upload"].fields["answer_file"] == {"kinds": ["pdf", "image"], "max_mb": 5}
    gaps = items["gaps"].fields
    assert gaps["stem"] == "The cat [[1]] on the [[2]]."
    assert gaps["blanks"] == [{"accepted": ["sat"], "case_sensitive": True, "choices": ["sat", "sits"]},
                              {"accepted": ["mat"], "case_sensitive": True, "choices": ["mat", "hat"]}]
    single = items["single"].fields
    assert single["type"] == "MCQ" and [option["correct"] for option in single["options"]] == [True, False, False]
    assert single["negative_marks"] == -0.5
    assert items["intro"].skipped == "A description holds no question to answer."
    assert "calculated" in items["calc"].skipped


@pytest.mark.parametrize("body, message", [
    (b"<quiz><question type='truefalse'><name><text>x</text></quiz>", "not well-formed XML (line 1)"),
    (b"<?xml version='1.0'?>\n<assessmentItem/>", "root element is <assessmentItem>"),
    (b'<?xml version="1.0"?>\n<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;">'
     b'<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;">]>\n<quiz><question type="essay"><name><text>&lol3;</text>'
     b'</name></question></quiz>', "declares XML entities"),
    (b'<?xml version="1.0"?>\n<!DOCTYPE quiz [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>\n'
     b'<quiz><question type="essay"><questiontext><text>&xxe;</text></questiontext></question></quiz>', "declares XML entities"),
    (b'<quiz><question type="essay"><questiontext><text>x</text><file name="a.png" encoding="base64">!!</file>'
     b'</questiontext></question></quiz>', "a.png is not valid base64"),
])
def test_unusable_files_are_problems_naming_the_file(body, message):
    bank = moodle_xml.parse("bank.xml", body)
    assert not bank.items
    (problem,) = bank.problems
    assert problem.file == "bank.xml" and message in problem.message
    assert "root:" not in problem.message   # nothing of /etc/passwd


def test_too_large_a_file_is_refused_before_parsing():
    bank = moodle_xml.parse("big.xml", b" " * (MAX_FILE_MB * MB + 1))
    assert "larger than 50 MB" in bank.problems[0].message


def test_the_same_file_name_with_other_bytes_in_two_questions_keeps_both():
    def question(name, content):
        return (f'<question type="essay"><name><text>{name}</text></name><questiontext format="html">'
                f'<text><![CDATA[<img src="@@PLUGINFILE@@/a%20b.png" alt="x">]]></text>'
                f'<file name="a b.png" path="/" encoding="base64">{content}</file></questiontext></question>')
    bank = moodle_xml.parse("q.xml", quiz(question("one", "AAEC") + question("two", "AwQF")))
    assert bank.media == {"a b.png": b"\x00\x01\x02", "2/a b.png": b"\x03\x04\x05"}
    assert 'src="a b.png"' in bank.items[0].fields["stem"] and 'src="2/a b.png"' in bank.items[1].fields["stem"]


def test_detection():
    data = (FIXTURES / "multianswer.xml").read_bytes()
    assert moodle_xml.detect("anything.xml", data)
    assert not moodle_xml.detect("item.xml", b'<?xml version="1.0"?><assessmentItem/>')
    assert not moodle_xml.detect("bank.csv", b"type,stem\nMCQ,What?\n")


def test_registered_with_a_writer(app):
    assert FORMATS["moodle"].write is moodle_xml.write
    assert detect_format("export.xml", (FIXTURES / "nested_categories_with_questions.xml").read_bytes()).name == "moodle"


# --- Round trip ------------------------------------------------------------------------------------

def question(qtype: str, stem: str, **values) -> Question:
    values.setdefault("marks", 2.0)
    values.setdefault("negative_marks", 0.0)
    values.setdefault("partial_credit", False)
    for column in ("options", "blanks", "accepted_answers", "targets", "units"):
        values.setdefault(column, [])
    values.setdefault("matching", {})
    values.setdefault("answer_file", {})
    return Question(type=QuestionType(qtype), stem=stem, explanation=values.pop("explanation", ""),
                    skill=Skill(name=values.pop("skill", "Grammar")), case_sensitive=values.pop("case_sensitive", False),
                    **values)


QUESTIONS = [
    question("MCQ", '<p>Pick <img src="/media/7/cat.png" alt="cat"></p>', negative_marks=-0.5,
             options=[{"id": "a", "html": "<p>right</p>", "correct": True}, {"id": "b", "html": "wrong", "correct": False}]),
    question("MCA", "Primes?", partial_credit=True,
             options=[{"id": "a", "html": "2", "correct": True}, {"id": "b", "html": "3", "correct": True},
                      {"id": "c", "html": "4", "correct": False}]),
    question("TRUE_FALSE", "The earth is flat.",
             options=[{"id": "a", "html": "True", "correct": False}, {"id": "b", "html": "False", "correct": True}]),
    question("SHORT_ANSWER", "Capital of France?", accepted_answers=["Paris", "paris*"], case_sensitive=True),
    question("LONG_ANSWER", "Write about your holidays.", explanation="<p>Look for past tenses.</p>"),
    question("FU", "Upload your drawing.", answer_file={"kinds": ["pdf", "image"], "max_mb": 5}),
    question("NUMERIC", "g?", accepted_answers=["9.81"],
             matching={"tolerance": "0.05", "tolerance_percent": False, "unit_required": True},
             units=[{"unit": "m/s2", "factor": 1}, {"unit": "cm/s2", "factor": 0.01}]),
    question("MATCHING", "Match the capitals.", partial_credit=True,
             options=[{"id": "a", "html": "Canada", "match": "t1"}, {"id": "b", "html": "Italy", "match": "t2"}],
             targets=[{"id": "t1", "html": "Ottawa"}, {"id": "t2", "html": "Rome"}, {"id": "t3", "html": "Tokyo"}]),
    question("ORDERING", "Order the numbers.", partial_credit=True,
             options=[{"id": "a", "html": "one"}, {"id": "b", "html": "two"}, {"id": "c", "html": "three"}]),
    question("ORDERING", "Order the letters.",
             options=[{"id": "a", "html": "a"}, {"id": "b", "html": "b"}]),
    question("FITB", "She [[1]] home, it was [[2]] km {far} and 1/2 #[[3]].", partial_credit=True,
             blanks=[{"accepted": ["went"], "choices": ["went", "go", "gone"], "case_sensitive": True},
                     {"accepted": ["5"], "tolerance": 0.5, "case_sensitive": False},
                     {"accepted": ["a~b}c#d/e"], "case_sensitive": True}]),
    question("FITB", "One [[1]].", blanks=[{"accepted": ["blank"], "case_sensitive": False}]),
    question("MCA", "Vowels? (all or nothing)", skill="Letters",
             options=[{"id": "a", "html": "a", "correct": True}, {"id": "b", "html": "e", "correct": True},
                      {"id": "c", "html": "x", "correct": False}]),
]


def media_source(url: str):
    return ("cat.png", b"\x89PNG fake") if url == "/media/7/cat.png" else None


def comparable(fields: dict) -> dict:
    kept = ("type", "stem", "options", "accepted_answers", "case_sensitive", "marks", "negative_marks", "partial_credit",
            "blanks", "targets", "units", "matching", "answer_file", "explanation")
    return {name: fields[name] for name in kept if name in fields}


def test_every_type_written_reads_back_the_same():
    data, extension = moodle_xml.write(QUESTIONS, media_source, "Placement")
    assert extension == "xml"
    etree.fromstring(data)   # well-formed
    bank = moodle_xml.parse("export.xml", data)
    assert not bank.problems and all(item.skipped is None for item in bank.items)
    assert bank.media == {"cat.png": b"\x89PNG fake"}
    read = [comparable(item.fields) for item in bank.items]
    assert [item.skill for item in bank.items] == ["Grammar"] * 12 + ["Letters"]
    mcq, mca, true_false, short, essay, upload, numeric, matching, ordering, ordering_whole, fitb, one_blank, all_or_nothing = read
    assert mcq == {"type": "MCQ", "stem": '<p>Pick <img src="cat.png" alt="cat"></p>', "marks": 2.0, "negative_marks": -0.5,
                   "explanation": "", "options": [{"html": "<p>right</p>", "correct": True}, {"html": "wrong", "correct": False}]}
    assert mca["type"] == "MCA" and mca["partial_credit"] is True
    assert [option["correct"] for option in mca["options"]] == [True, True, False]
    assert all_or_nothing["type"] == "MCA" and all_or_nothing["partial_credit"] is False
    assert [option["correct"] for option in true_false["options"]] == [False, True]
    assert short["accepted_answers"] == ["Paris", "paris*"] and short["case_sensitive"] is True
    assert essay == {"type": "LONG_ANSWER", "stem": "Write about your holidays.", "marks": 2.0, "negative_marks": 0.0,
                     "explanation": "<p>Look for past tenses.</p>"}
    assert upload["type"] == "FU" and upload["answer_file"] == {"kinds": ["pdf", "image"], "max_mb": 5}
    assert numeric["accepted_answers"] == ["9.81"] and numeric["units"] == QUESTIONS[6].units
    assert numeric["matching"] == {"tolerance": "0.05", "tolerance_percent": False, "unit_required": True}
    assert matching["options"] == [{"html": "Canada", "match": 0}, {"html": "Italy", "match": 1}]
    assert matching["targets"] == [{"html": "Ottawa"}, {"html": "Rome"}, {"html": "Tokyo"}]
    assert matching["partial_credit"] is True
    assert [option["html"] for option in ordering["options"]] == ["one", "two", "three"] and ordering["partial_credit"]
    assert ordering_whole["partial_credit"] is False
    assert fitb["stem"] == "She [[1]] home, it was [[2]] km {far} and 1/2 #[[3]]."
    assert fitb["blanks"] == [{"accepted": ["went"], "choices": ["went", "go", "gone"], "case_sensitive": True},
                              {"accepted": ["5"], "tolerance": "0.5"},
                              {"accepted": ["a~b}c#d/e"], "case_sensitive": True}]
    assert fitb["partial_credit"] is True and one_blank["partial_credit"] is False


def test_the_export_follows_moodle_s_shapes():
    root = etree.fromstring(moodle_xml.write(QUESTIONS[:1] + QUESTIONS[6:7], media_source, None)[0])
    assert root.find("question[@type='category']/category/text").text == "$course$/top/Grammar"
    text = root.find("question[@type='multichoice']/questiontext")
    assert '@@PLUGINFILE@@/cat.png' in text.findtext("text")
    assert text.find("file").attrib == {"name": "cat.png", "path": "/", "encoding": "base64"}
    assert [answer.get("fraction") for answer in root.findall("question[@type='multichoice']/answer")] == ["100", "-25"]
    unit = root.findall("question[@type='numerical']/units/unit")[1]
    assert unit.findtext("unit_name") == "cm/s2" and unit.findtext("multiplier") == "100"


def test_drafts_are_question_inputs_the_bank_accepts(admin):
    """Every draft read from the sample files (both readers) is a QuestionInput that add_question stores
    (but those showing the file's pictures: the import pipeline stores those first and names them by URL)."""
    skill = services.create_skill(admin, "Imported", "")
    drafts = [item for name in sorted(FIXTURES.glob("*.xml")) for item in parsed(name.name).items]
    gift_fixtures = FIXTURES.parent / "gift"
    drafts += [item for path in sorted(gift_fixtures.glob("*.gift*")) for item in gift.parse(path.name, path.read_bytes()).items]
    stored = [services.add_question(admin.institute_id, QuestionInput(skill_id=skill.id, **item.fields))
              for item in drafts if item.skipped is None and "src=" not in str(item.fields)]
    assert len(stored) > 40
    assert {question.type.value for question in stored} >= {"MCQ", "MCA", "FITB", "SHORT_ANSWER", "LONG_ANSWER",
                                                           "TRUE_FALSE", "MATCHING", "NUMERIC", "ORDERING"}


def test_moodle_1_9_s_image_field_joins_the_text():
    bank = parsed("sample_questions_with_old_image_tag.xml")
    assert [item.fields["type"] for item in bank.items] == ["FITB", "MCQ"]
    cloze, mcq = (item.fields for item in bank.items)
    assert cloze["stem"].endswith('<p><img src="moodle.png" alt="moodle.png"></p>') and "[[5]]" in cloze["stem"]
    assert [option["html"] for option in mcq["options"]] == ["wrong answer", "another wrong answer", "right answer"]
    assert [option["correct"] for option in mcq["options"]] == [False, False, True]
    assert list(bank.media) == ["moodle.png"]


def test_a_multichoice_without_single_is_single_answer_as_in_moodle():
    (item,) = moodle_xml.parse("q.xml", quiz("""<question type="multichoice"><questiontext><text>Pick</text></questiontext>
        <answer fraction="100"><text>a</text></answer><answer fraction="0"><text>b</text></answer></question>""")).items
    assert item.fields["type"] == "MCQ" and item.ref == "Question 1"


def test_a_link_to_a_recording_is_the_player_moodle_shows():
    # The shape of Moodle's own multichoice.xml sample ("Greeting"), with a tiny stand-in for its MP3.
    bank = moodle_xml.parse("greeting.xml", quiz("""
      <question type="multichoice"><name><text>Greeting</text></name>
        <questiontext format="html"><text><![CDATA[<p><a href="@@PLUGINFILE@@/bonjour.mp3">Listen to this greeting:</a>
        <br /><br />What language is being spoken?</p>]]></text>
        <file name="bonjour.mp3" encoding="base64">SUQzAwAAAAAAEFRDT04=</file></questiontext>
        <single>true</single>
        <answer fraction="0"><text>English</text></answer><answer fraction="100"><text>French</text></answer>
      </question>"""))
    (item,) = bank.items
    assert item.fields["stem"].startswith('<p>Listen to this greeting: <audio controls src="bonjour.mp3"></audio>')
    assert bank.media["bonjour.mp3"].startswith(b"ID3")
