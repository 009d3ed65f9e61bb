"""Benchmark: answer saves, the candidate page's hot path, against gunicorn and PostgreSQL.

Prepares CANDIDATES started sittings of a 20-question exam in a fresh database, serves the app with
gunicorn (sync workers), then drives POST /s/<token>/answers with wrk from another process: each
request saves one answer of a random candidate with a new version. Prints wrk's latency
distribution and throughput. The target: p99 under 300 ms with 2,000 candidates.

    apt-get install -y wrk
    .venv/bin/python bench/answer_saves.py [--candidates 2000] [--connections 200] [--seconds 30]

Uses BENCH_DATABASE_URL (default postgresql+psycopg://postgres@127.0.0.1/proctora_bench); the
database is dropped and created again.
"""
from __future__ import annotations

import argparse
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

SECRET_KEY = "bench-secret-key"
LUA = r"""
local sittings = {}
for line in io.lines(os.getenv("BENCH_SITTINGS")) do
  local token, cookie, csrf, items = line:match("([^|]+)|([^|]+)|([^|]+)|(.+)")
  local ids = {}
  for id in items:gmatch("%d+") do ids[#ids + 1] = id end
  sittings[#sittings + 1] = {token = token, cookie = cookie, csrf = csrf, items = ids}
end
local counter = 0
math.randomseed(os.time())
request = function()
  counter = counter + 1
  local sitting = sittings[math.random(#sittings)]
  local item = sitting.items[math.random(#sitting.items)]
  local body = string.format('{"item_id": %s, "answer": {"option": "a"}, "version": %d, "flagged": false}',
                             item, counter)
  local headers = {["Content-Type"] = "application/json", ["Cookie"] = "session=" .. sitting.cookie,
                   ["X-CSRFToken"] = sitting.csrf}
  return wrk.format("POST", "/s/" .. sitting.token .. "/answers", headers, body)
end
local shown = 0
response = function(status, headers, body)
  if status ~= 200 and shown < 3 then
    shown = shown + 1
    io.stderr:write(string.format("HTTP %d: %s\n", status, body:match('error%-message">(.-)<') or body:sub(1, 200)))
  end
end
"""


def fresh_database(url: str) -> None:
    target = make_url(url)
    admin = create_engine(target.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{target.database}" WITH (FORCE)'))
        connection.execute(text(f'CREATE DATABASE "{target.database}"'))
    admin.dispose()


def prepare(url: str, candidates: int, workdir: Path) -> Path:
    """Migrate, build an exam with started sittings and write one line per sitting for wrk."""
    os.environ["PROCTORA_INSTANCE_PATH"] = str(workdir)
    from flask import g, session
    from flask_migrate import upgrade
    from flask_wtf.csrf import generate_csrf
    from sqlalchemy import select

    from webapp import create_app
    from webapp.accounts.services import create_institute
    from webapp.assessments.services import AssessmentInput, SectionInput, create_assessment
    from webapp.bank.services import QuestionInput, create_question, create_skill
    from webapp.exams.services import ExamInput, create_exam
    from webapp.extensions import db
    from webapp.sittings import taking
    from webapp.sittings.models import Sitting, SittingItem
    from webapp.sittings.services import register_candidates

    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": SECRET_KEY})
    lines = []
    with app.app_context():
        upgrade()
        _, admin = create_institute("Bench Institute", admin_email="bench@example.com",
                                    admin_password="bench-password")
        skill = create_skill(admin, "Bench")
        ids = [create_question(admin, QuestionInput(
            type="MCQ", skill_id=skill.id, difficulty="EASY", stem=f"<p>Question {n}</p>",
            options=[{"html": "yes", "correct": True}, {"html": "no"}])).id for n in range(20)]
        assessment = create_assessment(admin, AssessmentInput(
            name="Bench test", duration=600, sections=[SectionInput(name="All", question_ids=ids)]))
        exam = create_exam(admin, ExamInput(name="Bench exam", assessment_id=assessment.id))
        register_candidates(admin, exam.id, [
            {"Email Address": f"candidate{n}@example.com", "First Name": "C", "Last Name": str(n)}
            for n in range(candidates)], send_email=False)
        db.session.commit()
        for sitting in db.session.scalars(select(Sitting).where(Sitting.exam_id == exam.id)):
            taking.start_check(sitting)
            taking.complete_check(sitting, browser={"bench": "yes"})
            taking.start_exam(sitting)
        db.session.commit()
        serializer = app.session_interface.get_signing_serializer(app)
        items = {}
        for sitting_id, item_id in db.session.execute(select(SittingItem.sitting_id, SittingItem.id)):
            items.setdefault(sitting_id, []).append(str(item_id))
        for sitting in db.session.scalars(select(Sitting).where(Sitting.exam_id == exam.id)):
            # The CSRF token and the session cookie a candidate's browser would hold.
            with app.test_request_context():
                g.pop("csrf_token", None)   # cached per app context; each candidate has their own
                csrf = generate_csrf()
                cookie = serializer.dumps(dict(session))
            lines.append(f"{sitting.access_token}|{cookie}|{csrf}|{','.join(items[sitting.id])}")
    path = workdir / "sittings.txt"
    path.write_text("\n".join(lines) + "\n")
    return path


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--candidates", type=int, default=2000)
    parser.add_argument("--connections", type=int, default=200)
    parser.add_argument("--seconds", type=int, default=30)
    parser.add_argument("--workers", type=int, default=4)
    arguments = parser.parse_args()
    if not shutil.which("wrk"):
        sys.exit("wrk is needed: apt-get install -y wrk")
    url = os.environ.get("BENCH_DATABASE_URL", "postgresql+psycopg://postgres@127.0.0.1/proctora_bench")
    workdir = Path(tempfile.mkdtemp(prefix="proctora-bench-"))
    fresh_database(url)
    started = time.monotonic()
    sittings = prepare(url, arguments.candidates, workdir)
    print(f"prepared {arguments.candidates} started sittings in {time.monotonic() - started:.0f} s")

    port = free_port()
    environment = {**os.environ, "DATABASE_URL": url, "SECRET_KEY": SECRET_KEY,
                   "PROCTORA_INSTANCE_PATH": str(workdir), "BENCH_SITTINGS": str(sittings)}
    server = subprocess.Popen([str(ROOT / ".venv/bin/gunicorn"), "--workers", str(arguments.workers),
                               "--bind", f"127.0.0.1:{port}", "--log-level", "warning", "wsgi:app"],
                              cwd=ROOT, env=environment)
    try:
        for _ in range(100):
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=1)
                break
            except OSError:
                time.sleep(0.2)
        script = workdir / "saves.lua"
        script.write_text(LUA)
        result = subprocess.run(["wrk", "-t2", f"-c{arguments.connections}", f"-d{arguments.seconds}s", "--latency",
                                 "-s", str(script), f"http://127.0.0.1:{port}"],
                                env=environment, capture_output=True, text=True, check=True)
        print(result.stdout)
        if result.stderr:
            print(result.stderr[-2000:], file=sys.stderr)
        errors = re.search(r"Non-2xx or 3xx responses: (\d+)", result.stdout)
        if errors:
            sys.exit(f"{errors.group(1)} saves failed")
    finally:
        server.terminate()
        server.wait(timeout=30)


if __name__ == "__main__":
    main()
