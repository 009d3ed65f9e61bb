"""The typed item types from the bank to the score: numeric answers with tolerance and units, fill-in texts
with inline lists and partial credit, and files sent as answers (checked, stored, graded by hand)."""
import io
import zipfile
from datetime import timedelta

import pytest
from sqlalchemy import select

from tests.candidate.helpers import PNG
from tests.sittings.test_taking import T0, _started
from webapp.assessments import catalogue
from webapp.assessments.services import AssessmentInput, SectionInput, create_assessment
from webapp.bank.models import Question
from webapp.bank.numeric import NumericKey
from webapp.bank.services import QuestionInput, create_question, create_skill
from webapp.core import storage
from webapp.core.errors import NotFound, ValidationError
from webapp.core.extensions import db
from webapp.results.analysis import item_analysis
from webapp.sittings import taking
from webapp.sittings.models import AnswerFile, Response, SittingItem
from webapp.sittings.scoring import score_item

GRAVITY = {"accepted": ["9.81"], "tolerance": "0.05", "tolerance_percent": False, "unit_required": False,
           "units": [{"unit": "m/s2", "factor": 1}, {"unit": "cm/s2", "factor": 0.01}]}


@pytest.mark.parametrize("given, right", [
    ("9.81", True), ("9,86", True), ("9.87", False), ("981 cm/s2", True), ("976cm/s2", True),
    ("975 cm/s2", False), ("9.81 m/s²", True), ("9.81 km/s2", False), ("nine", False), ("", False),
    (" 9.76 m/s2. ", True),
])
def test_a_numeric_answer_is_read_with_its_unit_within_the_tolerance(given, right):
    assert NumericKey.from_key(GRAVITY).accepts(given) is right


def test_a_required_unit_and_a_tolerance_in_percent():
    key = NumericKey.from_key({**GRAVITY, "accepted": ["200"], "tolerance": "2", "tolerance_percent": True,
                               "unit_required": True})
    assert key.accepts("204 m/s2") and key.accepts("19 600 cm/s2") and not key.accepts("204.1 m/s2")
    assert not key.accepts("200")   # the unit is required


def test_partial_credit_marks_the_share_of_blanks_right_and_negative_marks_at_none():
    key = {"blanks": [{"accepted": ["went"]}, {"accepted": ["go"]}, {"accepted": ["gone"]}, {"accepted": ["a"]}],
           "partial_credit": True}
    three = score_item("FITB", key, 2.0, -0.5, {"blanks": ["went", "go", "gone", "b"]})
    assert (three.awarded, three.correct) == (1.5, False)           # 2 x 3/4
    assert score_item("FITB", key, 2.0, -0.5, {"blanks": ["x", "y", "z", "a"]}).awarded == 0.5
    none = score_item("FITB", key, 2.0, -0.5, {"blanks": ["x", "", "", ""]})
    assert (none.awarded, none.correct) == (-0.5, False)
    full = score_item("FITB", key, 2.0, -0.5, {"blanks": ["went", "go", "gone", "a"]})
    assert (full.awarded, full.correct) == (2.0, True)
    whole = score_item("FITB", {**key, "partial_credit": False}, 2.0, -0.5, {"blanks": ["went", "go", "gone", "b"]})
    assert (whole.awarded, whole.correct) == (-0.5, False)


def test_a_file_answer_waits_for_a_grader():
    score = score_item("FU", {"answer_file": {"kinds": ["pdf"], "max_mb": 1}}, 5.0, 0.0,
                       {"file": {"id": 1, "name": "a.pdf", "size": 10, "type": "application/pdf"}})
    assert (score.awarded, score.correct, score.needs_grading) == (None, None, True)
    assert score_item("FU", {}, 5.0, 0.0, None).needs_grading is False


# Validation in the bank ---------------------------------------------------------------------------------------

@pytest.fixture
def skill(admin):
    skill = create_skill(admin, "Physics")
    db.session.commit()
    return skill


def _numeric(skill, **changes) -> QuestionInput:
    values = dict(type="NUMERIC", skill_id=skill.id, difficulty="EASY", stem="<p>g?</p>", accepted_answers=["9.81"],
                  matching={"tolerance": "0,05"}, units=[{"unit": "m/s2"}, {"unit": "cm/s2", "factor": "0.01"}])
    values.update(changes)
    return QuestionInput(**values)


def test_a_numeric_question_is_stored_with_its_units(admin, skill):
    question = create_question(admin, _numeric(skill))
    assert question.accepted_answers == ["9.81"]
    assert question.units == [{"unit": "m/s2", "factor": 1}, {"unit": "cm/s2", "factor": 0.01}]
    assert question.matching == {"tolerance": "0.05", "tolerance_percent": False, "unit_required": False}
    assert question.numeric_key.accepts("981 cm/s2") and question.machine_scored


@pytest.mark.parametrize("changes, field, message", [
    ({"accepted_answers": []}, "accepted_answers", "Give at least one accepted number."),
    ({"accepted_answers": ["about ten"]}, "accepted_answers", "Each accepted answer must be a number"),
    ({"matching": {"tolerance": "-1"}}, "tolerance", "The tolerance must be a number, 0 or more."),
    ({"units": [{"unit": "m"}, {"unit": "cm"}]}, "units", "Give the unit cm a factor greater than 0"),
    ({"units": [{"unit": "m", "factor": "2"}]}, "units", "The first unit is the one of the accepted numbers"),
    ({"units": [{"unit": "m"}, {"unit": "m", "factor": "1"}]}, "units", "A unit is listed twice."),
    ({"units": [], "matching": {"unit_required": True}}, "units", "A unit can only be required"),
    ({"units": [{"unit": "m"}, {"unit": "cm", "factor": "nan"}]}, "units", "Give the unit cm a factor"),
])
def test_numeric_questions_are_refused_with_a_clear_error(admin, skill, changes, field, message):
    with pytest.raises(ValidationError) as caught:
        create_question(admin, _numeric(skill, **changes))
    assert caught.value.field == field and message in caught.value.message


@pytest.mark.parametrize("blank, message", [
    ({"accepted": ["went"], "choices": ["went"]}, "at least two choices"),
    ({"accepted": ["gone"], "choices": ["went", "go"]}, "must be one of its choices"),
    ({"accepted": ["went"], "choices": ["went", "went"]}, "listed twice"),
])
def test_inline_choices_are_checked(admin, skill, blank, message):
    with pytest.raises(ValidationError) as caught:
        create_question(admin, QuestionInput(type="FITB", skill_id=skill.id, difficulty="EASY",
                                             stem="<p>I [[1]] home.</p>", blanks=[blank]))
    assert caught.value.field == "blanks" and message in caught.value.message


@pytest.mark.parametrize("answer_file, message", [
    ({"kinds": [], "max_mb": 5}, "Choose the kinds of file"),
    ({"kinds": ["exe"], "max_mb": 5}, "Choose the kinds of file"),
    ({"kinds": ["pdf"], "max_mb": 0}, "The largest file must be between 0 and 20 MB."),
    ({"kinds": ["pdf"], "max_mb": "lots"}, "The largest file must be between 0 and 20 MB."),
])
def test_file_questions_say_what_may_be_sent(admin, skill, answer_file, message):
    with pytest.raises(ValidationError) as caught:
        create_question(admin, QuestionInput(type="FU", skill_id=skill.id, difficulty="EASY", stem="<p>Send it.</p>",
                                             answer_file=answer_file))
    assert caught.value.field == "answer_file" and message in caught.value.message


# A sitting with each type ---------------------------------------------------------------------------------------

@pytest.fixture
def typed_paper(factory, admin, skill):
    """A numeric item (2 marks, -1 wrong), a cloze with a list and partial credit (4 marks, -1), a file (5)."""
    questions = [
        _numeric(skill, marks=2, negative_marks=-1),
        QuestionInput(type="FITB", skill_id=skill.id, difficulty="EASY", stem="<p>I [[1]] home and [[2]] tea.</p>",
                      marks=4, negative_marks=-1, partial_credit=True,
                      blanks=[{"accepted": ["went"], "choices": ["go", "went", "gone"]}, {"accepted": ["drank"]}]),
        QuestionInput(type="FU", skill_id=skill.id, difficulty="EASY", stem="<p>Send your essay.</p>", marks=5,
                      answer_file={"kinds": ["pdf", "document", "image"], "max_mb": 1}),
    ]
    ids = [create_question(admin, question).id for question in questions]
    assessment = create_assessment(admin, AssessmentInput(name="Typed", duration=30,
                                                          sections=[SectionInput(name="All", question_ids=ids)]))
    db.session.commit()
    return factory.exam(admin, assessment=assessment)


def _by_type(sitting) -> dict[str, SittingItem]:
    return {item.question_type: item for item in db.session.scalars(
        select(SittingItem).where(SittingItem.sitting_id == sitting.id))}


def _docx() -> bytes:
    data = io.BytesIO()
    with zipfile.ZipFile(data, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("word/document.xml", "<document/>")
    return data.getvalue()


def test_the_paper_freezes_the_lists_and_keys(admin, typed_paper):
    items = _by_type(_started(admin, typed_paper))
    assert items["FITB"].options == [{"choices": ["go", "went", "gone"]}, {"choices": []}]
    assert items["FITB"].key["partial_credit"] is True
    assert items["NUMERIC"].key["units"][1] == {"unit": "cm/s2", "factor": "0.01"}
    assert items["FU"].key == {"answer_file": {"kinds": ["pdf", "image", "document"], "max_mb": 1}}


def test_each_type_is_scored_with_hand_computed_marks(admin, typed_paper):
    sitting = _started(admin, typed_paper)
    items = _by_type(sitting)
    later = T0 + timedelta(minutes=1)
    uploaded = taking.upload_answer_file(sitting, items["FU"].id, "C:\\Users\\ann\\essay.docx", _docx(), now=later)
    assert (uploaded.name, uploaded.size, uploaded.mimetype.endswith("document")) == ("essay.docx", len(_docx()), True)
    taking.save_answer(sitting, items["NUMERIC"].id, answer={"text": "981 cm/s2"}, version=1, now=later)
    taking.save_answer(sitting, items["FITB"].id, answer={"blanks": ["went", "drunk"]}, version=1, now=later)
    # The page's description of the file is replaced by what the server stored.
    taking.save_answer(sitting, items["FU"].id, version=1, now=later,
                       answer={"file": {"id": uploaded.id, "name": "x.exe", "size": 1, "type": "x"}})
    taking.finish(sitting, now=T0 + timedelta(minutes=2))
    db.session.commit()
    responses = {item_type: db.session.scalar(select(Response).where(Response.item_id == item.id))
                 for item_type, item in items.items()}
    assert (responses["NUMERIC"].awarded, responses["NUMERIC"].correct) == (2.0, True)
    assert (responses["FITB"].awarded, responses["FITB"].correct) == (2.0, False)        # 4 x 1/2
    assert responses["FU"].answer == uploaded.as_answer() and responses["FU"].needs_grading
    assert sitting.graded_at is None and sitting.total_marks == 4.0


def test_a_new_file_replaces_the_old_once_saved(admin, typed_paper):
    sitting = _started(admin, typed_paper)
    item = _by_type(sitting)["FU"]
    later = T0 + timedelta(minutes=1)
    first = taking.upload_answer_file(sitting, item.id, "a.pdf", b"%PDF-1.4 first", now=later)
    taking.save_answer(sitting, item.id, answer=first.as_answer(), version=1, now=later)
    first_key = first.storage_key
    second = taking.upload_answer_file(sitting, item.id, "b.png", PNG, now=later)
    # Until the new answer is saved, the old file is the answer and stays.
    assert storage.read_answer_file(first_key)[0] == b"%PDF-1.4 first"
    taking.save_answer(sitting, item.id, answer=second.as_answer(), version=2, now=later)
    db.session.commit()
    assert db.session.scalars(select(AnswerFile.id).where(AnswerFile.item_id == item.id)).all() == [second.id]
    with pytest.raises(NotFound):
        storage.read_answer_file(first_key)
    assert storage.read_answer_file(second.storage_key) == (PNG, "image/png")


@pytest.mark.parametrize("data, message", [
    (b"", "The file is empty."),
    (b"%PDF-" + b"x" * (1024 * 1024), "The file is larger than 1 MB."),
    (b"MZ\x90\x00\x03\x00\x00\x00", "This kind of file cannot be sent here"),
    (b"plain words", "This kind of file cannot be sent here"),     # text is not among this item's kinds
    (b"PK\x03\x04not really a zip", "This kind of file cannot be sent here"),
])
def test_a_file_is_checked_by_its_bytes_and_size(admin, typed_paper, data, message):
    sitting = _started(admin, typed_paper)
    with pytest.raises(ValidationError) as caught:
        taking.upload_answer_file(sitting, _by_type(sitting)["FU"].id, "essay.pdf", data, now=T0)
    assert message in caught.value.message
    assert db.session.scalar(select(AnswerFile.id)) is None


def test_a_file_answer_must_be_one_sent_for_that_item_of_that_sitting(admin, typed_paper):
    ann = _started(admin, typed_paper)
    bo = _started(admin, typed_paper, email="bo@example.com")
    sent = taking.upload_answer_file(ann, _by_type(ann)["FU"].id, "a.pdf", b"%PDF-1.4", now=T0)
    with pytest.raises(ValidationError):
        taking.save_answer(bo, _by_type(bo)["FU"].id, answer=sent.as_answer(), version=1, now=T0)
    with pytest.raises(ValidationError):   # not the shape of a file answer
        taking.save_answer(ann, _by_type(ann)["FU"].id, answer={"file": {"id": sent.id}}, version=1, now=T0)
    with pytest.raises(NotFound):          # a file for an item that takes none
        taking.upload_answer_file(ann, _by_type(ann)["NUMERIC"].id, "a.pdf", b"%PDF-1.4", now=T0)


@pytest.mark.parametrize("data, extension", [
    (b"%PDF-1.7\n", "pdf"), (PNG, "png"), (b"ID3\x03\x00", "mp3"), (b"OggS\x00\x02", "ogg"),
    (b"RIFF\x24\x00\x00\x00WAVEfmt ", "wav"), (_docx(), "docx"), ("Grüße\n".encode(), "txt"),
    (b"\x00\x01binary", None), (b"PK\x03\x04", None),
])
def test_what_a_file_is_comes_from_its_bytes(data, extension):
    assert storage.answer_file_format(data) == extension


def test_the_placement_catalogue_copies_a_list_to_choose_from_and_partial_credit(admin):
    catalogue.add_to_institute(admin, "english-placement")
    questions = db.session.scalars(select(Question).where(Question.type == "FITB")).all()
    there = next(question for question in questions if "form of <em>be</em>" in question.stem)
    assert there.blanks[0]["choices"] == ["is", "are", "be"] and there.blanks[0]["accepted"] == ["are"]
    summer = next(question for question in questions if "Last summer" in question.stem)
    assert summer.partial_credit is True


def test_item_analysis_counts_partial_credit_as_its_share(admin, typed_paper):
    for email, blanks in [("ann@example.com", ["went", "drank"]), ("bo@example.com", ["go", "drank"])]:
        sitting = _started(admin, typed_paper, email=email)
        taking.save_answer(sitting, _by_type(sitting)["FITB"].id, answer={"blanks": blanks}, version=1, now=T0)
        taking.finish(sitting, now=T0 + timedelta(minutes=1))
    db.session.commit()   # the file item is left unanswered: nothing waits for a grader
    analysis = item_analysis(admin, typed_paper.assessment_id)
    cloze = next(item for item in analysis.items if item.question_type == "FITB")
    assert cloze.facility == 0.75 and cloze.options == []     # (1 + 1/2) / 2


@pytest.mark.parametrize("changes, field", [
    ({"type": "NUMERIC", "accepted_answers": ["1"], "units": ["m"]}, "units"),
    ({"type": "NUMERIC", "accepted_answers": ["1"], "units": [{"unit": "m"}, {"unit": "cm", "factor": {"x": 1}}]},
     "units"),
    ({"type": "FU", "answer_file": ["pdf"]}, "answer_file"),
    ({"type": "FU", "answer_file": {"kinds": [{"pdf": 1}], "max_mb": 1}}, "answer_file"),
    ({"type": "FU", "answer_file": {"kinds": ["pdf"], "max_mb": "nan"}}, "answer_file"),
    ({"type": "FITB", "stem": "<p>[[1]]</p>", "blanks": [{"accepted": ["a"], "choices": "a, b"}]}, "blanks"),
])
def test_malformed_parts_from_an_importer_are_refused_by_field(admin, skill, changes, field):
    with pytest.raises(ValidationError) as caught:
        create_question(admin, QuestionInput(**{"skill_id": skill.id, "difficulty": "EASY", "stem": "<p>Q?</p>",
                                                **changes}))
    assert caught.value.field == field
