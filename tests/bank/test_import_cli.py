"""`import-questions` and `export-questions`: one JSON object each, exit status 1 when nothing is done."""
import json
from pathlib import Path

from sqlalchemy import select

from webapp.audit.models import AuditEntry
from webapp.bank.models import Question, Skill
from webapp.core.extensions import db

GOOD = ("type,skill,stem,option_1,option_2,correct,accepted_answers\n"
        "MCQ,Geography,Capital of France?,Lyon,Paris,b,\n"
        "MCQ,Geography,Two right?,A,B,\"a,b\",\n"
        "SHORT_ANSWER,Grammar,Past tense of go?,,,,went\n")


def invoke(app, *args):
    result = app.test_cli_runner().invoke(args=list(args))
    return result.exit_code, json.loads(result.output)


def write(tmp_path, text, name="bank.csv"):
    path = tmp_path / name
    path.write_text(text)
    return str(path)


def test_import_questions_imports_what_passes_and_reports_the_rest(app, admin, tmp_path):
    institute = admin.institute
    status, body = invoke(app, "import-questions", write(tmp_path, GOOD), "--institute", institute.name)
    assert status == 0
    questions = db.session.scalars(select(Question).order_by(Question.id)).all()
    assert body == {"imported": 2, "skipped": 1, "questions": [question.id for question in questions],
                    "errors": [{"item": "line 3", "message": "Mark exactly one option as correct."}]}
    assert {question.source for question in questions} == {"Import: bank.csv"}
    entry = db.session.scalars(select(AuditEntry).where(AuditEntry.action == "questions.import")).one()
    assert (entry.actor_id, entry.actor_name, entry.institute_id) == (None, "Command line", institute.id)


def test_dry_run_stores_nothing_and_says_what_would_be_imported(app, admin, tmp_path):
    status, body = invoke(app, "import-questions", write(tmp_path, GOOD), "--institute", admin.institute.name,
                          "--dry-run", "--skill", "Forced")
    assert status == 0
    assert body == {"imported": 0, "skipped": 1, "questions": [], "would_import": 2,
                    "errors": [{"item": "line 3", "message": "Mark exactly one option as correct."}]}
    assert db.session.scalar(select(db.func.count(Question.id))) == 0
    assert db.session.scalar(select(db.func.count(Skill.id))) == 0


def test_a_forced_skill_is_created_and_takes_every_question(app, admin, tmp_path):
    status, body = invoke(app, "import-questions", write(tmp_path, GOOD), "--institute", admin.institute.name,
                          "--skill", "Everything", "--format", "csv")
    assert status == 0 and body["imported"] == 2
    assert {question.skill.name for question in db.session.scalars(select(Question))} == {"Everything"}


def test_nothing_imported_exits_1_with_the_reasons(app, admin, tmp_path):
    status, body = invoke(app, "import-questions", write(tmp_path, "type,stem,colour\nMCQ,What?,red\n"),
                          "--institute", admin.institute.name)
    assert status == 1
    assert body == {"imported": 0, "skipped": 0, "questions": [], "errors": [
        {"item": "bank.csv", "message": "The header row must name the template's columns: unknown colour, missing -."}]}
    status, body = invoke(app, "import-questions", write(tmp_path, "type,stem\nMCQ,What?\n"),
                          "--institute", admin.institute.name)
    assert status == 1 and body["imported"] == 0 and body["errors"] == [
        {"item": "line 2", "message": "Give at least two options."}]
    assert db.session.scalar(select(db.func.count(Question.id))) == 0


def test_an_unknown_institute_an_unreadable_file_or_format_is_one_json_error(app, admin, tmp_path):
    path = write(tmp_path, GOOD)
    status, body = invoke(app, "import-questions", path, "--institute", "Nobody")
    assert status == 1 and body["errors"][0]["message"] == "Institute 'Nobody' not found."
    status, body = invoke(app, "import-questions", str(tmp_path / "missing.csv"), "--institute", admin.institute.name)
    assert status == 1 and body["errors"][0]["message"].startswith("The file cannot be read")
    status, body = invoke(app, "import-questions", write(tmp_path, "xx", "bank.doc"), "--institute",
                          admin.institute.name)
    assert status == 1 and body["errors"] == [
        {"item": str(tmp_path / "bank.doc"), "message": "The format of bank.doc is not recognised: choose it."}]


def test_export_questions_refuses_an_unknown_format_institute_or_skill(app, admin, tmp_path):
    out = str(tmp_path / "bank.xml")
    status, body = invoke(app, "export-questions", "--institute", "Nobody", "--format", "qti", "--out", out)
    assert status == 1 and body["errors"][0]["message"] == "Institute 'Nobody' not found."
    status, body = invoke(app, "export-questions", "--institute", admin.institute.name, "--format", "word",
                          "--out", out)
    assert status == 1 and body["errors"][0]["message"].startswith("Questions cannot be exported as “word”")
    status, body = invoke(app, "export-questions", "--institute", admin.institute.name, "--format", "csv",
                          "--skill", "Nobody", "--out", out)
    assert status == 1 and body["errors"][0]["message"] == "Skill 'Nobody' not found."


def test_export_questions_writes_the_bank_and_it_imports_into_another_institute(app, admin, factory, tmp_path):
    invoke(app, "import-questions", write(tmp_path, GOOD), "--institute", admin.institute.name)
    out = str(tmp_path / "export.csv")
    status, body = invoke(app, "export-questions", "--institute", admin.institute.name, "--format", "csv",
                          "--skill", "Geography", "--out", out)
    assert status == 0 and body == {"file": out, "format": "csv", "questions": 1}
    other, _admin = factory.institute()
    status, body = invoke(app, "import-questions", out, "--institute", other.name)
    assert status == 0 and body["imported"] == 1
    copy = db.session.get(Question, body["questions"][0])
    original = db.session.scalars(select(Question).where(Question.institute_id == admin.institute_id,
                                                         Question.type == "MCQ")).one()
    assert (copy.institute_id, copy.skill.name, copy.stem, copy.options, copy.marks) == \
        (other.id, "Geography", original.stem, original.options, original.marks)


def test_a_gift_file_and_a_qti_package_others_wrote_import_by_their_detected_format(app, admin):
    fixtures = Path(__file__).parents[1] / "fixtures"
    status, body = invoke(app, "import-questions", str(fixtures / "gift" / "tf2.gift"), "--institute",
                          admin.institute.name)
    assert status == 0 and (body["imported"], body["skipped"]) == (2, 0)
    status, body = invoke(app, "import-questions", str(fixtures / "qti" / "WebDeveloperTest1.zip"), "--institute",
                          admin.institute.name, "--dry-run")
    assert status == 0 and body["would_import"] > 0 and body["questions"] == []
    sources = {question.source for question in db.session.scalars(select(Question))}
    assert sources == {"Import: tf2.gift"}
