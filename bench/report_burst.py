"""Benchmark: a burst of report PDF downloads while candidates take a test, against gunicorn and PostgreSQL.

Prepares CANDIDATES started sittings and DOWNLOADS finished (graded, released) ones of a 20-question exam
in a fresh database, serves the app with gunicorn (as bench/candidates.py does), and lets one thread per
candidate do what the exam page does: ask for the clock every CLOCK_EVERY seconds and save an answer every
SAVE_EVERY seconds (each give or take a fifth). After QUIET seconds, DOWNLOADS threads ask at the same
moment for the shared report PDF (/reports/<key>.pdf) of a distinct finished sitting; one answered "being
prepared" (503) asks again after its Retry-After, as the page's refresh does. Prints the candidates'
latency before the burst and during it (from its first download to its last PDF), and how long the
downloads took.

    .venv/bin/python bench/report_burst.py --mode request     # every download renders in a web worker
    .venv/bin/python bench/report_burst.py --mode worker      # none kept: the worker renders them
    .venv/bin/python bench/report_burst.py --mode ahead       # rendered ahead at the release, then kept

`request` is the code before PDFs were kept (and PDF_RENDERING=request); `worker` and `ahead` run
`flask worker` beside gunicorn, as `make run` does. Uses BENCH_DATABASE_URL (default
postgresql+psycopg://postgres@127.0.0.1/proctora_bench); the database is dropped and created again.
"""
from __future__ import annotations

import argparse
import collections
import http.client
import json
import os
import random
import shutil
import statistics
import subprocess
import tempfile
import threading
import time
from pathlib import Path
from urllib.parse import urlsplit

from common import ROOT, SECRET_KEY, at_once, database_url, fresh_database, gunicorn, load_average, started_sittings


WARM_UP = 5.0   # seconds of the candidates' first requests left out of the figures
WINDOW = 10.0   # seconds from the burst's start that every mode's figures cover at least


def prepare(url: str, workdir: Path, candidates: int, downloads: int):
    """Started sittings for the candidates (their token and item ids) and the report keys of as many finished
    sittings of the same exam."""
    from sqlalchemy import select

    from webapp.accounts.models import User
    from webapp.cli.demo import right_answer, take_test
    from webapp.core.extensions import db
    from webapp.exams.models import Exam
    from webapp.sittings.models import Sitting
    from webapp.sittings.services import register_candidates

    started = started_sittings(url, workdir, candidates)
    exam, admin = db.session.scalar(select(Exam)), db.session.scalar(select(User))
    outcomes = register_candidates(admin, exam.id, [
        {"Email Address": f"finished{n}@example.com", "First Name": "F", "Last Name": str(n)}
        for n in range(downloads)], send_email=False)
    finished = [take_test(db.session.get(Sitting, outcome.sitting_id), right_answer) for outcome in outcomes]
    db.session.commit()
    return started, [sitting.report_key for sitting in finished]


class Recorder:
    def __init__(self):
        self.lock = threading.Lock()
        self.samples: list[tuple[float, str, float, int]] = []   # (start, kind, seconds, status)

    def add(self, start: float, kind: str, seconds: float, status: int) -> None:
        with self.lock:
            self.samples.append((start, kind, seconds, status))


def _request(base: str, method: str, path: str, body: dict | None = None) -> tuple[int, dict, bytes]:
    # gunicorn's sync workers close every connection: one connection per request, as a browser then has.
    parts = urlsplit(base)
    connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=120)
    try:
        data = json.dumps(body).encode() if body is not None else None
        # As the page's scripts ask: a refusal (a shed request) is then a JSON 503, not a redirect to a page.
        headers = {"Accept": "application/json", **({"Content-Type": "application/json"} if data else {})}
        connection.request(method, path, body=data, headers=headers)
        response = connection.getresponse()
        return response.status, dict(response.getheaders()), response.read()
    finally:
        connection.close()


def candidate(base: str, token: str, items: list[int], recorder: Recorder, stop: threading.Event,
              clock_every: float, save_every: float) -> None:
    """The exam page's requests: the clock and answer saves, each on its own timer."""
    rng = random.Random(token)
    now = time.monotonic()
    due = {"clock": now + rng.uniform(0, clock_every), "save": now + rng.uniform(0, save_every)}
    version = 0
    while not stop.is_set():
        kind = min(due, key=due.get)
        if stop.wait(max(0.0, due[kind] - time.monotonic())):
            break
        start = time.monotonic()
        try:
            if kind == "clock":
                status = _request(base, "GET", f"/s/{token}/clock")[0]
            else:
                version += 1
                status = _request(base, "POST", f"/s/{token}/answers", {
                    "item_id": rng.choice(items), "answer": {"option": "a"}, "version": version, "flagged": False})[0]
        except OSError:
            status = 0
        recorder.add(start, kind, time.monotonic() - start, status)
        every = clock_every if kind == "clock" else save_every
        due[kind] = start + every * rng.uniform(0.8, 1.2)


def download(base: str, key: str, results: list, barrier: threading.Barrier) -> None:
    """One report PDF, asked again after each "being prepared" as the page's refresh does."""
    barrier.wait()
    start, attempts = time.monotonic(), 0
    while True:
        attempts += 1
        status, headers, body = _request(base, "GET", f"/reports/{key}.pdf")
        if status != 503:
            break
        time.sleep(float(headers.get("Retry-After", "2")))
    ok = status == 200 and body.startswith(b"%PDF")
    results.append((start, time.monotonic(), attempts, ok))


def _percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))] if ordered else float("nan")


def summary(samples, start: float, end: float) -> str:
    inside = [sample for sample in samples if start <= sample[0] < end]
    seconds = [sample[2] for sample in inside]
    shed = sum(1 for sample in inside if sample[3] == 503)
    errors = collections.Counter(sample[3] for sample in inside if sample[3] not in (200, 503))
    if not seconds:
        return "no requests"
    return (f"{len(inside)} requests ({len(inside) / (end - start):.0f}/s), "
            f"p50 {statistics.median(seconds) * 1000:.0f} ms, p99 {_percentile(seconds, 0.99) * 1000:.0f} ms, "
            f"max {max(seconds) * 1000:.0f} ms, shed {shed}, "
            f"errors {sum(errors.values())}" + (f" (by status, 0: no answer: {dict(errors)})" if errors else ""))


def forget_documents(workdir: Path) -> None:
    """No PDF kept nor wanted: every download of the burst finds none."""
    uploads = workdir / "uploads"
    shutil.rmtree(uploads / "wanted", ignore_errors=True)
    for kept in uploads.glob("*/*/*.pdf"):
        kept.unlink()


def wait_for_renders(workdir: Path, count: int, timeout: float = 300) -> float:
    uploads, started = workdir / "uploads", time.monotonic()
    while len(list(uploads.glob("*/*/report-*.pdf"))) < count:
        if time.monotonic() - started > timeout:
            raise SystemExit(f"the worker rendered {len(list(uploads.glob('*/*/report-*.pdf')))} of {count} reports")
        time.sleep(0.5)
    return time.monotonic() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mode", choices=("request", "worker", "ahead"), default="worker")
    parser.add_argument("--candidates", type=int, default=500)
    parser.add_argument("--downloads", type=int, default=50)
    parser.add_argument("--workers", type=int, default=4)
    # bench/candidates.py's server: Proctora's queue-timed threads, which shed a save or clock poll that
    # waited too long (503, counted apart from errors).
    parser.add_argument("--worker-class", default="webapp.core.serving.QueueTimedWorker")
    parser.add_argument("--threads", type=int, default=4)
    parser.add_argument("--quiet", type=float, default=20, help="seconds of candidates alone before the burst")
    parser.add_argument("--clock-every", type=float, default=15)
    parser.add_argument("--save-every", type=float, default=25)
    arguments = parser.parse_args()
    url = database_url()
    workdir = Path(tempfile.mkdtemp(prefix="proctora-bench-"))
    fresh_database(url)
    started = time.monotonic()
    sittings, report_keys = prepare(url, workdir, arguments.candidates, arguments.downloads)
    print(f"prepared {len(sittings)} started and {len(report_keys)} finished sittings in "
          f"{time.monotonic() - started:.0f} s; mode {arguments.mode}; load average {load_average()}")
    if arguments.mode != "ahead":
        forget_documents(workdir)
    environment = {"PDF_RENDERING": "request" if arguments.mode == "request" else "worker"}
    worker = None
    with gunicorn(url, workdir, arguments.workers, environment, worker_class=arguments.worker_class,
                  threads=arguments.threads) as server:
        base = str(server)
        if arguments.mode != "request":
            worker = subprocess.Popen([str(ROOT / ".venv/bin/flask"), "--app", "wsgi", "worker"], cwd=ROOT, env={
                **os.environ, **environment, "DATABASE_URL": url, "SECRET_KEY": SECRET_KEY,
                "PROCTORA_INSTANCE_PATH": str(workdir)})
        try:
            if arguments.mode == "ahead":
                print(f"the worker rendered the {len(report_keys)} released reports ahead in "
                      f"{wait_for_renders(workdir, len(report_keys)):.0f} s")
            recorder, stop = Recorder(), threading.Event()
            threads = [threading.Thread(target=candidate, args=(base, token, items, recorder, stop,
                                                                arguments.clock_every, arguments.save_every),
                                        daemon=True) for token, items in sittings]
            for thread in threads:
                thread.start()
            time.sleep(arguments.quiet)
            results = []
            burst_start, burst_end = at_once(download, [(base, key, results) for key in report_keys])
            time.sleep(max(0.0, burst_start + WINDOW - time.monotonic()))
            stop.set()
            for thread in threads:
                thread.join()
        finally:
            if worker is not None:
                worker.terminate()
                worker.wait(timeout=30)
    samples = recorder.samples
    first = min(sample[0] for sample in samples)
    print(f"candidates before the burst ({burst_start - first - WARM_UP:.0f} s): "
          f"{summary(samples, first + WARM_UP, burst_start)}")
    print(f"candidates during the burst ({burst_end - burst_start:.1f} s): {summary(samples, burst_start, burst_end)}")
    for kind in ("clock", "save"):
        print(f"  {kind}: {summary([s for s in samples if s[1] == kind], burst_start, burst_end)}")
    # The same span for every mode, however short the burst: the 10 s from its start.
    print(f"candidates in the {WINDOW:.0f} s from the burst's start: "
          f"{summary(samples, burst_start, max(burst_end, burst_start + WINDOW))}")
    waits = [end - start for start, end, __, __ in results]
    print(f"downloads: {sum(ok for *__, ok in results)} of {len(results)} PDFs, p50 {statistics.median(waits):.1f} s, "
          f"max {max(waits):.1f} s, {sum(attempts for __, __, attempts, __ in results)} requests")


if __name__ == "__main__":
    main()
