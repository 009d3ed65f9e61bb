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
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from common import database_url, exam_with_candidates, fresh_database, gunicorn

LUA = r"""
local sittings = {}
for line in io.lines(os.getenv("BENCH_SITTINGS")) do
  local token, items = line:match("([^|]+)|(.+)")
  local ids = {}
  for id in items:gmatch("%d+") do ids[#ids + 1] = id end
  sittings[#sittings + 1] = {token = token, items = ids}
end
local counter = 0
math.randomseed(os.time())
request = function()
  counter = counter + 1
  local sitting = sittings[math.random(#sittings)]
  local item = sitting.items[math.random(#sitting.items)]
  local body = string.format('{"item_id": %s, "answer": {"option": "a"}, "version": %d, "flagged": false}',
                             item, counter)
  local headers = {["Content-Type"] = "application/json"}
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


def prepare(url: str, candidates: int, workdir: Path) -> Path:
    """An exam with started sittings, and one line per sitting for wrk."""
    from sqlalchemy import select

    from webapp.core.extensions import db
    from webapp.sittings import taking
    from webapp.sittings.models import Sitting, SittingItem

    _, exam = exam_with_candidates(url, workdir, candidates)
    sittings = db.session.scalars(select(Sitting).where(Sitting.exam_id == exam.id)).all()
    for sitting in sittings:
        taking.start_check(sitting)
        taking.complete_check(sitting, browser={"bench": "yes"})
        taking.start_exam(sitting)
    db.session.commit()
    items = {}
    for sitting_id, item_id in db.session.execute(select(SittingItem.sitting_id, SittingItem.id)):
        items.setdefault(sitting_id, []).append(str(item_id))
    lines = [f"{sitting.access_token}|{','.join(items[sitting.id])}" for sitting in sittings]
    path = workdir / "sittings.txt"
    path.write_text("\n".join(lines) + "\n")
    return path


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--candidates", type=int, default=2000)
    parser.add_argument("--connections", type=int, default=200)
    parser.add_argument("--seconds", type=int, default=30)
    parser.add_argument("--workers", type=int, default=4)
    arguments = parser.parse_args()
    if not shutil.which("wrk"):
        sys.exit("wrk is needed: apt-get install -y wrk")
    url = database_url()
    workdir = Path(tempfile.mkdtemp(prefix="proctora-bench-"))
    fresh_database(url)
    started = time.monotonic()
    sittings = prepare(url, arguments.candidates, workdir)
    print(f"prepared {arguments.candidates} started sittings in {time.monotonic() - started:.0f} s")
    with gunicorn(url, workdir, arguments.workers, {"BENCH_SITTINGS": str(sittings)}) as base:
        script = workdir / "saves.lua"
        script.write_text(LUA)
        result = subprocess.run(["wrk", "-t2", f"-c{arguments.connections}", f"-d{arguments.seconds}s", "--latency",
                                 "-s", str(script), base],
                                env={**os.environ, "BENCH_SITTINGS": str(sittings)}, capture_output=True, text=True,
                                check=True)
    print(result.stdout)
    if result.stderr:
        print(result.stderr[-2000:], file=sys.stderr)
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", result.stdout)
    if errors:
        sys.exit(f"{errors.group(1)} saves failed")


if __name__ == "__main__":
    main()
