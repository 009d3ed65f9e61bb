"""Benchmark: candidates taking a test at once, Proctora beside the ceiling, on gunicorn and PostgreSQL.

Prepares the largest number of started sittings asked for in a fresh database (an exam of 20 MCQs), then,
for each number of candidates and each run, serves the ceiling (bench/ceiling.py: one indexed UPDATE per
request) and Proctora in turn with the same gunicorn settings and drives each with the same open-loop
Locust load (bench/candidate_load.py: the page, the clock every 15 s, a move and its answer every 20-30 s,
an event now and then). Prints, per request type, the requests, errors and latency percentiles of both
with the ratio of their p99, and the app's CPU per request. Then the cost of each hot request alone:
COST_REQUESTS requests of one type from 4 connections, the server's CPU divided by their number.

    .venv/bin/pip install -e '.[bench]'
    .venv/bin/python bench/candidates.py --candidates 500,1000,2000 --runs 3

Uses BENCH_DATABASE_URL (default postgresql+psycopg://postgres@127.0.0.1/proctora_bench); the
database is dropped and created again.
"""
from __future__ import annotations

import argparse
import csv
import http.client
import json
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

from sqlalchemy import create_engine, text

from common import CEILING, PROCTORA, ROOT, database_url, fresh_database, gunicorn, load_average, sittings_for_both


KINDS = ("page", "clock", "position", "save", "events")
# The cost phase measures the hot requests, and the page for comparison (the ceiling's page is a bare UPDATE).
HOT = ("clock", "position", "save")


def run_load(url, workdir, sittings_file, app, candidates, arguments, run_index) -> dict:
    """One Locust run against one app: per request type its count, errors, requests shed and percentiles, and
    the app's CPU. For Proctora, the answers lost: acknowledged but not in the database."""
    prefix = workdir / f"{app}-{candidates}-{run_index}"
    acknowledged = workdir / f"acknowledged-{run_index}.json"
    environment = {**os.environ, "BENCH_SITTINGS": str(sittings_file),
                   "BENCH_ARRIVAL_SECONDS": str(arguments.arrival),
                   "BENCH_VERSION_BASE": str(run_index * 1_000_000), "BENCH_ACKNOWLEDGED": str(acknowledged)}
    with gunicorn(url, workdir, arguments.workers, app=app, worker_class=arguments.worker_class,
                  threads=arguments.threads) as server:
        cpu_before = server.cpu_seconds()
        subprocess.run([str(ROOT / ".venv/bin/locust"), "-f", str(ROOT / "bench/candidate_load.py"), "--headless",
                        "-u", str(candidates), "-r", str(candidates), "--run-time", f"{arguments.arrival + arguments.seconds}s",
                        "--stop-timeout", "0", "--host", server.base, "--csv", str(prefix), "--only-summary",
                        "--loglevel", "ERROR"], env=environment, check=False, capture_output=True)
        cpu = server.cpu_seconds() - cpu_before
    shed, failures = {kind: 0 for kind in KINDS}, []
    with open(f"{prefix}_failures.csv") as handle:
        for row in csv.DictReader(handle):
            if "shed" in row["Error"] and row["Name"] in shed:   # CatchResponseError('shed')
                shed[row["Name"]] += int(row["Occurrences"])
            else:
                failures.append(f"{row['Name']}: {row['Error']} x{row['Occurrences']}")
    if failures:
        print(f"{app}, {candidates} candidates, errors: {'; '.join(failures)[:600]}")
    rows = {}
    with open(f"{prefix}_stats.csv") as handle:
        for row in csv.DictReader(handle):
            if row["Name"] in KINDS:
                rows[row["Name"]] = {"requests": int(row["Request Count"]), "shed": shed[row["Name"]],
                                     "errors": int(row["Failure Count"]) - shed[row["Name"]],
                                     "p50": float(row["50%"]), "p99": float(row["99%"]),
                                     "max": float(row["Max Response Time"])}
    total = sum(row["requests"] for row in rows.values())
    lost = lost_answers(url, json.loads(acknowledged.read_text())) if app == PROCTORA else 0
    return {"kinds": rows, "cpu": cpu, "requests": total, "cpu_ms": 1000 * cpu / max(total, 1), "lost": lost}


def lost_answers(url: str, acknowledged: dict[str, int]) -> int:
    """Answers the server acknowledged that the database does not hold (at that version or a later one)."""
    engine = create_engine(url)
    with engine.connect() as connection:
        stored = {f"{token} {item}": version for token, item, version in connection.execute(text(
            "SELECT s.access_token, r.item_id, r.version FROM responses r JOIN sittings s ON s.id = r.sitting_id"))}
    engine.dispose()
    return sum(1 for key, version in acknowledged.items() if stored.get(key, 0) < version)


def median_run(runs: list[dict]) -> dict:
    """Per request type the median over the runs of each figure (errors added up)."""
    kinds = {}
    for kind in KINDS:
        figures = [run["kinds"][kind] for run in runs if kind in run["kinds"]]
        if figures:
            kinds[kind] = {key: statistics.median(figure[key] for figure in figures) for key in ("requests", "p50", "p99", "max")}
            kinds[kind].update({key: sum(figure[key] for figure in figures) for key in ("errors", "shed")})
    return {"kinds": kinds, "cpu": statistics.median(run["cpu"] for run in runs),
            "cpu_ms": statistics.median(run["cpu_ms"] for run in runs), "lost": sum(run["lost"] for run in runs)}


def print_load(candidates: int, results: dict) -> None:
    proctora, top = median_run(results[PROCTORA]), median_run(results[CEILING])
    print(f"\n{candidates} candidates (median of {len(results[PROCTORA])} runs each; load average {load_average()})")
    print("| request | Proctora p50 | Proctora p99 | ceiling p99 | p99 ratio | Proctora max | shed (503, sent again) "
          "| errors (Proctora / ceiling) |")
    print("|---|---|---|---|---|---|---|---|")
    for kind in KINDS:
        mine, theirs = proctora["kinds"].get(kind), top["kinds"].get(kind)
        if mine and theirs:
            print(f"| {kind} ({mine['requests']:.0f}) | {mine['p50']:.0f} ms | {mine['p99']:.0f} ms | {theirs['p99']:.0f} ms"
                  f" | {mine['p99'] / max(theirs['p99'], 1):.2f} | {mine['max']:.0f} ms | {mine['shed']}"
                  f" | {mine['errors']} / {theirs['errors']} |")
    print(f"answers acknowledged and not stored: {proctora['lost']}")
    print(f"app CPU: Proctora {proctora['cpu']:.0f} s ({proctora['cpu_ms']:.2f} ms a request), ceiling {top['cpu']:.0f} s"
          f" ({top['cpu_ms']:.2f} ms a request): {proctora['cpu_ms'] / top['cpu_ms']:.2f} times")
    sys.stdout.flush()


def hot_request(kind: str, token: str, items: list, version: int, passes: int) -> tuple[str, str, str | None]:
    """The request of `kind` for one sitting; `passes` counts the requests sent for it before (a move each time)."""
    if kind == "clock":
        return "GET", f"/s/{token}/clock", None
    if kind == "page":
        return "GET", f"/s/{token}", None
    if kind == "position":
        return "POST", f"/s/{token}/position", json.dumps({"position": (passes + 1) % len(items)})
    return "POST", f"/s/{token}/answers", json.dumps({"item_id": items[version % len(items)],
                                                     "answer": {"option": "a"}, "version": version})


def cost(url, workdir, sittings, app, arguments, kind: str, version_base: int) -> float:
    """CPU milliseconds of the server per request of one kind, sent from 4 connections one after the other,
    after one request of that kind for every sitting (not measured): the pages keep their heartbeat."""
    with gunicorn(url, workdir, arguments.workers, app=app, worker_class=arguments.worker_class,
                  threads=arguments.threads) as server:
        host, port = server.base.removeprefix("http://").split(":")
        lock, failures = threading.Lock(), []

        def send(counter):
            while True:
                with lock:
                    number = next(counter, None)
                if number is None:
                    return
                token, items = sittings[number % len(sittings)]
                method, path, body = hot_request(kind, token, items, version_base + number, number // len(sittings))
                connection = http.client.HTTPConnection(host, int(port), timeout=30)
                connection.request(method, path, body=body, headers={"Content-Type": "application/json",
                                                                       "Accept": "application/json"})
                response = connection.getresponse()
                response.read()
                connection.close()
                if response.status != 200:
                    failures.append(response.status)

        def send_all(numbers) -> None:
            counter = iter(numbers)
            threads = [threading.Thread(target=send, args=(counter,)) for _ in range(4)]
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join()

        send_all(range(len(sittings)))
        cpu_before = server.cpu_seconds()
        send_all(range(len(sittings), len(sittings) + arguments.cost_requests))
        spent = server.cpu_seconds() - cpu_before
    if failures:
        sys.exit(f"{app} {kind}: {len(failures)} requests failed ({failures[:3]})")
    return 1000 * spent / arguments.cost_requests


def print_costs(url, workdir, sittings, arguments) -> None:
    print(f"\nCPU per request, {arguments.cost_requests} requests of one kind from 4 connections (load average {load_average()})")
    print("| request | Proctora | ceiling | ratio |")
    print("|---|---|---|---|")
    for number, kind in enumerate((*HOT, "page")):
        # Versions below the load runs' (from 1,000,000), each save newer than the last: every save stores.
        base = number * 200_000
        mine = statistics.median(cost(url, workdir, sittings, PROCTORA, arguments, kind, base + run * 50_000)
                                 for run in range(arguments.runs))
        theirs = statistics.median(cost(url, workdir, sittings, CEILING, arguments, kind, base) for _ in range(arguments.runs))
        print(f"| {kind} | {mine:.2f} ms | {theirs:.2f} ms | {mine / theirs:.2f} |")
        sys.stdout.flush()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--candidates", default="500,1000,2000", help="comma-separated numbers of candidates")
    parser.add_argument("--seconds", type=int, default=120, help="measured seconds after the arrivals")
    parser.add_argument("--arrival", type=int, default=60, help="seconds over which the candidates arrive")
    parser.add_argument("--runs", type=int, default=1, help="runs of each app, alternated; medians printed")
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--worker-class", default="webapp.core.serving.QueueTimedWorker")
    parser.add_argument("--threads", type=int, default=4)
    parser.add_argument("--cost-requests", type=int, default=2000, help="0 skips the CPU cost of each request")
    arguments = parser.parse_args()
    levels = [int(number) for number in arguments.candidates.split(",") if number]   # "": the cost alone
    url = database_url()
    workdir = Path(tempfile.mkdtemp(prefix="proctora-bench-"))
    fresh_database(url)
    started = time.monotonic()
    sittings_file, sittings = sittings_for_both(url, workdir, max(levels, default=1000))
    print(f"prepared {len(sittings)} started sittings in {time.monotonic() - started:.0f} s; gunicorn "
          f"{arguments.workers} {arguments.worker_class} workers x {arguments.threads} threads")
    if arguments.cost_requests:
        print_costs(url, workdir, sittings, arguments)
    run_index = 0
    for candidates in levels:
        results = {PROCTORA: [], CEILING: []}
        for run in range(arguments.runs):
            # Alternated, and in turn first, so neither app always runs on a warmer or busier machine.
            for app in ((CEILING, PROCTORA) if run % 2 == 0 else (PROCTORA, CEILING)):
                run_index += 1
                results[app].append(run_load(url, workdir, sittings_file, app, candidates, arguments, run_index))
        print_load(candidates, results)


if __name__ == "__main__":
    main()
