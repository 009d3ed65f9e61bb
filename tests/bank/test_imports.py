"""The import pipeline: the check and its preview, the policy (a file with a problem imports nothing, the
batches resume after a crash without importing twice), skills, sources, scope and permission."""
from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import select

from webapp.audit.models import AuditEntry
from webapp.bank import imports
from webapp.bank.import_runs import ImportRun, ImportStatus
from webapp.bank.models import Question, QuestionType, Skill
from webapp.bank.services import create_skill
from webapp.core import clock, storage
from webapp.core.errors import NotFound, PermissionDenied, ValidationError
from webapp.core.extensions import db

HEADER = "type,skill,difficulty,stem,option_1,option_2,option_3,correct,accepted_answers\n"
GOOD = HEADER + (
    "MCQ,Geography,EASY,Capital of France?,Lyon,Paris,,b,\n"
    "SHORT_ANSWER,Grammar,,Past tense of go?,,,,,went|had gone\n"
    "MCQ,Geography,,Two right?,A,B,,\"a,b\",\n"          # skipped: an MCQ has exactly one right option
    "FITB,,MEDIUM,I [[1]] home.,,,,,went\n"
)


def check(actor, text=GOOD, name="bank.csv", **kwargs):
    run = imports.check_import(actor, name, text.encode(), **kwargs)
    db.session.commit()
    return run


def work_off(batch_size=50):
    while imports.run_imports(batch_size=batch_size):
        db.session.commit()
    db.session.commit()


def test_the_check_previews_every_item_and_stores_nothing(admin):
    create_skill(admin, "Geography")
    db.session.commit()
    run = check(admin)
    assert run.status == ImportStatus.CHECKED and run.format == "csv" and run.problems == []
    assert [(item["ref"], item["type"], item["skill"], item["new_skill"], item["reason"] is None)
            for item in run.items] == [
        ("line 2", "MCQ", "Geography", False, True), ("line 3", "SHORT_ANSWER", "Grammar", True, True),
        ("line 4", "MCQ", "Geography", False, False), ("line 5", "FITB", "bank", True, True)]
    assert run.items[2]["reason"] == "Mark exactly one option as correct."
    assert run.items[0]["words"] == "Capital of France?"
    assert (run.total, run.skipped, run.to_import) == (4, 1, 3)
    # Nothing is stored but the run and its upload: no question, no skill created by the check.
    assert db.session.scalar(select(db.func.count(Question.id))) == 0
    assert [skill.name for skill in db.session.scalars(select(Skill))] == ["Geography"]
    assert storage.read_import_file(run.upload_key) == GOOD.encode()


def test_importing_stores_what_passed_the_check_with_skills_source_and_an_audit_entry(admin):
    run = check(admin)
    imports.start_import(admin, run.id)
    db.session.commit()
    assert run.status == ImportStatus.QUEUED
    work_off(batch_size=2)
    db.session.refresh(run)
    assert (run.status, run.imported, run.skipped, run.failed) == (ImportStatus.DONE, 3, 1, 0)
    questions = db.session.scalars(select(Question).order_by(Question.id)).all()
    assert [question.id for question in questions] == run.question_ids
    assert [(question.type, question.skill.name) for question in questions] == [
        (QuestionType.MCQ, "Geography"), (QuestionType.SHORT_ANSWER, "Grammar"), (QuestionType.FITB, "bank")]
    assert {question.source for question in questions} == {"Import: bank.csv"}
    assert questions[1].accepted_answers == ["went", "had gone"]
    assert [option["correct"] for option in questions[0].options] == [False, True]
    assert run.report == [{"item": "line 4", "message": "Mark exactly one option as correct."}]
    # The upload is removed once done; one audit entry says what was imported.
    assert run.upload_key == ""
    entry = db.session.scalars(select(AuditEntry).where(AuditEntry.action == "questions.import")).one()
    assert (entry.actor_id, entry.target_label, entry.after["imported"]) == (admin.id, "bank.csv", 3)


def test_a_forced_skill_takes_every_item(admin):
    skill = create_skill(admin, "Everything")
    db.session.commit()
    run = check(admin, skill_id=skill.id)
    assert {item["skill"] for item in run.items} == {"Everything"}
    imports.start_import(admin, run.id)
    db.session.commit()
    work_off()
    assert {question.skill_id for question in db.session.scalars(select(Question))} == {skill.id}
    assert db.session.scalar(select(db.func.count(Skill.id))) == 1


def test_a_file_with_a_problem_imports_nothing(admin):
    run = check(admin, "type,stem,colour\nMCQ,What?,red\n")
    assert run.problems == [{"file": "bank.csv", "item": None, "message":
                             "The header row must name the template's columns: unknown colour, missing -."}]
    with pytest.raises(ValidationError, match="The file has problems"):
        imports.start_import(admin, run.id)
    db.session.rollback()
    assert imports.run_imports() == 0
    assert db.session.scalar(select(db.func.count(Question.id))) == 0


def test_a_crash_between_batches_resumes_after_the_last_committed_one_without_duplicates(admin):
    rows = "".join(f"SHORT_ANSWER,Numbers,,Question {number}?,,,,,{number}\n" for number in range(7))
    run = check(admin, HEADER + rows)
    imports.start_import(admin, run.id)
    db.session.commit()
    assert imports.run_imports(batch_size=3) == 3
    db.session.commit()
    # The worker dies in the middle of the second batch: its transaction never commits.
    assert imports.run_imports(batch_size=3) == 3
    db.session.rollback()
    run = db.session.get(ImportRun, run.id)
    assert (run.done, run.imported, run.status) == (3, 3, ImportStatus.RUNNING)
    work_off(batch_size=3)
    db.session.refresh(run)
    stems = [question.stem for question in db.session.scalars(select(Question).order_by(Question.id))]
    assert stems == [f"Question {number}?" for number in range(7)]
    assert (run.status, run.imported, run.question_ids) == (ImportStatus.DONE, 7, run.question_ids)
    assert len(set(run.question_ids)) == 7


def test_an_item_that_fails_at_import_is_reported_and_leaves_nothing(admin):
    run = check(admin)
    imports.start_import(admin, run.id)
    db.session.commit()
    # Between the check and the import the file changes under the run (as if a rule changed): the first
    # item no longer passes, the others are imported.
    path = storage._root() / run.upload_key
    path.write_bytes(GOOD.replace(",b,\n", ",,\n", 1).encode())
    work_off()
    db.session.refresh(run)
    assert (run.imported, run.failed) == (2, 1)
    assert {"item": "line 2", "message": "Mark exactly one option as correct."} in run.report
    assert db.session.scalar(select(db.func.count(Question.id))) == 2


def test_cancelling_drops_the_run_and_its_upload(admin):
    run = check(admin)
    key, run_id = run.upload_key, run.id
    imports.cancel_import(admin, run_id)
    db.session.commit()
    assert db.session.get(ImportRun, run_id) is None
    with pytest.raises(NotFound):
        storage.read_import_file(key)


def test_another_institute_cannot_see_or_start_the_import_and_others_may_not_import(admin, factory):
    run = check(admin)
    other_institute, other_admin = factory.institute()
    with pytest.raises(NotFound):
        imports.get_import(other_admin, run.id)
    with pytest.raises(NotFound):
        imports.start_import(other_admin, run.id)
    institute = db.session.get(type(other_institute), admin.institute_id)
    support = factory.staff(institute, "support")
    with pytest.raises(PermissionDenied):
        imports.check_import(support, "bank.csv", GOOD.encode())
    with pytest.raises(PermissionDenied):
        imports.get_import(support, run.id)


def test_an_unknown_or_unrecognised_format_is_a_clear_error(admin):
    with pytest.raises(ValidationError, match="not recognised"):
        imports.check_import(admin, "bank.bin", b"\x00\x01")
    with pytest.raises(ValidationError, match="Unknown format"):
        imports.check_import(admin, "bank.csv", GOOD.encode(), format_name="word")


def test_a_missing_media_file_skips_the_item(admin):
    text = HEADER + 'MCQ,Pictures,,"Which? <img src=""images/cat.png"" alt=""cat"">",A,B,,a,\n'
    run = check(admin, text)
    assert run.items[0]["media"] == 1
    assert run.items[0]["reason"] == "The file images/cat.png it shows is not in the package."
    assert run.to_import == 0
    with pytest.raises(ValidationError, match="No question"):
        imports.start_import(admin, run.id)


def test_a_checked_file_nobody_imports_goes_after_two_days(admin):
    clock.freeze(datetime(2030, 3, 1, 9, 0, tzinfo=timezone.utc))
    run = check(admin)
    key, run_id = run.upload_key, run.id
    assert imports.drop_stale_checks() == 0
    clock.move(timedelta(days=2, minutes=1))
    assert imports.drop_stale_checks() == 1
    db.session.commit()
    assert db.session.get(ImportRun, run_id) is None
    with pytest.raises(NotFound):
        storage.read_import_file(key)


def test_a_run_whose_file_is_gone_stops_and_says_so(admin):
    run = check(admin)
    imports.start_import(admin, run.id)
    db.session.commit()
    storage.remove_import_file(run.upload_key)
    assert imports.run_imports() == 0
    db.session.commit()
    db.session.refresh(run)
    assert (run.status, run.imported, run.failed) == (ImportStatus.FAILED, 0, 3)
    assert run.report[-1] == {"item": "bank.csv", "message": "The import stopped: the file could not be read again."}
