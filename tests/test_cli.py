"""The operations commands: create-institute and seed-demo."""
import json

from sqlalchemy import select

from webapp.accounts.models import Institute, User
from webapp.assessments.models import Assessment
from webapp.bank.models import Question
from webapp.cli.demo import DEMO_INSTITUTE, DEMO_LOGINS
from webapp.core.extensions import db
from webapp.exams.models import Exam
from webapp.results.models import Certificate
from webapp.sittings.models import Sitting


def test_create_institute_prints_json_and_refuses_a_taken_name(app):
    runner = app.test_cli_runner()
    result = runner.invoke(args=["create-institute", "Lingua School", "--admin-email", "boss@example.com",
                                 "--admin-password", "a-long-password"])
    assert result.exit_code == 0, result.output
    body = json.loads(result.output)
    institute = db.session.get(Institute, body["institute_id"])
    assert institute.name == "Lingua School" and body["admin_email"] == "boss@example.com"
    assert db.session.query(User).filter_by(email="boss@example.com").one().role.value == "admin"

    again = runner.invoke(args=["create-institute", "lingua school", "--admin-email", "other@example.com",
                                "--admin-password", "a-long-password"])
    assert again.exit_code == 1
    assert "already exists" in again.output
    assert db.session.query(Institute).count() == 1


def test_seed_demo_is_idempotent_and_prints_the_logins(app):
    runner = app.test_cli_runner()
    first = runner.invoke(args=["seed-demo"])
    assert first.exit_code == 0, first.output
    for role, email, password in DEMO_LOGINS:
        assert email in first.output and password in first.output
    counts = (db.session.query(User).count(), db.session.query(Question).count(), db.session.query(Assessment).count(),
              db.session.query(Exam).count(), db.session.query(Sitting).count())
    assert counts[0] == 4 and counts[1] > 40 and counts[2] >= 3 and counts[3] == 2 and counts[4] == 5
    # The certification's three candidates: passed with a certificate, failed, and an essay to grade.
    taken = db.session.scalars(select(Sitting).where(Sitting.finished_at.is_not(None)).order_by(Sitting.id)).all()
    assert [(sitting.passed, sitting.graded_at is not None) for sitting in taken] == \
        [(True, True), (False, True), (None, False)]
    assert db.session.query(Certificate).one().sitting_id == taken[0].id

    second = runner.invoke(args=["seed-demo"])
    assert second.exit_code == 0 and "already present" in second.output
    assert (db.session.query(User).count(), db.session.query(Question).count(), db.session.query(Assessment).count(),
            db.session.query(Exam).count(), db.session.query(Sitting).count()) == counts
    assert db.session.query(Institute).filter_by(name=DEMO_INSTITUTE).count() == 1


def test_seed_demo_if_empty_leaves_a_used_database_alone(app, factory):
    factory.institute("Real Customer")
    result = app.test_cli_runner().invoke(args=["seed-demo", "--if-empty"])
    assert "no demo seeded" in result.output
    assert db.session.query(Institute).filter_by(name=DEMO_INSTITUTE).count() == 0


def test_create_institute_as_a_branch_of_a_parent(app):
    runner = app.test_cli_runner()
    runner.invoke(args=["create-institute", "Head Office", "--admin-email", "head@example.com",
                        "--admin-password", "a-long-password"])
    result = runner.invoke(args=["create-institute", "Branch North", "--admin-email", "north@example.com",
                                 "--admin-password", "a-long-password", "--parent", "Head Office"])
    branch = db.session.get(Institute, json.loads(result.output)["institute_id"])
    assert branch.parent.name == "Head Office"
    missing = runner.invoke(args=["create-institute", "Orphan", "--admin-email", "o@example.com",
                                  "--admin-password", "a-long-password", "--parent", "Nowhere"])
    assert missing.exit_code == 1 and "Parent institute 'Nowhere' not found" in missing.output
