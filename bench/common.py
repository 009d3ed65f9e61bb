"""What the benchmarks share: a fresh PostgreSQL database, an exam with registered candidates, and
gunicorn serving the app. A candidate's request carries no cookie: the sitting's link authorises it."""
from __future__ import annotations

import contextlib
import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

SECRET_KEY = "bench-secret-key"
DEFAULT_URL = "postgresql+psycopg://postgres@127.0.0.1/proctora_bench"


def database_url() -> str:
    return os.environ.get("BENCH_DATABASE_URL", DEFAULT_URL)


def fresh_database(url: str) -> None:
    target = make_url(url)
    admin = create_engine(target.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{target.database}" WITH (FORCE)'))
        connection.execute(text(f'CREATE DATABASE "{target.database}"'))
    admin.dispose()


def exam_with_candidates(url: str, workdir: Path, candidates: int, questions: int = 20):
    """Migrate a fresh database and build an exam of `questions` MCQs with `candidates` registered
    sittings. Returns the app (its context pushed) and the exam."""
    os.environ["PROCTORA_INSTANCE_PATH"] = str(workdir)
    from flask_migrate import upgrade

    from webapp import create_app
    from webapp.accounts.services import create_institute
    from webapp.assessments.services import AssessmentInput, SectionInput, create_assessment
    from webapp.bank.services import QuestionInput, create_question, create_skill
    from webapp.exams.services import ExamInput, create_exam
    from webapp.core.extensions import db
    from webapp.sittings.services import register_candidates

    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": SECRET_KEY})
    app.app_context().push()
    upgrade()
    _, admin = create_institute("Bench Institute", admin_email="bench@example.com", admin_password="bench-password")
    skill = create_skill(admin, "Bench")
    ids = [create_question(admin, QuestionInput(
        type="MCQ", skill_id=skill.id, difficulty="EASY", stem=f"<p>Question {n}</p>",
        options=[{"html": "yes", "correct": True}, {"html": "no"}])).id for n in range(questions)]
    assessment = create_assessment(admin, AssessmentInput(
        name="Bench test", duration=600, sections=[SectionInput(name="All", question_ids=ids)]))
    exam = create_exam(admin, ExamInput(name="Bench exam", assessment_id=assessment.id))
    register_candidates(admin, exam.id, [
        {"Email Address": f"candidate{n}@example.com", "First Name": "C", "Last Name": str(n)}
        for n in range(candidates)], send_email=False)
    db.session.commit()
    return app, exam


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@contextlib.contextmanager
def gunicorn(url: str, workdir: Path, workers: int, extra_env: dict | None = None):
    """Serve the app with gunicorn sync workers; yields its base URL once /healthz answers."""
    port = free_port()
    environment = {**os.environ, "DATABASE_URL": url, "SECRET_KEY": SECRET_KEY,
                   "PROCTORA_INSTANCE_PATH": str(workdir), **(extra_env or {})}
    server = subprocess.Popen([str(ROOT / ".venv/bin/gunicorn"), "--workers", str(workers),
                               "--bind", f"127.0.0.1:{port}", "--log-level", "warning", "wsgi:app"],
                              cwd=ROOT, env=environment)
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(100):
            try:
                urllib.request.urlopen(f"{base}/healthz", timeout=1)
                break
            except OSError:
                time.sleep(0.2)
        yield base
    finally:
        server.terminate()
        server.wait(timeout=30)
