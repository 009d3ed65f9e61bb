"""The CPU cost of a candidate's hot requests as machine instructions, Proctora beside the ceiling: the same on a
busy machine as on a quiet one, where the seconds of candidates.py swing with the load of the machine.

Each kind of request (clock, save, position, the exam page) is sent REQUESTS times in-process (Flask's test client, no server)
to Proctora and to the ceiling (bench/ceiling.py), each in a process of its own under valgrind's callgrind,
which counts the instructions the process executes (the database server's are not counted, as candidates.py
counts only the app's CPU). The counters are zeroed after a warm-up of 100 requests (imports, templates,
connections, the sittings' first polls), so the figure is what the requests themselves cost. Proctora's
requests carry what the test client adds to the ceiling's too.

    apt-get install -y valgrind
    .venv/bin/python bench/instructions.py                 # prepares 200 started sittings, then counts
    .venv/bin/python bench/instructions.py --code ../old   # Proctora's code from another checkout (a baseline)

Uses BENCH_DATABASE_URL (default postgresql+psycopg://postgres@127.0.0.1/proctora_bench), dropped and created
again unless --reuse. About two minutes per kind and app under callgrind.
"""
from __future__ import annotations

import argparse
import os
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from common import ROOT, SECRET_KEY, database_url, fresh_database, sittings_for_both

KINDS = ("clock", "save", "position", "page")
WARM_UP = 100
# Few sittings, each asked every few seconds even under callgrind: a page silent for a minute takes the clock's
# full path (the silence is settled), which is not the path of a page that keeps its heartbeat.
SITTINGS = 10
JSON = {"Accept": "application/json"}


def serve(kind: str, app_name: str, requests: int, ready: Path, go: Path) -> None:
    """In the process callgrind watches: warm up, say so, wait until the counters are zeroed, then send."""
    from sqlalchemy import create_engine, text

    url = database_url()
    engine = create_engine(url)
    with engine.connect() as connection:
        sittings = connection.execute(text(
            "SELECT s.access_token, min(i.id) FROM sittings s JOIN sitting_items i ON i.sitting_id = s.id "
            "WHERE s.status = 'exam_started' GROUP BY s.access_token ORDER BY s.access_token LIMIT :sittings"),
            {"sittings": SITTINGS}).all()
    engine.dispose()
    if app_name == "ceiling":
        import ceiling

        os.environ["DATABASE_URL"] = url
        app = ceiling.create_app()
    else:
        from webapp import create_app

        app = create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": SECRET_KEY,
                          "PROCTORA_INSTANCE_PATH": tempfile.mkdtemp()})
    client = app.test_client()
    # Newer than any version saved by an earlier run (a second apart is ten versions), within the column's range.
    version = (int(time.time()) - 1_700_000_000) * 10

    def send(number: int) -> None:
        token, item_id = sittings[number % len(sittings)]
        if kind == "clock":
            response = client.get(f"/s/{token}/clock", headers=JSON)
        elif kind == "save":
            response = client.post(f"/s/{token}/answers", headers=JSON, json={
                "item_id": item_id, "answer": {"option": "a"}, "version": version + number})
        elif kind == "position":
            response = client.post(f"/s/{token}/position", headers=JSON, json={"position": number % 20})
        else:   # the exam page, which the ceiling answers with its bare UPDATE
            response = client.get(f"/s/{token}")
        assert response.status_code == 200, (kind, response.status_code, response.get_data(as_text=True)[:200])

    for number in range(WARM_UP):
        send(number)
    ready.write_text(str(os.getpid()))
    while not go.exists():
        time.sleep(0.1)
    for number in range(requests):
        send(WARM_UP + number)
    os._exit(0)   # no teardown counted


def count(kind: str, app_name: str, requests: int, code: str | None) -> float:
    """Instructions per request of `kind` to `app_name`, under callgrind."""
    with tempfile.TemporaryDirectory() as scratch:
        ready, go, out = Path(scratch, "ready"), Path(scratch, "go"), Path(scratch, "callgrind.out")
        environment = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [code, str(ROOT)]))}
        process = subprocess.Popen(
            ["valgrind", "--tool=callgrind", f"--callgrind-out-file={out}", sys.executable, __file__, "--serve", kind,
             app_name, str(requests), str(ready), str(go)], env=environment,
            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        while not ready.exists():
            if process.poll() is not None:
                raise SystemExit(f"{app_name} {kind} failed:\n{process.stderr.read()[-3000:]}")
            time.sleep(0.5)
        subprocess.run(["callgrind_control", "--zero", ready.read_text()], check=True, capture_output=True)
        go.touch()
        process.wait()
        summary = re.search(r"^summary: (\d+)", out.read_text(), re.MULTILINE)
        return int(summary.group(1)) / requests


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--kinds", default=",".join(KINDS))
    parser.add_argument("--code", help="a checkout whose webapp/ to count as well, as a baseline")
    parser.add_argument("--reuse", action="store_true", help="the database holds started sittings already")
    parser.add_argument("--serve", nargs=5, help=argparse.SUPPRESS)
    arguments = parser.parse_args()
    if arguments.serve:
        kind, app_name, requests, ready, go = arguments.serve
        serve(kind, app_name, int(requests), Path(ready), Path(go))
        return
    url = database_url()
    if not arguments.reuse:
        fresh_database(url)
        sittings_for_both(url, Path(tempfile.mkdtemp()), 200)
    code = str(Path(arguments.code).resolve()) if arguments.code else None
    header = "| request | ceiling | Proctora | ratio |" + (" Proctora at --code | ratio |" if code else "")
    print(f"Instructions per request (callgrind, {arguments.requests} requests after {WARM_UP} to warm up)")
    print(header)
    print("|---" * (header.count("|") - 1) + "|")
    for kind in arguments.kinds.split(","):
        ceiling_cost = count(kind, "ceiling", arguments.requests, None)
        proctora = count(kind, "proctora", arguments.requests, None)
        line = f"| {kind} | {ceiling_cost / 1e3:,.0f} k | {proctora / 1e3:,.0f} k | {proctora / ceiling_cost:.2f} |"
        if code:
            baseline = count(kind, "proctora", arguments.requests, code)
            line += f" {baseline / 1e3:,.0f} k | {baseline / ceiling_cost:.2f} |"
        print(line, flush=True)


if __name__ == "__main__":
    main()
