"""Benchmark: answer saves, the candidate page's hot path, against gunicorn and PostgreSQL, beside the ceiling.

Prepares CANDIDATES started sittings of a 20-question exam in a fresh database, serves the app with
gunicorn (sync workers), then drives POST /s/<token>/answers with wrk from another process: each
request saves one answer of a random candidate with a new version. The same load then goes to the
ceiling (bench/ceiling.py: one indexed UPDATE per request) with the same gunicorn settings. Prints both
throughputs and latency distributions, and their ratios. The target: p99 under 300 ms with 2,000 candidates.

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

from common import CEILING, PROCTORA, database_url, fresh_database, gunicorn, load_average, sittings_for_both

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


def run_wrk(url: str, workdir: Path, sittings: Path, app: str, arguments) -> dict:
    with gunicorn(url, workdir, arguments.workers, app=app) as server:
        script = workdir / "saves.lua"
        script.write_text(LUA)
        result = subprocess.run(["wrk", "-t2", f"-c{arguments.connections}", f"-d{arguments.seconds}s", "--latency",
                                 "-s", str(script), server.base],
                                env={**os.environ, "BENCH_SITTINGS": str(sittings)}, capture_output=True, text=True,
                                check=True)
    if result.stderr:
        print(result.stderr[-2000:], file=sys.stderr)
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", result.stdout)
    latency = {share: _milliseconds(value) for share, value in
               re.findall(r"^\s+(50|90|99)%\s+(\S+)$", result.stdout, re.MULTILINE)}
    return {"output": result.stdout, "saves": float(re.search(r"Requests/sec:\s+(\S+)", result.stdout).group(1)),
            "errors": int(errors.group(1)) if errors else 0, **latency}


def _milliseconds(value: str) -> float:
    number, unit = re.match(r"([\d.]+)(us|ms|s)", value).groups()
    return float(number) * {"us": 0.001, "ms": 1, "s": 1000}[unit]


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
    sittings, _ = sittings_for_both(url, workdir, arguments.candidates)
    print(f"prepared {arguments.candidates} started sittings in {time.monotonic() - started:.0f} s")
    results = {app: run_wrk(url, workdir, sittings, app, arguments) for app in (PROCTORA, CEILING)}
    print(results[PROCTORA]["output"])
    print(f"load average {load_average()}")
    print("| app | saves/s | p50 | p90 | p99 | errors |")
    print("|---|---|---|---|---|---|")
    for app, figures in results.items():
        print(f"| {app} | {figures['saves']:.0f} | {figures['50']:.0f} ms | {figures['90']:.0f} ms | {figures['99']:.0f} ms"
              f" | {figures['errors']} |")
    mine, top = results[PROCTORA], results[CEILING]
    print(f"Proctora / ceiling: throughput {mine['saves'] / top['saves']:.2f}, p99 {mine['99'] / top['99']:.2f}")
    if mine["errors"]:
        sys.exit(f"{mine['errors']} saves failed")

if __name__ == "__main__":
    main()
