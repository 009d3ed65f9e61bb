"""Benchmark: the staff pages and API lists at scale of data, against gunicorn and PostgreSQL.

Builds in a fresh database, with bulk SQL rather than the services (which would take hours): one
institute, an exam of 100,000 finished and graded sittings (ITEMS frozen items and responses each, some
results released, some withheld by a proctor's violation), 100,000 candidates, and a second exam of
1,000 running sittings with answers, tab switches, snapshots and flags for the live monitor. Then it
serves the app with gunicorn (one sync worker, so that the worker measured is the one that answered),
signs in as the admin and times, with sequential warm requests from this process:

- the results page of the big exam (default sort, a search, a filter, another sort, a far page);
- the CSV and XLSX exports of its 100,000 rows, with the worker's resident memory sampled throughout;
- the live monitor of the 1,000 running sittings, and its number of SQL statements (in-process);
- the candidates search over the 100,000 candidates;
- Mettl's /v1/schedules/<key>/candidates and EURO's /api/v1/exams/<id>/student_sessions, first and far page.

Prints one table: median and p95 of REQUESTS requests, or for the exports their duration, size and
the worker's memory before and at its peak.

    .venv/bin/python bench/data_scale.py [--sittings 100000] [--candidates 100000] [--running 1000]
                                         [--items 5] [--requests 20]

Uses BENCH_DATABASE_URL (default postgresql+psycopg://postgres@127.0.0.1/proctora_bench); the
database is dropped and created again.
"""
from __future__ import annotations

import argparse
import base64
import hashlib
import hmac
import os
import re
import shutil
import statistics
import tempfile
import threading
import time
from pathlib import Path
from urllib.parse import urlencode

import requests

from common import SECRET_KEY, database_url, fresh_database, gunicorn, load_average

PASSWORD = "bench-password"
ADMIN = "bench@example.com"

FIRST_NAMES = ["Anna", "Ben", "Carla", "David", "Elif", "Farid", "Greta", "Hugo", "Ines", "Jonas", "Karim",
               "Lena", "Mateo", "Nora", "Omar", "Paula", "Quentin", "Rosa", "Samir", "Tilda"]
LAST_NAMES = ["Schmidt", "Garcia", "Nguyen", "Haddad", "Rossi", "Kowalski", "Silva", "Yilmaz", "Dubois", "Novak",
              "Jensen", "Okafor", "Tanaka", "Petrov", "Murphy", "Fischer", "Lopez", "Ahmed", "Weber", "Costa"]


def prepare(url: str, workdir: Path, *, sittings: int, candidates: int, running: int, items: int) -> dict:
    """The institute, its exams and the bulk rows; returns what the requests need."""
    os.environ["PROCTORA_INSTANCE_PATH"] = str(workdir)
    from flask_migrate import upgrade
    from sqlalchemy import text

    from webapp import create_app
    from webapp.accounts.credentials import issue_credential
    from webapp.accounts.services import create_institute
    from webapp.assessments.services import AssessmentInput, SectionInput, create_assessment
    from webapp.bank.services import QuestionInput, create_question, create_skill
    from webapp.core.extensions import db
    from webapp.exams.services import ExamInput, create_exam

    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": SECRET_KEY})
    app.app_context().push()
    upgrade()
    institute, admin = create_institute("Scale Institute", admin_email=ADMIN, admin_password=PASSWORD)
    skill = create_skill(admin, "Scale")
    ids = [create_question(admin, QuestionInput(
        type="MCQ", skill_id=skill.id, difficulty="EASY", stem=f"<p>Question {n}</p>",
        options=[{"html": "yes", "correct": True}, {"html": "no"}])).id for n in range(items)]
    half = max(1, items // 2)
    assessment = create_assessment(admin, AssessmentInput(name="Scale test", duration=600, sections=[
        SectionInput(name="Part one", question_ids=ids[:half]),
        SectionInput(name="Part two", question_ids=ids[half:])]))
    results_exam = create_exam(admin, ExamInput(name="Results exam", assessment_id=assessment.id))
    live_exam = create_exam(admin, ExamInput(name="Live exam", assessment_id=assessment.id,
                                             web_proctoring_enabled=True))
    __, issued = issue_credential(institute.id, name="bench")
    db.session.commit()
    params = {"institute": institute.id, "results_exam": results_exam.id, "live_exam": live_exam.id,
              "question": ids[0], "items": items, "half": half, "admin": admin.id,
              "first_names": FIRST_NAMES, "last_names": LAST_NAMES}
    connection = db.session.connection()
    started = time.perf_counter()
    connection.execute(text(
        "INSERT INTO candidates (institute_id, email, username, first_name, last_name, current_level, created_at,"
        " updated_at, language)"
        " SELECT :institute, 'candidate' || n || '@example.com', 'user' || n,"
        " (CAST(:first_names AS text[]))[1 + n % 20],"
        " (CAST(:last_names AS text[]))[1 + (n / 20) % 20] || '-' || (n % 997),"
        " (ARRAY['A1','A2','B1','B2','C1','C2'])[1 + n % 6], now() - n * interval '1 minute',"
        " now() - n * interval '1 minute', ''"
        " FROM generate_series(1, :count) AS n"), {**params, "count": max(candidates, sittings, running)})
    sections = ('[{"name": "Part one", "instructions": "", "duration": null, "deadline": null, "closed": true},'
                ' {"name": "Part two", "instructions": "", "duration": null, "deadline": null, "closed": true}]')
    # Finished and graded: marks of 0..items, a quarter released, one in a hundred withheld below.
    connection.execute(text(
        "INSERT INTO sittings (institute_id, exam_id, candidate_id, attempt, access_token, status, finish_mode,"
        " registration, context_data, registered_by, \"check\", ip_address, extra_minutes, sections, current_section,"
        " current_item, started_at, deadline, finished_at, seconds_spent, total_marks, max_marks, graded_at,"
        " released_at, created_at, updated_at)"
        " SELECT :institute, :results_exam, c.id, 1, 'r' || md5(c.id::text), 'exam_finished',"
        " CASE WHEN c.id % 10 = 0 THEN 'Expired' ELSE 'NormalSubmission' END, '{}', '', 'staff', '{}', '', 0,"
        " CAST(:sections AS json), 1, 0, now() - c.id * interval '1 minute' - interval '10 minutes',"
        " now() - c.id * interval '1 minute', now() - c.id * interval '1 minute' - (c.id % 500) * interval '1 second',"
        " 100 + c.id % 500, (c.id * 7919) % (:items + 1), :items, now() - c.id * interval '1 minute',"
        " CASE WHEN c.id % 4 = 0 THEN now() ELSE NULL END, now(), now()"
        " FROM candidates c WHERE c.institute_id = :institute ORDER BY c.id LIMIT :count"),
        {**params, "sections": sections, "count": sittings})
    connection.execute(text(
        "INSERT INTO proctor_reviews (institute_id, sitting_id, outcome, comment, reviewed_at, override_reason)"
        " SELECT :institute, s.id, 'violation', '', now(), '' FROM sittings s"
        " WHERE s.exam_id = :results_exam AND s.id % 100 = 7"), params)
    # Running: half of the items answered, three tab switches in one sitting of three, a snapshot, a flag.
    connection.execute(text(
        "INSERT INTO sittings (institute_id, exam_id, candidate_id, attempt, access_token, status,"
        " registration, context_data, registered_by, \"check\", ip_address, extra_minutes, sections, current_section,"
        " current_item, started_at, deadline, last_seen_at, created_at, updated_at)"
        " SELECT :institute, :live_exam, c.id, 1, 'l' || md5(c.id::text), 'exam_started', '{}', '', 'staff', '{}',"
        " '', 0, CAST(:sections AS json), 0, 0, now() - interval '10 minutes', now() + interval '20 minutes',"
        " now(), now(), now() FROM candidates c WHERE c.institute_id = :institute ORDER BY c.id LIMIT :count"),
        {**params, "sections": sections.replace("true", "false"), "count": running})
    connection.execute(text(
        "INSERT INTO sitting_items (sitting_id, position, section_index, question_id, question_type, skill_name,"
        " difficulty, stem, options, key, marks, negative_marks)"
        " SELECT s.id, p, CASE WHEN p < :half THEN 0 ELSE 1 END, :question, 'MCQ', 'Scale', 'EASY',"
        " '<p>Question</p>', '[{\"id\": \"a\", \"html\": \"yes\"}, {\"id\": \"b\", \"html\": \"no\"}]',"
        " '{\"correct\": [\"a\"]}', 1, 0"
        " FROM sittings s CROSS JOIN generate_series(0, :items - 1) AS p WHERE s.institute_id = :institute"), params)
    connection.execute(text(
        "INSERT INTO responses (sitting_id, item_id, answer, flagged, version, saved_at, awarded, correct,"
        " needs_grading, grader_comment, seconds_spent)"
        " SELECT i.sitting_id, i.id, CASE WHEN s.status = 'exam_finished' OR i.position % 2 = 0"
        " THEN CAST('{\"option\": \"a\"}' AS json) END, false, 1, now(),"
        " CASE WHEN s.status = 'exam_finished' THEN CASE WHEN i.position < s.total_marks THEN 1 ELSE 0 END END,"
        " CASE WHEN s.status = 'exam_finished' THEN i.position < s.total_marks END, false, '', 10"
        " FROM sitting_items i JOIN sittings s ON s.id = i.sitting_id WHERE s.institute_id = :institute"), params)
    connection.execute(text(
        "INSERT INTO proctor_events (sitting_id, kind, details, created_at)"
        " SELECT s.id, 'tab_switch', '{}', now() - k * interval '1 minute'"
        " FROM sittings s CROSS JOIN generate_series(1, 3) AS k WHERE s.exam_id = :live_exam AND s.id % 3 = 0"), params)
    connection.execute(text(
        "INSERT INTO proctor_snapshots (institute_id, sitting_id, storage_key, created_at)"
        " SELECT :institute, s.id, :institute || '/' || s.id || '/snapshot-' || md5(s.id::text) || '.jpg', now()"
        " FROM sittings s WHERE s.exam_id = :live_exam"), params)
    connection.execute(text(
        "INSERT INTO proctor_flags (institute_id, sitting_id, category, note, raised_by, created_at)"
        " SELECT :institute, s.id, 'phone', '', :admin, now() FROM sittings s"
        " WHERE s.exam_id = :live_exam AND s.id % 10 = 0"), params)
    db.session.commit()
    # As autovacuum leaves a database that has settled: statistics, and pages marked all-visible.
    with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as autocommit:
        autocommit.execute(text("VACUUM ANALYZE"))
    print(f"data generated in {time.perf_counter() - started:.0f} s", flush=True)
    return {"app": app, "results_exam": results_exam.id, "live_exam": live_exam.id,
            "access_key": results_exam.access_key, "ak": issued.access_key, "private_key": issued.private_key,
            "euro_token": issued.euro_token}


def monitor_statements(app, exam_id: int) -> int:
    """SQL statements of one monitor request, counted in this process with the app's test client."""
    from sqlalchemy import event

    from webapp.core.extensions import db

    app.config["WTF_CSRF_ENABLED"] = False   # only this in-process client signs in; gunicorn checks the token
    client = app.test_client()
    client.post("/login", data={"email": ADMIN, "password": PASSWORD})
    counted: list[str] = []

    def count(conn, cursor, statement, *args):
        counted.append(statement)

    engine = db.engine
    client.get(f"/proctoring/exams/{exam_id}/monitor")   # warm: the login's own statements are not counted
    event.listen(engine, "before_cursor_execute", count)
    try:
        response = client.get(f"/proctoring/exams/{exam_id}/monitor")
        assert response.status_code == 200, response.status_code
    finally:
        event.remove(engine, "before_cursor_execute", count)
    return len(counted)


def signed_in(base: str) -> requests.Session:
    session = requests.Session()
    page = session.get(f"{base}/login").text
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page).group(1)
    answer = session.post(f"{base}/login", data={"email": ADMIN, "password": PASSWORD, "csrf_token": token},
                          allow_redirects=False)
    assert answer.status_code in (302, 303), answer.status_code
    return session


def mettl_url(base: str, path: str, ak: str, private_key: str, parameters: dict) -> str:
    """A signed GET (section 10.2 of the Mettl spec: VERB + URL + "\\n" + the values sorted by name)."""
    parameters = {**parameters, "ak": ak, "ts": f"{time.time():.6f}"}
    message = "GET" + base + path + "\n" + "\n".join(str(parameters[name]) for name in sorted(parameters))
    parameters["asgn"] = base64.b64encode(hmac.new(private_key.encode(), message.encode(), hashlib.sha1)
                                          .digest()).decode()
    return f"{base}{path}?{urlencode(parameters)}"


def timed(fetch, count: int, check) -> tuple[float, float]:
    """Median and p95 in ms of `count` sequential calls of `fetch` after two warm-up calls."""
    for _ in range(2):
        check(fetch())
    durations = []
    for _ in range(count):
        started = time.perf_counter()
        response = fetch()
        durations.append(1000 * (time.perf_counter() - started))
        check(response)
    durations.sort()
    return statistics.median(durations), durations[min(len(durations) - 1, round(0.95 * (len(durations) - 1)))]


def worker_pid(master: int) -> int:
    children = Path(f"/proc/{master}/task/{master}/children").read_text().split()
    assert len(children) == 1, children
    return int(children[0])


def rss_kib(pid: int) -> int:
    """The process's resident memory, 0 once it is gone (gunicorn kills a worker past its timeout)."""
    try:
        found = re.search(r"VmRSS:\s+(\d+)", Path(f"/proc/{pid}/status").read_text())
    except OSError:
        return 0
    return int(found.group(1)) if found else 0


def export(session: requests.Session, url: str, pid: int) -> tuple[float, int | str, int, int, int, int]:
    """Seconds, HTTP status, bytes, lines, and the worker's memory before and at its peak (KiB) while
    downloading."""
    before = rss_kib(pid)
    peak = [before]
    done = threading.Event()

    def sample():
        while not done.is_set():
            peak[0] = max(peak[0], rss_kib(pid))
            time.sleep(0.02)

    sampler = threading.Thread(target=sample)
    sampler.start()
    started = time.perf_counter()
    size = lines = 0
    with session.get(url, stream=True) as response:
        status = response.status_code
        try:
            for chunk in response.iter_content(64 * 1024):
                size += len(chunk)
                lines += chunk.count(b"\n")
        except requests.exceptions.ChunkedEncodingError:
            status = "cut off"   # gunicorn killed the worker past its timeout, mid-response
    seconds = time.perf_counter() - started
    done.set()
    sampler.join()
    return seconds, status, size, lines, before, peak[0]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sittings", type=int, default=100_000)
    parser.add_argument("--candidates", type=int, default=100_000)
    parser.add_argument("--running", type=int, default=1_000)
    parser.add_argument("--items", type=int, default=5)
    parser.add_argument("--requests", type=int, default=20)
    options = parser.parse_args()
    url = database_url()
    fresh_database(url)
    workdir = Path(tempfile.mkdtemp(prefix="proctora-scale-"))
    try:
        data = prepare(url, workdir, sittings=options.sittings, candidates=options.candidates,
                       running=options.running, items=options.items)
        statements = monitor_statements(data["app"], data["live_exam"])
        rows: list[tuple[str, str, str]] = []
        print(f"load average before the requests: {load_average()}", flush=True)
        with gunicorn(url, workdir, 1, {"API_RATE_LIMIT": "100000 per minute"}) as server:
            base = server.base
            session = signed_in(base)
            results = f"{base}/exams/{data['results_exam']}/results"
            far = options.sittings // 25 // 2
            one = options.candidates * 2 // 3

            def page(url_, marker):
                def check(response):
                    assert response.status_code == 200 and marker in response.text, (url_, response.status_code)
                return lambda: session.get(url_), check

            def json_page(url_, fetch, key):
                def check(response):
                    assert response.status_code == 200 and response.json()[key], (url_, response.text[:300])
                return fetch, check

            cases = [
                ("results page", *page(results, "data-sitting")),
                ("results, search 'garcia'", *page(f"{results}?search=garcia", "data-sitting")),
                ("results, released only", *page(f"{results}?release=released", "data-sitting")),
                ("results, by name", *page(f"{results}?sort=name&order=asc", "data-sitting")),
                (f"results, page {far}", *page(f"{results}?page={far}", "data-sitting")),
                ("live monitor (running)", *page(f"{base}/proctoring/exams/{data['live_exam']}/monitor",
                                                 "data-sitting-id")),
                ("candidates list", *page(f"{base}/candidates", "/candidates/")),
                ("candidates, search 'anna'", *page(f"{base}/candidates?text=anna", "/candidates/")),
                (f"candidates, search 'candidate{one}@'", *page(f"{base}/candidates?text=candidate{one}@",
                                                                 f"candidate{one}@")),
                ("candidates, level B2 by e-mail", *page(f"{base}/candidates?level=B2&sort=email", "/candidates/")),
            ]
            path = f"/v1/schedules/{data['access_key']}/candidates"
            for label, parameters in (("Mettl candidates, first 20", {"limit": "20"}),
                                      (f"Mettl candidates, offset {options.sittings // 2:,}, by name",
                                       {"limit": "20", "offset": str(options.sittings // 2), "sort": "name"})):
                cases.append((label, *json_page(path, lambda p=parameters: session.get(
                    mettl_url(base, path, data["ak"], data["private_key"], p)), "candidates")))
            euro = f"{base}/api/v1/exams/{data['results_exam']}/student_sessions"
            headers = {"Authorization": f"apiEuroToken {data['euro_token']}"}
            for label, query in (("EURO student_sessions, page 1", ""),
                                 (f"EURO student_sessions, page {far:,}", f"?page={far}&per_page=25")):
                cases.append((label, *json_page(euro, lambda q=query: requests.get(euro + q, headers=headers),
                                                "student_sessions")))
            for label, fetch, check in cases:
                median, p95 = timed(fetch, options.requests, check)
                rows.append((label, f"{median:.0f} ms", f"{p95:.0f} ms"))
                print(f"{label}: {median:.0f} / {p95:.0f} ms", flush=True)
            master = server.process.pid
            pid = worker_pid(master)
            for extension in ("csv", "xlsx"):
                seconds, status, size, lines, before, peak = export(
                    session, f"{base}/exams/{data['results_exam']}/results.{extension}", pid)
                if status != 200:
                    rows.append((f"{extension.upper()} export", f"{status} after {seconds:.1f} s", ""))
                    print(rows[-1], flush=True)
                    pid = worker_pid(master)   # gunicorn replaced the worker it killed
                    continue
                detail = f"{size / 1e6:.1f} MB" + (f", {lines - 1:,} rows" if extension == "csv" else "")
                rows.append((f"{extension.upper()} export ({detail})", f"{seconds:.1f} s",
                             f"worker RSS {before // 1024} -> {peak // 1024} MiB"))
                print(rows[-1], flush=True)
        print()
        print(f"{options.sittings:,} graded sittings ({options.items} items each), {options.candidates:,} candidates,"
              f" {options.running:,} running sittings; {options.requests} sequential requests each")
        print("| request | median | p95 |")
        print("|---|---|---|")
        for row in rows:
            print("| " + " | ".join(row) + " |")
        print(f"| live monitor: SQL statements per request | {statements} | |")
        print(f"load average after: {load_average()}")
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    main()
