"""Benchmark: a synchronized start. CANDIDATES candidates wait on the instructions page with their
session open; at one moment all of them press "Start", each from a connection of its own. The target:
1,000 starts without an error, and every one of them with its paper frozen.

Prepares the sittings in a fresh database, serves the app with gunicorn (sync workers), releases one
thread per candidate at a barrier to POST /s/<token>/start, then prints the latency distribution,
the failures, and checks in the database that every sitting started with all its items and responses.
The same release then goes to the ceiling (bench/ceiling.py: a start is one single-row INSERT) with the
same gunicorn settings, and both are printed with the ratio of their p99.

    .venv/bin/python bench/synchronized_start.py [--candidates 1000] [--workers 4]

Uses BENCH_DATABASE_URL (default postgresql+psycopg://postgres@127.0.0.1/proctora_bench); the
database is dropped and created again.
"""
from __future__ import annotations

import argparse
import http.client
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path
from urllib.parse import urlsplit

import ceiling
from common import (CEILING, PROCTORA, at_once, database_url, exam_with_candidates, fresh_database, gunicorn,
                    load_average)

QUESTIONS = 20


def prepare(url: str, candidates: int, workdir: Path):
    """The access tokens of sittings whose session is open."""
    from sqlalchemy import select

    from webapp.core.extensions import db
    from webapp.sittings import taking
    from webapp.sittings.models import Sitting

    _, exam = exam_with_candidates(url, workdir, candidates, QUESTIONS)
    sittings = db.session.scalars(select(Sitting).where(Sitting.exam_id == exam.id)).all()
    for sitting in sittings:
        taking.start_check(sitting)
        taking.complete_check(sitting, browser={"bench": "yes"})
    db.session.commit()
    return exam.id, [sitting.access_token for sitting in sittings]


def release(url: str, workdir: Path, app: str, candidates: list[str], arguments) -> tuple[list, float]:
    """Every candidate presses Start at once: (status, seconds) of each, and the seconds until the last answer."""
    results: list = []
    with gunicorn(url, workdir, arguments.workers, app=app, worker_class=arguments.worker_class,
                  threads=arguments.threads) as server:
        began, ended = at_once(press_start, [(server.base, token, results) for token in candidates])
        return results, ended - began


def percentiles(results: list) -> list[float]:
    latencies = sorted(seconds for _, seconds in results)
    return [1000 * statistics.quantiles(latencies, n=100)[q] for q in (49, 89, 98)] + [1000 * latencies[-1]]


def press_start(base: str, token: str, results: list, barrier: threading.Barrier) -> None:
    address = urlsplit(base)
    connection = http.client.HTTPConnection(address.hostname, address.port, timeout=120)
    connection.connect()   # connected before the barrier: the moment measured is the click
    barrier.wait()
    began = time.monotonic()
    try:
        connection.request("POST", f"/s/{token}/start", body="",
                           headers={"Content-Type": "application/x-www-form-urlencoded"})
        status = connection.getresponse().status
    except OSError as error:
        status = f"{type(error).__name__}: {error}"
    results.append((status, time.monotonic() - began))
    connection.close()


def check_database(exam_id: int) -> tuple[int, int, int]:
    from sqlalchemy import func, select

    from webapp.core.extensions import db
    from webapp.sittings.models import Response, Sitting, SittingItem, SittingStatus

    db.session.rollback()
    started = db.session.scalar(select(func.count()).select_from(Sitting).where(
        Sitting.exam_id == exam_id, Sitting.status == SittingStatus.EXAM_STARTED))
    items = db.session.scalar(select(func.count()).select_from(SittingItem).join(Sitting).where(Sitting.exam_id == exam_id))
    responses = db.session.scalar(select(func.count()).select_from(Response).join(Sitting).where(Sitting.exam_id == exam_id))
    return started, items, responses


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--candidates", type=int, default=1000)
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--worker-class", default="webapp.core.serving.QueueTimedWorker")   # as `make run`
    parser.add_argument("--threads", type=int, default=4)
    arguments = parser.parse_args()
    url = database_url()
    workdir = Path(tempfile.mkdtemp(prefix="proctora-bench-"))
    fresh_database(url)
    exam_id, candidates = prepare(url, arguments.candidates, workdir)
    print(f"prepared {len(candidates)} candidates on the instructions page")
    runs = {PROCTORA: release(url, workdir, PROCTORA, candidates, arguments)}
    ceiling.prepare(url, candidates)
    runs[CEILING] = release(url, workdir, CEILING, candidates, arguments)
    print(f"load average {load_average()}")
    print("| app | starts/s | p50 | p90 | p99 | max | errors |")
    print("|---|---|---|---|---|---|---|")
    for app, (results, elapsed) in runs.items():
        failures = [status for status, _ in results if status != 302]
        print("| {} | {:.0f} | {:.0f} ms | {:.0f} ms | {:.0f} ms | {:.0f} ms | {} |".format(
            app, len(results) / elapsed, *percentiles(results), len(failures)))
    print(f"p99 Proctora / ceiling: {percentiles(runs[PROCTORA][0])[2] / percentiles(runs[CEILING][0])[2]:.2f}")
    failures = [status for status, _ in runs[PROCTORA][0] if status != 302]
    started, items, responses = check_database(exam_id)
    print(f"database: {started} sittings started, {items} items and {responses} responses frozen")
    expected = len(candidates)
    if failures or started != expected or items != responses or items != expected * QUESTIONS:
        sys.exit(f"FAILED: {len(failures)} failed starts {failures[:5]}")

if __name__ == "__main__":
    main()
