"""The ceiling: the least a Flask app can do for each of a candidate's requests on this machine, served by
the same gunicorn settings as Proctora in the same benchmark run. Every request is one indexed UPDATE of
one row by the link's token (a start: one single-row INSERT), committed, and a small answer (JSON, or a
short page for the page load).
Proctora does more for each (it checks, keeps time, renders), so its figures are read against these.

    gunicorn --chdir bench ceiling:app      (DATABASE_URL names the benchmark's database)

`prepare(url, tokens)` makes its tables beside Proctora's, one row per sitting's token."""
from __future__ import annotations

import os

from flask import Flask, request
from sqlalchemy import create_engine, text

TOUCH = text("UPDATE ceiling_sittings SET touched = touched + 1, seen_at = now() WHERE token = :token")
START = text("INSERT INTO ceiling_starts (token, started_at) VALUES (:token, now())")


def prepare(url: str, tokens: list[str]) -> None:
    engine = create_engine(url)
    with engine.begin() as connection:
        connection.execute(text("DROP TABLE IF EXISTS ceiling_sittings"))
        connection.execute(text("CREATE TABLE ceiling_sittings (token varchar(64) PRIMARY KEY, "
                                "touched integer NOT NULL DEFAULT 0, seen_at timestamptz)"))
        connection.execute(text("DROP TABLE IF EXISTS ceiling_starts"))
        connection.execute(text("CREATE TABLE ceiling_starts (id serial PRIMARY KEY, token varchar(64) NOT NULL, "
                                "started_at timestamptz NOT NULL)"))
        connection.execute(text("INSERT INTO ceiling_sittings (token) VALUES (:token)"),
                           [{"token": token} for token in tokens])
    engine.dispose()


def create_app() -> Flask:
    app = Flask(__name__)
    engine = create_engine(os.environ["DATABASE_URL"], pool_size=5, max_overflow=10, pool_pre_ping=False)

    def touch(token: str) -> int:
        with engine.begin() as connection:
            return connection.execute(TOUCH, {"token": token}).rowcount

    @app.get("/healthz")
    def health():
        return {"status": "ok"}

    @app.get("/s/<token>")
    def page(token):
        return f"<!doctype html><title>Test</title><p>{touch(token)}</p>"

    @app.get("/s/<token>/clock")
    def clock(token):
        return {"status": "exam_started", "remaining": 600, "section": 0, "touched": touch(token)}

    @app.post("/s/<token>/answers")
    def answers(token):
        body = request.get_json(silent=True) or {}
        return {"saved": bool(touch(token)), "version": body.get("version"), "remaining": 600, "section": 0}

    @app.post("/s/<token>/position")
    def position(token):
        return {"position": (request.get_json(silent=True) or {}).get("position"), "touched": touch(token)}

    @app.post("/s/<token>/events")
    def events(token):
        return {"recorded": (request.get_json(silent=True) or {}).get("kind"), "touched": touch(token)}

    @app.post("/s/<token>/start")
    def start(token):
        # A start is a single-row insert: the ceiling of a synchronized start (bench/synchronized_start.py).
        with engine.begin() as connection:
            connection.execute(START, {"token": token})
        return "", 302, {"Location": f"/s/{token}"}

    return app


app = create_app() if "DATABASE_URL" in os.environ else None
