"""Where a candidate's request spends its time: each kind of request (page, clock, position, save, events)
sent N times in-process (Flask's test client, no server) under cProfile against a benchmark database that
bench/candidates.py prepared, then the time of each, split by the package that spends it (the framework,
the ORM, the database driver, templates, translations, logging, Proctora's own code).

    .venv/bin/python bench/profile_candidate.py [--requests 300] [--top 25]

Uses BENCH_DATABASE_URL (default postgresql+psycopg://postgres@127.0.0.1/proctora_bench), which must hold
started sittings (run bench/candidates.py first); answers are saved there.
"""
from __future__ import annotations

import argparse
import cProfile
import pstats
import tempfile
import time
from collections import defaultdict

from common import SECRET_KEY, database_url

PACKAGES = (("flask_babel", "translations"), ("babel", "translations"), ("jinja2", "templates"),
            ("sqlalchemy", "ORM and SQL building"), ("psycopg", "database driver"),
            ("flask_limiter", "rate limiter"), ("limits", "rate limiter"), ("flask_wtf", "CSRF and forms"),
            ("wtforms", "CSRF and forms"), ("flask_login", "session and login"), ("werkzeug", "framework"),
            ("flask", "framework"), ("logging", "logging"), ("webapp", "Proctora"), ("templates", "templates"))


def package_of(filename: str) -> str:
    for marker, name in PACKAGES:
        if f"/{marker}/" in filename:
            return name
    return "other (Python, stdlib)"


def own_time_by_package(profile: cProfile.Profile) -> dict[str, float]:
    totals: dict[str, float] = defaultdict(float)
    for (filename, _, _), (_, _, own, _, _) in pstats.Stats(profile).stats.items():
        totals[package_of(filename)] += own
    return totals


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=300)
    parser.add_argument("--top", type=int, default=0, help="also print the N functions with most own time")
    arguments = parser.parse_args()
    from sqlalchemy import select

    from webapp import create_app
    from webapp.core.extensions import db
    from webapp.sittings.models import Sitting, SittingItem, SittingStatus

    app = create_app({"SQLALCHEMY_DATABASE_URI": database_url(), "SECRET_KEY": SECRET_KEY,
                      "PROCTORA_INSTANCE_PATH": tempfile.mkdtemp()})
    with app.app_context():
        rows = db.session.execute(select(Sitting.access_token, SittingItem.id).join(SittingItem)
                                  .where(Sitting.status == SittingStatus.EXAM_STARTED).limit(2000)).all()
    items: dict[str, list[int]] = defaultdict(list)
    for token, item_id in rows:
        items[token].append(item_id)
    tokens = list(items)
    client = app.test_client()
    version = int(time.time())   # newer than any saved before
    json_headers = {"Accept": "application/json"}

    def send(kind: str, number: int):
        token = tokens[number % len(tokens)]
        if kind == "page":
            return client.get(f"/s/{token}")
        if kind == "clock":
            return client.get(f"/s/{token}/clock", headers=json_headers)
        if kind == "position":
            return client.post(f"/s/{token}/position", json={"position": number % 20}, headers=json_headers)
        if kind == "save":
            return client.post(f"/s/{token}/answers", headers=json_headers, json={
                "item_id": items[token][number % len(items[token])], "answer": {"option": "a"},
                "version": version + number})
        return client.post(f"/s/{token}/events", json={"kind": "copy_attempt"}, headers=json_headers)

    for kind in ("page", "clock", "position", "save", "events"):
        for number in range(20):   # warm: templates compiled, catalogues read, connections open
            send(kind, number)
        profile = cProfile.Profile(time.process_time)   # CPU, not the waits on the database
        began = time.process_time()
        profile.enable()
        for number in range(arguments.requests):
            response = send(kind, 1000 + number)
            assert response.status_code == 200, (kind, response.status_code, response.get_data(as_text=True)[:300])
        profile.disable()
        elapsed = time.process_time() - began
        totals = own_time_by_package(profile)
        whole = sum(totals.values())
        split = ", ".join(f"{name} {100 * seconds / whole:.0f}%" for name, seconds in
                          sorted(totals.items(), key=lambda entry: -entry[1]) if seconds / whole >= 0.02)
        print(f"{kind}: {1000 * elapsed / arguments.requests:.2f} ms of CPU a request (profiled); {split}")
        if arguments.top:
            pstats.Stats(profile).sort_stats("tottime").print_stats(arguments.top)


if __name__ == "__main__":
    main()
