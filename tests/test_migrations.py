"""The Alembic revisions build exactly the schema the models describe, on SQLite and PostgreSQL."""
import os
import uuid
from datetime import datetime, timezone
from functools import partial
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from flask_migrate import downgrade, upgrade
from sqlalchemy import MetaData, String, Table, create_engine, select, text
from sqlalchemy.exc import IntegrityError
from sqlalchemy.engine import make_url

from webapp import create_app
from webapp.core.extensions import db

MIGRATIONS = Path(__file__).resolve().parent.parent / "migrations"


@pytest.fixture
def empty_database_url(tmp_path):
    url = os.environ.get("TEST_DATABASE_URL")
    if not url:
        yield f"sqlite:///{tmp_path / 'migrations.sqlite3'}"
        return
    name = f"proctora_migrations_{uuid.uuid4().hex[:8]}"
    admin = create_engine(make_url(url).set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    yield make_url(url).set(database=name).render_as_string(hide_password=False)
    with admin.connect() as connection:
        connection.execute(text(f'DROP DATABASE "{name}" WITH (FORCE)'))
    admin.dispose()


def _only_a_length_sqlite_ignores(difference, dialect: str) -> bool:
    """SQLite stores a VARCHAR of any length, so a migration widens one only on PostgreSQL (copying a
    SQLite table to widen it would break the foreign keys that point at it)."""
    if dialect != "sqlite" or not isinstance(difference, list) or difference[0][0] != "modify_type":
        return False
    old, new = difference[0][-2:]
    return isinstance(old, String) and isinstance(new, String)


def test_migrations_match_the_models_and_downgrade_cleanly(app_config, empty_database_url):
    migrated = create_app({**app_config, "SQLALCHEMY_DATABASE_URI": empty_database_url})
    with migrated.app_context():
        upgrade()
        with db.engine.connect() as connection:
            differences = [difference for difference in compare_metadata(
                MigrationContext.configure(connection), db.metadata)
                if not _only_a_length_sqlite_ignores(difference, connection.dialect.name)]
        assert differences == [], "run `flask db revision --autogenerate`: the models changed"
        downgrade(revision="base")
        with db.engine.connect() as connection:
            remaining = set(db.inspect(connection).get_table_names()) - {"alembic_version"}
        assert remaining == set()
        db.engine.dispose()


def _insert(connection, table_name: str, **values) -> int:
    """A row with `values`, and a plain value in every other column that needs one."""
    table = Table(table_name, MetaData(), autoload_with=connection)
    for column in table.columns:
        if column.name in values or column.nullable or column.server_default is not None or column.primary_key:
            continue
        python_type = column.type.python_type
        values[column.name] = (datetime(2026, 1, 1, tzinfo=timezone.utc) if python_type is datetime
                               else python_type() if python_type in (bool, int, float) else "x")
    return connection.execute(table.insert().values(**values)).inserted_primary_key[0]


def test_0006_gives_existing_typed_answers_the_documented_defaults_and_takes_them_back(
        app_config, empty_database_url):
    migrated = create_app({**app_config, "SQLALCHEMY_DATABASE_URI": empty_database_url})
    with migrated.app_context():
        before = ScriptDirectory(str(MIGRATIONS)).get_revision("0006_answer_matching").down_revision
        upgrade(revision=before)
        with db.engine.begin() as connection:
            institute = _insert(connection, "institutes", name="Old school")
            skill = _insert(connection, "skills", institute_id=institute, name="Grammar")
            question = partial(_insert, connection, "questions", institute_id=institute, skill_id=skill,
                               difficulty="EASY", stem="<p>?</p>", options=[], blanks=[], accepted_answers=[])
            fitb = question(type="FITB", blanks=[{"accepted": ["went"], "case_sensitive": True},
                                                 {"accepted": ["1,000", "a thousand"], "case_sensitive": False}])
            short = question(type="SHORT_ANSWER", accepted_answers=["8.40"])
            mcq = question(type="MCQ", options=[{"id": "a", "html": "yes", "correct": True}])
        upgrade()
        questions = Table("questions", MetaData(), autoload_with=db.engine)
        with db.engine.connect() as connection:
            rows = {row.id: row for row in connection.execute(select(questions))}
        forgiving = {"exact_spaces": False, "exact_quotes": False, "exact_unicode": False,
                     "exact_end_punctuation": False, "exact_numbers": False, "tolerance": 0}
        assert rows[fitb].blanks == [{"accepted": ["went"], "case_sensitive": True, **forgiving},
                                     {"accepted": ["1,000", "a thousand"], "case_sensitive": False, **forgiving,
                                      "exact_numbers": True}]   # "1,000" may mean a thousand: compared as text
        assert (rows[short].matching, rows[short].case_sensitive) == (forgiving, False)
        assert rows[mcq].matching == {}

        downgrade(revision=before)
        questions = Table("questions", MetaData(), autoload_with=db.engine)
        with db.engine.connect() as connection:
            rows = {row.id: row for row in connection.execute(select(questions))}
        assert "matching" not in questions.columns
        assert rows[fitb].blanks == [{"accepted": ["went"], "case_sensitive": True},
                                     {"accepted": ["1,000", "a thousand"], "case_sensitive": False}]
        db.engine.dispose()


def test_0009_releases_every_result_graded_before_it_as_it_stands(app_config, empty_database_url):
    migrated = create_app({**app_config, "SQLALCHEMY_DATABASE_URI": empty_database_url})
    graded_at = datetime(2026, 11, 30, 9, 0, tzinfo=timezone.utc)
    with migrated.app_context():
        upgrade(revision=ScriptDirectory(str(MIGRATIONS)).get_revision("0009_result_release").down_revision)
        with db.engine.begin() as connection:
            institute = _insert(connection, "institutes", name="Old school")
            assessment = _insert(connection, "assessments", institute_id=institute, name="B1 certificate",
                                 kind="certification")
            exam = _insert(connection, "exams", institute_id=institute, assessment_id=assessment, name="Autumn",
                           access_key="old-key", ip_addresses=[], grade_notification_recipients=[])
            sitting = partial(_insert, connection, "sittings", institute_id=institute, exam_id=exam,
                              registration={}, check={}, sections=[], status="exam_finished")
            candidate = partial(_insert, connection, "candidates", institute_id=institute)
            passed = sitting(candidate_id=candidate(email="ann@example.com", username="ann"), access_token="a",
                             graded_at=graded_at, total_marks=13.0, max_marks=20.0, level="B1", passed=True)
            ungraded = sitting(candidate_id=candidate(email="bob@example.com", username="bob"), access_token="b")
            _insert(connection, "certificates", institute_id=institute, sitting_id=passed, code="ABCD-EFGH-JKMN",
                    candidate_name="Ann", assessment_name="B1 certificate", level="B1", issued_at=graded_at)
        upgrade()
        sittings = Table("sittings", MetaData(), autoload_with=db.engine)
        with db.engine.connect() as connection:
            rows = {row.id: row for row in connection.execute(select(sittings))}
        # SQLite gives the moment back without its zone (UTCDateTime puts it back in the app).
        assert rows[passed].released_at.replace(tzinfo=timezone.utc) == graded_at
        assert rows[passed].released_by_id is None
        assert rows[passed].released_outcome == {"total": 13.0, "max": 20.0, "percent": 65.0, "level": "B1",
                                                 "passed": True, "certificate": "ABCD-EFGH-JKMN", "withheld": False}
        assert (rows[ungraded].released_at, rows[ungraded].released_outcome) == (None, None)
        institutes = Table("institutes", MetaData(), autoload_with=db.engine)
        certificates = Table("certificates", MetaData(), autoload_with=db.engine)
        with db.engine.connect() as connection:
            assert connection.execute(select(institutes.c.default_release_policy)).scalar_one() == "at_once"
            assert connection.execute(select(certificates.c.code)).scalars().all() == ["ABCD-EFGH-JKMN"]


def test_0012_keeps_certificates_issued_before_as_they_were(app_config, empty_database_url):
    """Certificates issued before the certificate settings: the standard title, no wording of their own
    (the document shows the standard words), no expiry, no identifier, no signatory."""
    migrated = create_app({**app_config, "SQLALCHEMY_DATABASE_URI": empty_database_url})
    with migrated.app_context():
        before = ScriptDirectory(str(MIGRATIONS)).get_revision("0012_certificates_rescore_runs").down_revision
        upgrade(revision=before)
        with db.engine.begin() as connection:
            institute = _insert(connection, "institutes", name="Old school")
            assessment = _insert(connection, "assessments", institute_id=institute, name="B2", kind="certification")
            exam = _insert(connection, "exams", institute_id=institute, assessment_id=assessment)
            candidate = _insert(connection, "candidates", institute_id=institute)
            sitting = _insert(connection, "sittings", institute_id=institute, exam_id=exam, candidate_id=candidate)
            _insert(connection, "certificates", institute_id=institute, sitting_id=sitting, code="ABCD-EFGH-JKMN",
                    candidate_name="Ann", assessment_name="B2", level="B2")
        upgrade()
        certificates = Table("certificates", MetaData(), autoload_with=db.engine)
        with db.engine.connect() as connection:
            row = connection.execute(select(certificates)).one()
        assert (row.title, row.body, row.expires_at, row.candidate_identifier, row.signatory_name,
                row.signature_key) == ("Certificate", "", None, "", "", "")
        assessments = Table("assessments", MetaData(), autoload_with=db.engine)
        with db.engine.connect() as connection:
            assert connection.execute(select(assessments.c.certificate_validity_months)).scalar_one() is None
        db.engine.dispose()


def test_0011_makes_existing_sittings_first_attempts_and_existing_exams_allow_one(app_config, empty_database_url):
    migrated = create_app({**app_config, "SQLALCHEMY_DATABASE_URI": empty_database_url})
    with migrated.app_context():
        before = ScriptDirectory(str(MIGRATIONS)).get_revision("0011_retakes").down_revision
        upgrade(revision=before)
        with db.engine.begin() as connection:
            institute = _insert(connection, "institutes", name="Old school")
            assessment = _insert(connection, "assessments", institute_id=institute, name="Old test")
            exam = _insert(connection, "exams", institute_id=institute, assessment_id=assessment, name="Old exam",
                           access_key="old-exam")
            ann, bob = (_insert(connection, "candidates", institute_id=institute, email=email, username=email)
                        for email in ("ann@example.com", "bob@example.com"))
            sittings = [_insert(connection, "sittings", institute_id=institute, exam_id=exam, candidate_id=candidate,
                                access_token=f"token-{candidate}", status="exam_finished")
                        for candidate in (ann, bob)]
        upgrade()
        with db.engine.begin() as connection:
            tables = {name: Table(name, MetaData(), autoload_with=connection) for name in ("exams", "sittings")}
            assert [(row.id, row.attempt) for row in connection.execute(
                select(tables["sittings"]).order_by(tables["sittings"].c.id))] == [(sittings[0], 1), (sittings[1], 1)]
            assert [(row.max_attempts, row.retake_wait_hours) for row in connection.execute(
                select(tables["exams"]))] == [(1, 0)]
            # Ann's retake is a second row of the same exam; her attempt 1 stays unique.
            _insert(connection, "sittings", institute_id=institute, exam_id=exam, candidate_id=ann,
                    access_token="token-retake", status="registered", attempt=2)
        with pytest.raises(IntegrityError), db.engine.begin() as connection:
            _insert(connection, "sittings", institute_id=institute, exam_id=exam, candidate_id=ann,
                    access_token="token-twice", status="registered", attempt=2)
        # A retake has no place in the table of before: the downgrade refuses (Flask-Migrate exits) rather
        # than drop it silently.
        with pytest.raises(SystemExit):
            downgrade(revision=before)
        with db.engine.begin() as connection:
            connection.execute(text("DELETE FROM sittings WHERE access_token = 'token-retake'"))
        downgrade(revision=before)
        with db.engine.connect() as connection:
            assert "attempt" not in Table("sittings", MetaData(), autoload_with=connection).columns
        db.engine.dispose()
