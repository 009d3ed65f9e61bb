"""The QTI 2.1 package we write: its structure, and that our reader gets the same items back, for every type."""
from __future__ import annotations

import io
import zipfile
from pathlib import Path

import pytest
from lxml import etree

from webapp.bank.formats import qti, qti_export
from webapp.bank.models import Question, QuestionType, Skill
from webapp.bank.sanitize import plain_text

FIXTURES = Path(__file__).parents[2] / "fixtures" / "qti"

GRAMMAR = Skill(name="Grammar")
LISTENING = Skill(name="Listening")
CAT = b"\x89PNG\r\n\x1a\n" + b"cat" * 10
SONG = b"ID3" + b"\x00" * 20
MEDIA = {"/media/7/cat.png": ("cat.png", CAT), "/media/8/song.mp3": ("song.mp3", SONG)}


def _question(id_, type_, stem, skill=GRAMMAR, **columns) -> Question:
    defaults = {"options": [], "blanks": [], "accepted_answers": [], "case_sensitive": False, "matching": {},
                "targets": [], "partial_credit": False, "units": [], "answer_file": {}, "marks": 1.0,
                "negative_marks": 0.0, "explanation": ""}
    return Question(id=id_, type=type_, stem=stem, skill=skill, difficulty="MEDIUM", **{**defaults, **columns})


QUESTIONS = [
    _question(1, QuestionType.MCQ, "<p>Look: <img src=\"/media/7/cat.png\" alt=\"A cat\"> What is it?</p>",
              options=[{"id": "a", "html": "A <b>cat</b>", "correct": True},
                       {"id": "b", "html": "A dog", "correct": False}],
              marks=2.0, negative_marks=-0.5, explanation="<p>Cats have whiskers.</p>"),
    _question(2, QuestionType.MCA, "<p>Which are prime?</p>",
              options=[{"id": "a", "html": "2", "correct": True}, {"id": "b", "html": "3", "correct": True},
                       {"id": "c", "html": "4", "correct": False}],
              marks=4.0, partial_credit=True),
    _question(3, QuestionType.MCA, "<p>Which are even?</p>",
              options=[{"id": "a", "html": "2", "correct": True}, {"id": "b", "html": "3", "correct": False}],
              marks=1.0),
    _question(4, QuestionType.TRUE_FALSE, "<p>The earth is flat.</p>",
              options=[{"id": "a", "html": "True", "correct": False}, {"id": "b", "html": "False", "correct": True}]),
    _question(5, QuestionType.FITB, "<p>Yesterday I [[1]] home and [[2]] to bed.</p>",
              blanks=[{"accepted": ["went", "walked"], "case_sensitive": False},
                      {"accepted": ["went"], "choices": ["go", "went", "gone"], "case_sensitive": True}],
              marks=2.0, partial_credit=True),
    _question(6, QuestionType.FITB, "<p>The capital of France is [[1]].</p>",
              blanks=[{"accepted": ["Paris"], "case_sensitive": True}], marks=1.0),
    _question(7, QuestionType.SHORT_ANSWER, "<p>Name a primary colour.</p>",
              accepted_answers=["red", "blue", "yellow"], case_sensitive=False, marks=1.5),
    _question(8, QuestionType.SHORT_ANSWER, "<p>Describe your town in one word.</p>"),
    _question(9, QuestionType.NUMERIC, "<p>g in m/s2?</p>", accepted_answers=["9.81"],
              matching={"tolerance": "0.05", "tolerance_percent": False, "unit_required": False},
              units=[{"unit": "m/s2", "factor": 1}], marks=3.0),
    _question(10, QuestionType.MATCHING, "<p>Match the capitals.</p>",
              options=[{"id": "a", "html": "France", "match": "t1"}, {"id": "b", "html": "Spain", "match": "t2"},
                       {"id": "c", "html": "Monaco", "match": "t3"}],
              targets=[{"id": "t1", "html": "Paris"}, {"id": "t2", "html": "Madrid"}, {"id": "t3", "html": "Monaco"},
                       {"id": "t4", "html": "Rome"}],
              marks=3.0, partial_credit=True),
    _question(11, QuestionType.MATCHING, "<p>Match the animals.</p>",
              options=[{"id": "a", "html": "Cat", "match": "t1"}, {"id": "b", "html": "Dog", "match": "t2"}],
              targets=[{"id": "t1", "html": "Meow"}, {"id": "t2", "html": "Woof"}], negative_marks=-1.0),
    _question(12, QuestionType.ORDERING, "<p>Order the numbers.</p>",
              options=[{"id": "a", "html": "one"}, {"id": "b", "html": "two"}, {"id": "c", "html": "three"}],
              marks=3.0, partial_credit=True),
    _question(13, QuestionType.ORDERING, "<p>Order the letters.</p>",
              options=[{"id": "a", "html": "A"}, {"id": "b", "html": "B"}], marks=1.0),
    _question(14, QuestionType.LONG_ANSWER, "<p>Write about your <u>holidays</u>.</p><p dir=\"rtl\" lang=\"ar\">عطلة</p>"
              "<ul><li><s>one</s></li></ul><table><tbody><tr><td colspan=\"2\">x</td></tr></tbody></table>",
              marks=10.0, skill=LISTENING),
    _question(15, QuestionType.FILE_UPLOAD, "<p>Listen: <audio controls src=\"/media/8/song.mp3\" "
              "data-max-plays=\"2\"></audio> Upload your drawing.</p>",
              answer_file={"kinds": ["pdf", "image"], "max_mb": 10}, marks=5.0, skill=LISTENING),
]


def _expected(question: Question) -> dict:
    """The question in the shape of a draft's fields, as far as QTI 2.1 carries it."""
    shape = {"type": str(question.type), "stem": plain_text(question.stem), "marks": question.marks}
    if question.type in (QuestionType.MCQ, QuestionType.MCA, QuestionType.TRUE_FALSE):
        shape["options"] = [(option["html"], option["correct"]) for option in question.options]
    if question.type in (QuestionType.MCA, QuestionType.MATCHING, QuestionType.ORDERING, QuestionType.FITB):
        shape["partial_credit"] = question.partial_credit
    if question.type == QuestionType.MATCHING:
        target_ids = [target["id"] for target in question.targets]
        shape["options"] = [(option["html"], target_ids.index(option["match"])) for option in question.options]
        shape["targets"] = [target["html"] for target in question.targets]
    if question.type == QuestionType.ORDERING:
        shape["options"] = [option["html"] for option in question.options]
    if question.type == QuestionType.FITB:
        shape["blanks"] = [(blank["accepted"], blank.get("choices"), blank["case_sensitive"]) for blank in question.blanks]
    if question.type in (QuestionType.SHORT_ANSWER, QuestionType.NUMERIC):
        shape["accepted_answers"] = question.accepted_answers
    if question.type == QuestionType.NUMERIC:
        shape["tolerance"] = question.matching["tolerance"]
    if question.negative_marks:
        shape["negative_marks"] = question.negative_marks
    return shape


def _read(fields: dict) -> dict:
    shape = {"type": fields["type"], "stem": plain_text(fields["stem"]), "marks": fields["marks"]}
    kind = QuestionType(fields["type"])
    if kind in (QuestionType.MCQ, QuestionType.MCA, QuestionType.TRUE_FALSE):
        shape["options"] = [(option["html"], option["correct"]) for option in fields["options"]]
    if kind in (QuestionType.MCA, QuestionType.MATCHING, QuestionType.ORDERING, QuestionType.FITB):
        shape["partial_credit"] = fields["partial_credit"]
    if kind == QuestionType.MATCHING:
        shape["options"] = [(option["html"], option["match"]) for option in fields["options"]]
        shape["targets"] = [target["html"] for target in fields["targets"]]
    if kind == QuestionType.ORDERING:
        shape["options"] = [option["html"] for option in fields["options"]]
    if kind == QuestionType.FITB:
        shape["blanks"] = [(blank["accepted"], blank.get("choices"), blank["case_sensitive"]) for blank in fields["blanks"]]
    if kind in (QuestionType.SHORT_ANSWER, QuestionType.NUMERIC):
        shape["accepted_answers"] = fields["accepted_answers"]
    if kind == QuestionType.NUMERIC:
        shape["tolerance"] = fields["matching"]["tolerance"]
    if fields.get("negative_marks"):
        shape["negative_marks"] = fields["negative_marks"]
    return shape


@pytest.fixture(scope="module")
def exported() -> bytes:
    data, extension = qti_export.write(QUESTIONS, MEDIA.get, "Spring test")
    assert extension == "zip"
    return data


def test_every_type_comes_back_as_it_went(exported):
    bank = qti.parse("export.zip", exported)
    assert bank.problems == []
    assert [draft.skipped for draft in bank.items] == [None] * len(QUESTIONS)
    assert {draft.ref: _read(draft.fields) for draft in bank.items} == {
        f"Q{question.id}": _expected(question) for question in QUESTIONS}


def test_media_travel_in_the_package_and_come_back_under_their_reference(exported):
    bank = qti.parse("export.zip", exported)
    drafts = {draft.ref: draft for draft in bank.items}
    assert bank.media == {"media/1-cat.png": CAT, "media/2-song.mp3": SONG}
    assert '<img src="media/1-cat.png" alt="A cat">' in drafts["Q1"].fields["stem"]
    assert "<audio controls=\"controls\" src=\"media/2-song.mp3\"></audio> Upload your drawing." in drafts["Q15"].fields["stem"]
    assert drafts["Q1"].fields["explanation"] == "<p>Cats have whiskers.</p>"
    # A stem of blocks comes back as it went; one with text at its top in a div.
    assert drafts["Q4"].fields["stem"] == "<p>The earth is flat.</p>"
    assert drafts["Q5"].fields["stem"] == "<p>Yesterday I [[1]] home and [[2]] to bed.</p>"


def test_the_test_has_a_section_per_skill(exported):
    bank = qti.parse("export.zip", exported)
    assert [(test.title, test.sections) for test in bank.tests] == [("Spring test", [
        ("Grammar", [f"Q{number}" for number in range(1, 14)]), ("Listening", ["Q14", "Q15"])])]


def test_the_package_has_a_manifest_listing_items_their_media_and_the_test(exported):
    archive = zipfile.ZipFile(io.BytesIO(exported))
    manifest = etree.fromstring(archive.read("imsmanifest.xml"))
    namespace = {"cp": qti_export.IMSCP}
    resources = manifest.findall("cp:resources/cp:resource", namespace)
    assert [(resource.get("type"), resource.get("href")) for resource in resources] == [
        *[("imsqti_item_xmlv2p1", f"Q{question.id}.xml") for question in QUESTIONS],
        ("imsqti_test_xmlv2p1", "test.xml")]
    files = {resource.get("identifier"): [file.get("href") for file in resource.findall("cp:file", namespace)]
             for resource in resources}
    assert files["Q1"] == ["Q1.xml", "media/1-cat.png"]
    assert files["Q15"] == ["Q15.xml", "media/2-song.mp3"]
    assert set(archive.namelist()) == {"imsmanifest.xml", "test.xml", "media/1-cat.png", "media/2-song.mp3",
                                       *[f"Q{question.id}.xml" for question in QUESTIONS]}


def test_items_are_qti_2_1_with_declarations_body_and_processing_in_order(exported):
    archive = zipfile.ZipFile(io.BytesIO(exported))
    for question in QUESTIONS:
        item = etree.fromstring(archive.read(f"Q{question.id}.xml"))
        assert item.tag == f"{{{qti_export.QTI}}}assessmentItem"
        parts = [etree.QName(child).localname for child in item]
        order = ["responseDeclaration", "outcomeDeclaration", "itemBody", "responseProcessing", "modalFeedback"]
        assert parts == sorted(parts, key=order.index), question.type
        assert "itemBody" in parts and "outcomeDeclaration" in parts
        maxscore = item.find(f"{{{qti_export.QTI}}}outcomeDeclaration[@identifier='MAXSCORE']")
        assert float(maxscore.findtext(f".//{{{qti_export.QTI}}}value")) == question.marks
    choice = etree.fromstring(archive.read("Q4.xml"))
    assert choice.find(f"{{{qti_export.QTI}}}responseProcessing").get("template") == qti_export.MATCH_CORRECT
    partial = etree.fromstring(archive.read("Q10.xml"))
    assert partial.find(f"{{{qti_export.QTI}}}responseProcessing").get("template") == qti_export.MAP_RESPONSE


def test_without_a_title_there_is_no_test():
    data, _extension = qti_export.write(QUESTIONS[:2], MEDIA.get, None)
    assert "test.xml" not in zipfile.ZipFile(io.BytesIO(data)).namelist()
    assert qti.parse("export.zip", data).tests == []


def test_items_and_test_are_valid_against_the_qti_2_1_schema(exported):
    # IMS's schema, vendored with the imports pointed at local copies (tests/fixtures/qti/README.md).
    schema = etree.XMLSchema(etree.parse(str(FIXTURES / "xsd" / "imsqti_v2p1.xsd")))
    archive = zipfile.ZipFile(io.BytesIO(exported))
    for name in [name for name in archive.namelist() if name.endswith(".xml") and name != "imsmanifest.xml"]:
        document = etree.fromstring(archive.read(name))
        assert schema.validate(etree.ElementTree(document)), (name, [str(error) for error in schema.error_log])
    assert not schema.validate(etree.ElementTree(etree.fromstring(
        f'<assessmentItem xmlns="{qti_export.QTI}" identifier="x" title="t" adaptive="false" timeDependent="false">'
        '<itemBody>loose text</itemBody></assessmentItem>'.encode())))
