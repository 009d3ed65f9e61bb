"""Stated rate limits hold across web workers: without REDIS_URL every worker counts in the database."""
from __future__ import annotations

import http.cookiejar
import os
import socket
import subprocess
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from bs4 import BeautifulSoup
from sqlalchemy import select

from tests.clock_ahead import module_command
from webapp.console.accounts.views import LOGIN_FAILED
from webapp.core.extensions import db
from webapp.core.ratelimits import DatabaseStorage, RateLimitCounter

ROOT = Path(__file__).resolve().parents[1]


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _serve(app, tmp_path, port: int) -> subprocess.Popen:
    """The app as `make run` serves it (gunicorn, the environment's settings, no REDIS_URL)."""
    environment = {key: value for key, value in os.environ.items() if key != "REDIS_URL"}
    environment.update(DATABASE_URL=app.config["SQLALCHEMY_DATABASE_URI"], SECRET_KEY=app.config["SECRET_KEY"],
                       PROCTORA_INSTANCE_PATH=str(tmp_path), LOGIN_RATE_LIMIT="4 per minute")
    return subprocess.Popen(module_command("gunicorn", "--workers", "1", "--bind", f"127.0.0.1:{port}",
                                           "wsgi:app"), cwd=ROOT, env=environment, stdout=subprocess.DEVNULL,
                            stderr=subprocess.PIPE, text=True)


def _wait_until_up(process: subprocess.Popen, port: int) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise AssertionError(f"the server stopped: {process.communicate()[1][-3000:]}")
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=5):
                return
        except OSError:
            time.sleep(0.2)
    raise AssertionError("the server never answered")


@pytest.fixture
def two_servers(app, tmp_path):
    ports = [_free_port(), _free_port()]
    processes = [_serve(app, tmp_path, port) for port in ports]
    try:
        for process, port in zip(processes, ports):
            _wait_until_up(process, port)
        yield [f"http://127.0.0.1:{port}" for port in ports]
    finally:
        for process in processes:
            process.terminate()
        for process in processes:
            process.communicate(timeout=30)


def test_wrong_passwords_are_limited_across_two_server_processes(two_servers, admin):
    # One browser (one session cookie, valid on both servers: they share SECRET_KEY) from one address.
    browser = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()))
    with browser.open(f"{two_servers[0]}/login") as page:
        token = BeautifulSoup(page.read(), "html.parser").select_one("input[name=csrf_token]")["value"]
    body = urllib.parse.urlencode({"csrf_token": token, "email": admin.email, "password": "wrong"}).encode()

    answers = []
    for attempt in range(12):
        try:
            with browser.open(f"{two_servers[attempt % 2]}/login", data=body) as answer:
                page = BeautifulSoup(answer.read(), "html.parser")
                answers.append("checked" if str(LOGIN_FAILED) in page.get_text() else page.get_text())
        except urllib.error.HTTPError as refusal:
            answers.append(refusal.code)

    # 4 per minute in all, not 4 in each process.
    assert answers == ["checked"] * 4 + [429] * 8


def test_hits_counted_at_once_by_several_workers_are_each_counted_once(app):
    storage = DatabaseStorage()
    start = threading.Barrier(4)

    def hit(_worker) -> list[int]:
        with app.app_context():
            start.wait()
            return [storage.incr("LIMITER/login/10.0.0.1", 60) for _ in range(25)]

    with ThreadPoolExecutor(4) as pool:
        counts = [count for counted in pool.map(hit, range(4)) for count in counted]

    assert sorted(counts) == list(range(1, 101))
    assert storage.get("LIMITER/login/10.0.0.1") == 100


def test_a_window_that_ended_starts_again_from_the_first_hit(app):
    storage = DatabaseStorage()
    storage.incr("LIMITER/api/key", 1)
    storage.incr("LIMITER/other/key", 1)
    assert storage.incr("LIMITER/api/key", 1) == 2
    time.sleep(1.1)

    assert storage.get("LIMITER/api/key") == 0
    assert storage.incr("LIMITER/api/key", 60) == 1
    assert time.time() + 59 < storage.get_expiry("LIMITER/api/key") <= time.time() + 60
    # The new window swept the ended window of the other key away.
    assert [counter.key for counter in db.session.scalars(select(RateLimitCounter))] == ["LIMITER/api/key"]
