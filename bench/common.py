"""What the benchmarks share: a fresh PostgreSQL database, an exam with registered candidates, and
gunicorn serving the app. A candidate's request carries no cookie: the sitting's link authorises it."""
from __future__ import annotations

import contextlib
import os
import socket
import subprocess
import sys
import threading
import time
import urllib.request
from pathlib import Path

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

import ceiling

ROOT = Path(__file__).resolve().parent.parent
# Not in front of a checkout that PYTHONPATH names before it: instructions.py --code counts a baseline's webapp/.
if str(ROOT) not in sys.path:
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


def started_sittings(url: str, workdir: Path, candidates: int, questions: int = 20) -> list[tuple[str, list[int]]]:
    """An exam whose `candidates` sittings are started: each sitting's token with its items' ids."""
    from sqlalchemy import select

    from webapp.core.extensions import db
    from webapp.sittings import taking
    from webapp.sittings.models import Sitting, SittingItem

    _, exam = exam_with_candidates(url, workdir, candidates, questions)
    sittings = db.session.scalars(select(Sitting).where(Sitting.exam_id == exam.id)).all()
    for sitting in sittings:
        taking.start_check(sitting)
        taking.complete_check(sitting, browser={"bench": "yes"})
        taking.start_exam(sitting)
    db.session.commit()
    items: dict[int, list[int]] = {}
    for sitting_id, item_id in db.session.execute(select(SittingItem.sitting_id, SittingItem.id)):
        items.setdefault(sitting_id, []).append(item_id)
    return [(sitting.access_token, sorted(items[sitting.id])) for sitting in sittings]


def sittings_for_both(url: str, workdir: Path, candidates: int) -> tuple[Path, list[tuple[str, list[int]]]]:
    """Started sittings for Proctora and their tokens' rows for the ceiling; a file of `token|item,item,...`
    lines for the load generators, and the sittings."""
    sittings = started_sittings(url, workdir, candidates)
    ceiling.prepare(url, [token for token, _ in sittings])
    path = workdir / "sittings.txt"
    path.write_text("".join(f"{token}|{','.join(map(str, items))}\n" for token, items in sittings))
    return path, sittings


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


# The ceiling: the least a Flask app can do for a candidate's request on this machine (bench/ceiling.py, one
# indexed UPDATE). The same gunicorn settings serve it, so the difference is Proctora's own work.
PROCTORA, CEILING = "proctora", "ceiling"
APPS = {PROCTORA: ("wsgi:app", ROOT), CEILING: ("ceiling:app", ROOT / "bench")}


@contextlib.contextmanager
def gunicorn(url: str, workdir: Path, workers: int, extra_env: dict | None = None, *, app: str = PROCTORA,
             worker_class: str = "sync", threads: int = 1, backlog: int = 2048):
    """Serve Proctora (or the ceiling) with gunicorn; yields the server (its `base` URL and `cpu_seconds()`)
    once /healthz answers."""
    port = free_port()
    module, directory = APPS[app]
    environment = {**os.environ, "DATABASE_URL": url, "SECRET_KEY": SECRET_KEY,
                   "PROCTORA_INSTANCE_PATH": str(workdir), **(extra_env or {})}
    # The worker class may be Proctora's own (webapp.core.serving), for the ceiling too: same server, same settings.
    command = [str(ROOT / ".venv/bin/gunicorn"), "--workers", str(workers), "--worker-class", worker_class,
               "--threads", str(threads), "--backlog", str(backlog), "--bind", f"127.0.0.1:{port}",
               # No keep-alive: a request sent on a connection the server is just closing would fail (a browser
               # sends it again, the load generator counts an error); the sync worker closes each one anyway.
               "--keep-alive", "0", "--pythonpath", str(ROOT), "--log-level", "warning", module]
    server = Server(subprocess.Popen(command, cwd=directory, env=environment), f"http://127.0.0.1:{port}")
    try:
        for _ in range(150):
            try:
                urllib.request.urlopen(f"{server.base}/healthz", timeout=1)
                break
            except OSError:
                time.sleep(0.2)
        yield server
    finally:
        server.process.terminate()
        server.process.wait(timeout=30)


class Server:
    def __init__(self, process: subprocess.Popen, base: str):
        self.process, self.base = process, base

    def __str__(self) -> str:   # the scripts written for a plain base URL keep working
        return self.base

    def cpu_seconds(self) -> float:
        """CPU time (user and system) used so far by the server's workers, the master included."""
        import psutil

        master = psutil.Process(self.process.pid)
        processes = [master, *master.children(recursive=True)]
        total = 0.0
        for process in processes:
            try:
                times = process.cpu_times()
            except psutil.NoSuchProcess:
                continue
            total += times.user + times.system
        return total


def load_average() -> str:
    return " ".join(f"{value:.2f}" for value in os.getloadavg())


def at_once(target, arguments: list[tuple]) -> tuple[float, float]:
    """Run `target(*each, barrier=...)` in one thread per item of `arguments`, each waiting at the barrier to
    be released with the others; returns the moments (time.monotonic()) of the release and of the last end."""
    barrier = threading.Barrier(len(arguments) + 1)
    threads = [threading.Thread(target=target, args=each, kwargs={"barrier": barrier}, daemon=True)
               for each in arguments]
    for thread in threads:
        thread.start()
    barrier.wait()
    began = time.monotonic()
    for thread in threads:
        thread.join()
    return began, time.monotonic()
