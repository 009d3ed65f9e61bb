"""Under a load it cannot keep up with, the server refuses the exam page's requests that waited too long
(a 503 the page understands and repeats) instead of serving a queue that only grows; nothing acknowledged
is lost, and the requests the page does not repeat are still served."""
from __future__ import annotations

import json
import os
import subprocess
import urllib.error
import urllib.request

import pytest
from sqlalchemy import select

from tests.candidate.helpers import items_by_type, start
from tests.clock_ahead import module_command
from tests.test_ratelimits import ROOT, _free_port, _wait_until_up
from webapp.core.extensions import db
from webapp.core.serving import WAITED
from webapp.sittings.models import Response

JSON = {"Accept": "application/json"}


@pytest.fixture
def running(sitting):
    return start(sitting)


def _save(client, sitting, item, version, waited):
    return client.post(f"/s/{sitting.access_token}/answers", headers=JSON, environ_base={WAITED: waited},
                       json={"item_id": item.id, "answer": {"text": "Paris"}, "version": version})


def test_a_save_that_waited_too_long_is_refused_and_one_in_time_is_stored(client, running, app):
    item = items_by_type(running)["SHORT_ANSWER"]
    late = _save(client, running, item, 1, app.config["SHED_AFTER_SECONDS"] + 1)
    assert late.status_code == 503 and late.headers["Retry-After"] == "5"
    assert late.json["error"]["code"] == "E503" and "sent again" in late.json["error"]["message"]
    assert db.session.scalar(select(Response.version).where(Response.item_id == item.id)) == 0
    assert _save(client, running, item, 1, 0.05).json["saved"] is True


def test_what_the_page_does_not_repeat_is_served_however_long_it_waited(client, running, app):
    waited = {WAITED: app.config["SHED_AFTER_SECONDS"] + 1}
    moved = client.post(f"/s/{running.access_token}/position", headers=JSON, environ_base=waited, json={"position": 1})
    event = client.post(f"/s/{running.access_token}/events", headers=JSON, environ_base=waited,
                        json={"kind": "copy_attempt"})
    assert (moved.status_code, event.status_code) == (200, 200)


def test_gunicorn_s_queue_timed_worker_tells_the_app_how_long_a_request_waited(app, running, tmp_path):
    """Served as `make run` serves (the queue-timed worker), with a limit every request passes: the clock is
    refused, the move is served."""
    db.session.commit()
    port = _free_port()
    environment = {**os.environ, "DATABASE_URL": app.config["SQLALCHEMY_DATABASE_URI"],
                   "SECRET_KEY": app.config["SECRET_KEY"], "PROCTORA_INSTANCE_PATH": str(tmp_path),
                   "SHED_AFTER_SECONDS": "0"}
    server = subprocess.Popen(module_command("gunicorn", "--workers", "1", "--threads", "2", "--worker-class",
                                             "webapp.core.serving.QueueTimedWorker", "--bind", f"127.0.0.1:{port}",
                                             "wsgi:app"), cwd=ROOT, env=environment, stdout=subprocess.DEVNULL,
                              stderr=subprocess.PIPE, text=True)
    try:
        _wait_until_up(server, port)
        base = f"http://127.0.0.1:{port}/s/{running.access_token}"
        with pytest.raises(urllib.error.HTTPError) as refused:
            urllib.request.urlopen(urllib.request.Request(f"{base}/clock", headers=JSON), timeout=30)
        assert refused.value.code == 503 and refused.value.headers["Retry-After"] == "5"
        moved = urllib.request.Request(f"{base}/position", data=json.dumps({"position": 1}).encode(),
                                       headers={**JSON, "Content-Type": "application/json"})
        with urllib.request.urlopen(moved, timeout=30) as answer:
            assert json.load(answer) == {"position": 1}
    finally:
        server.terminate()
        server.communicate(timeout=30)
