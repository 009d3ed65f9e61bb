"""Fixtures: one app per test session on a real database (SQLite, or PostgreSQL from
TEST_DATABASE_URL), emptied after every test; factories build data through the services."""
from __future__ import annotations

import os
import subprocess

import pytest
from sqlalchemy import event, text

from tests.clock_ahead import move_clock_ahead
from tests.http_receiver import receiver  # noqa: F401  (a real HTTP server that records webhooks)
from tests.smtp import smtp_server  # noqa: F401  (a real SMTP server for any test that sends mail)
from webapp import create_app
from webapp.accounts.services import add_staff, create_institute
from webapp.cli.demo import right_answer, wrong_answer  # noqa: F401  (the tests' answers, shared with the demo)
from webapp.core import clock
from webapp.core.extensions import db
from webapp.core.permissions import Role

PASSWORD = "correct-horse-battery"
IN_CI = bool(os.environ.get("CI"))


def pytest_configure(config):
    # No test may depend on the day it runs: CI runs the suite again with the clock moved ahead.
    move_clock_ahead()


def _database_url(tmp_path_factory) -> str:
    url = os.environ.get("TEST_DATABASE_URL")
    if url:
        return url
    return "sqlite:///" + str(tmp_path_factory.mktemp("db") / "test.sqlite3")


@pytest.fixture(scope="session")
def app_config(tmp_path_factory) -> dict:
    return {
        "TESTING": True,
        "SQLALCHEMY_DATABASE_URI": _database_url(tmp_path_factory),
        "SECRET_KEY": "test-secret-key",
        "WTF_CSRF_ENABLED": False,
        "RATELIMIT_ENABLED": False,
        "BASE_URL": "http://proctora.localhost",
        "MAIL_SERVER": "127.0.0.1",
        "MAIL_PORT": 1,  # nothing listens: a test that sends mail starts its own SMTP server
        "MAIL_DEFAULT_SENDER": "Proctora <no-reply@example.com>",
        # Tests read a PDF in the request that asks for it; tests/reports/test_kept_documents.py has the
        # worker render them, as it does by default.
        "PDF_RENDERING": "request",
        "WORKER_NICENESS": 0,
    }


@pytest.fixture(scope="session")
def app(app_config, tmp_path_factory):
    os.environ.setdefault("PROCTORA_INSTANCE_PATH", str(tmp_path_factory.mktemp("instance")))
    application = create_app(app_config)
    with application.app_context():
        db.session.execute(text("DROP TABLE IF EXISTS alembic_version"))
        db.session.commit()
        db.drop_all()
        db.create_all()
    return application


@pytest.fixture(autouse=True)
def _app_context(app):
    with app.app_context():
        yield
        clock.release()
        db.session.rollback()
        for table in reversed(db.metadata.sorted_tables):
            db.session.execute(table.delete())
        db.session.commit()
        db.session.remove()


@pytest.fixture
def client(app):
    return app.test_client()


class Factory:
    """Builds institutes and staff through the account services, committed like real data."""

    def __init__(self):
        self._count = 0

    def _next(self) -> int:
        self._count += 1
        return self._count

    def institute(self, name: str | None = None, **details):
        number = self._next()
        institute, admin = create_institute(
            name or f"Institute {number}", admin_email=f"admin{number}@example.com",
            admin_password=PASSWORD, admin_name=f"Admin {number}", **details)
        db.session.commit()
        return institute, admin

    def staff(self, institute, role: Role | str, name: str | None = None):
        number = self._next()
        role = Role(role)
        user = add_staff(institute.id, email=f"{role.value}{number}@example.com", name=name or f"{role.value} {number}",
                         role=role, password=PASSWORD)
        db.session.commit()
        return user


    def assessment(self, admin, name: str | None = None, questions: int = 3, **settings):
        """An assessment with one section of hand-picked MCQs, built through the services."""
        from webapp.assessments.services import AssessmentInput, SectionInput, create_assessment
        from webapp.bank.services import QuestionInput, create_question, create_skill

        number = self._next()
        skill = create_skill(admin, f"Skill {number}")
        ids = [create_question(admin, QuestionInput(
            type="MCQ", skill_id=skill.id, difficulty="EASY", stem=f"<p>Question {n} of {number}</p>",
            options=[{"html": "right", "correct": True}, {"html": "wrong"}])).id for n in range(questions)]
        assessment = create_assessment(admin, AssessmentInput(
            name=name or f"Assessment {number}", duration=settings.pop("duration", 30),
            sections=[SectionInput(name="Section 1", question_ids=ids)], **settings))
        db.session.commit()
        return assessment

    def exam(self, admin, assessment=None, **settings):
        from webapp.exams.services import ExamInput, create_exam

        assessment = assessment or self.assessment(admin)
        exam = create_exam(admin, ExamInput(name=settings.pop("name", f"Exam {self._next()}"),
                                            assessment_id=assessment.id, **settings))
        db.session.commit()
        return exam

    def finished_sitting(self, admin, exam, email: str | None = None, *, answer=None, first_name: str = "Ann",
                         last_name: str | None = None, now=None):
        """A registered candidate who took `exam` through the real services and finished it. `answer(item)`
        gives the answer to each frozen SittingItem (None: left unanswered); `right_answer` and
        `wrong_answer` below suit machine-scored items."""
        from webapp.cli.demo import take_test
        from webapp.sittings.models import Sitting
        from webapp.sittings.services import register_candidates

        number = self._next()
        outcome, = register_candidates(admin, exam.id, [{
            "Email Address": email or f"candidate{number}@example.com", "First Name": first_name,
            "Last Name": last_name or f"Candidate {number}"}])
        sitting = take_test(db.session.get(Sitting, outcome.sitting_id), answer or (lambda item: None), now=now)
        db.session.commit()
        return sitting


@pytest.fixture
def factory() -> Factory:
    return Factory()


def log_in(client, user, password: str = PASSWORD):
    response = client.post("/login", data={"email": user.email, "password": password})
    assert response.status_code == 302, response.get_data(as_text=True)
    return response


@pytest.fixture
def admin(factory):
    return factory.institute("Acme Languages")[1]


@pytest.fixture
def admin_client(client, admin):
    log_in(client, admin)
    return client


@pytest.fixture
def essay_certification(admin, factory):
    """A B2 certification of two MCQs and an essay (5 marks), so a grader has the last word."""
    from webapp.assessments.services import AssessmentInput, SectionInput, create_assessment
    from webapp.bank.services import QuestionInput, create_question, create_skill

    skill = create_skill(admin, "Writing")
    ids = [create_question(admin, QuestionInput(type="MCQ", skill_id=skill.id, difficulty="EASY", stem=f"<p>Q{n}</p>",
                                                options=[{"html": "yes", "correct": True}, {"html": "no"}])).id
           for n in range(2)]
    ids.append(create_question(admin, QuestionInput(type="LONG_ANSWER", skill_id=skill.id, difficulty="EASY",
                                                    stem="<p>Describe your town.</p>", marks=5)).id)
    assessment = create_assessment(admin, AssessmentInput(
        name="Writing B2", duration=30, kind="certification", target_level="B2", pass_mark_percent=60,
        sections=[SectionInput(name="Writing", question_ids=ids)]))
    db.session.commit()
    return factory.exam(admin, assessment=assessment)


@pytest.fixture
def statements(app):
    """The SQL statements the app sends from here to the end of the test."""
    sent = []

    def count(conn, cursor, statement, parameters, context, executemany):
        sent.append(statement)

    event.listen(db.engine, "before_cursor_execute", count)
    yield sent
    event.remove(db.engine, "before_cursor_execute", count)


# PDFs, read with poppler's command-line tools (.ci/run installs poppler-utils)

def poppler(tool: str, pdf: bytes, tmp_path, *args: str) -> str:
    path = tmp_path / f"document-{tool}.pdf"
    path.write_bytes(pdf)
    return subprocess.run([tool, *args, str(path), *(["-"] if tool == "pdftotext" else [])], check=True,
                          capture_output=True, text=True, timeout=60).stdout


@pytest.fixture
def pdf_text(tmp_path):
    """The text of a PDF as pdftotext lays it out (a label and its value on one line), spaces collapsed."""
    return lambda pdf: " ".join(poppler("pdftotext", pdf, tmp_path, "-layout").split())
