"""Re-scores above RESCORE_IN_REQUEST_LIMIT results run in the worker, a batch per poll: queued by the
apply, resumed after a crash, never twice for one sitting, audited at the end as a re-score in the request
is, one at a time per question, with progress on the re-score page. The limit is set low here; the
results are those of test_rescore.py (Ann 2 -> 3, still passed; Bob 1 -> 2, now passed)."""
from __future__ import annotations

import pytest
from bs4 import BeautifulSoup
from sqlalchemy import select, update

from tests.results.test_rescore import _correct_the_key, taken  # noqa: F401  (the fixture)
from webapp.audit.models import AuditEntry
from webapp.core.errors import Conflict
from webapp.core.extensions import db
from webapp.notifications.worker import run_periodic_jobs
from webapp.results import rescoring
from webapp.results.models import Certificate, RescoreRun, RescoreState
from webapp.sittings import taking
from webapp.sittings.models import Sitting


@pytest.fixture(autouse=True)
def low_limits(app, monkeypatch):
    monkeypatch.setitem(app.config, "RESCORE_IN_REQUEST_LIMIT", 1)
    monkeypatch.setitem(app.config, "RESCORE_BATCH_SIZE", 1)


def _audits():
    return list(db.session.scalars(select(AuditEntry).where(AuditEntry.action == "question.rescore")))


def _queued(admin, taken):  # noqa: F811
    ann, bob, third = taken
    _correct_the_key(admin, third)
    rescore = rescoring.apply_rescore(admin, third)
    db.session.commit()
    return rescore.run


def _soup(response):
    return BeautifulSoup(response.get_data(as_text=True), "html.parser")


def test_above_the_limit_the_apply_queues_a_run_and_changes_nothing_yet(admin, admin_client, taken):  # noqa: F811
    ann, bob, third = taken
    _correct_the_key(admin, third)

    response = admin_client.post(f"/bank/questions/{third}/rescore")

    assert response.headers["Location"].endswith(f"/bank/questions/{third}/rescore")
    run = db.session.scalar(select(RescoreRun))
    assert (run.state, run.total, run.done, run.sitting_ids) == (RescoreState.QUEUED, 2, 0, [ann.id, bob.id])
    assert run.started_by_id == admin.id and run.question_id == third
    db.session.expire_all()
    assert (ann.total_marks, bob.total_marks) == (2, 1) and _audits() == []


def test_the_worker_re_scores_a_batch_per_poll_and_audits_at_the_end(admin, taken):  # noqa: F811
    ann, bob, third = taken
    run = _queued(admin, taken)

    run_periodic_jobs()            # the worker's poll: one batch (one sitting here), committed

    db.session.expire_all()
    assert (run.state, run.done, run.started_at is not None) == (RescoreState.RUNNING, 1, True)
    assert (ann.total_marks, bob.total_marks) == (3, 1) and _audits() == []

    run_periodic_jobs()

    db.session.expire_all()
    assert (run.state, run.done, run.results_changed, run.outcomes_changed) == (RescoreState.DONE, 2, 2, 1)
    assert (ann.total_marks, bob.total_marks, bob.passed) == (3, 2, True)
    assert db.session.scalar(select(Certificate).where(Certificate.sitting_id == bob.id)) is not None
    entry, = _audits()
    assert entry.actor_id == admin.id and entry.target_id == third
    assert {key: entry.after[key] for key in ("results", "results changed", "outcomes changed")} == \
        {"results": 2, "results changed": 2, "outcomes changed": 1}
    assert len(entry.after["changed"]) == 2 and "Bob" in " ".join(entry.after["changed"])
    assert rescoring.run_rescores() == 0      # nothing left to do


def test_a_crash_mid_run_resumes_where_it_stopped(admin, taken):  # noqa: F811
    ann, bob, third = taken
    run_id, bob_id = _queued(admin, taken).id, bob.id
    assert rescoring.run_rescores() == 1
    db.session.commit()
    # The next batch is under way when the worker dies: its transaction never commits.
    assert rescoring.run_rescores() == 1
    db.session.rollback()
    db.session.remove()                           # a fresh worker, a fresh session

    run = db.session.get(RescoreRun, run_id)
    assert (run.done, db.session.get(Sitting, bob_id).total_marks) == (1, 1)
    assert rescoring.run_rescores() == 1
    db.session.commit()
    db.session.expire_all()
    assert (run.state, run.done, run.results_changed) == (RescoreState.DONE, 2, 2)
    assert len(_audits()) == 1


def test_a_batch_another_worker_claimed_is_not_re_scored_again(admin, taken):  # noqa: F811
    ann, bob, third = taken
    run = _queued(admin, taken)
    assert run.done == 0                          # what this worker read
    # Meanwhile another worker claims the first batch and commits.
    with db.engine.begin() as connection:
        connection.execute(update(RescoreRun).where(RescoreRun.id == run.id).values(done=1, state="running"))

    assert rescoring.run_rescores() == 0          # its claim finds the run moved on: it does nothing
    db.session.commit()
    db.session.expire_all()
    assert (ann.total_marks, run.done) == (2, 1)  # Ann is the other worker's, not re-scored here


def test_a_second_apply_while_a_run_is_active_is_refused(admin, admin_client, taken):  # noqa: F811
    ann, bob, third = taken
    _queued(admin, taken)
    with pytest.raises(Conflict) as refused:
        rescoring.apply_rescore(admin, third)
    assert "is running (0 of 2 results re-scored)" in refused.value.message
    db.session.rollback()
    assert db.session.query(RescoreRun).count() == 1


def test_two_applies_at_the_same_moment_make_one_run(admin, taken, monkeypatch):  # noqa: F811
    ann, bob, third = taken
    _queued(admin, taken)
    monkeypatch.setattr(rescoring, "active_run", lambda *args: None)   # the other apply has not committed yet
    with pytest.raises(Conflict):
        rescoring.apply_rescore(admin, third)
    db.session.rollback()
    assert db.session.query(RescoreRun).count() == 1


def test_a_broken_batch_fails_the_run_and_changes_nothing(admin, taken, monkeypatch):  # noqa: F811
    ann, bob, third = taken
    run = _queued(admin, taken)

    def broken(sitting):
        raise RuntimeError("disk full")
    monkeypatch.setattr(taking, "score_sitting", broken)
    run_periodic_jobs()

    db.session.expire_all()
    assert run.state == RescoreState.FAILED and run.finished_at is not None
    assert ann.total_marks == 2 and _audits() == []
    monkeypatch.undo()
    rescoring.apply_rescore(admin, third)         # a failed run does not block a new one
    db.session.commit()


def test_the_page_polls_the_progress_then_shows_the_summary(admin, admin_client, taken):  # noqa: F811
    ann, bob, third = taken
    run = _queued(admin, taken)
    run.total, run.done, run.state = 1200, 340, RescoreState.RUNNING   # a large run, part done
    db.session.commit()

    page = _soup(admin_client.get(f"/bank/questions/{third}/rescore"))
    progress = page.select_one("#rescore-run")
    assert progress["hx-trigger"] == "every 2s" and progress["hx-get"].endswith(f"/bank/questions/{third}/rescore")
    assert progress.select_one("[data-progress]").get_text(strip=True) == "340 of 1,200 results re-scored"
    assert page.select_one("[data-rescore-summary]") is None       # no preview while it runs

    partial = admin_client.get(f"/bank/questions/{third}/rescore", headers={"HX-Request": "true"})
    fragment = _soup(partial)
    assert fragment.select_one("h1") is None and fragment.select_one("#rescore-run")["data-rescore-run"] == "running"

    run.total, run.done, run.sitting_ids = 2, 0, [ann.id, bob.id]
    db.session.commit()
    run_periodic_jobs()
    run_periodic_jobs()
    fragment = _soup(admin_client.get(f"/bank/questions/{third}/rescore", headers={"HX-Request": "true"}))
    section = fragment.select_one("#rescore-run")
    assert section["data-rescore-run"] == "done" and not section.has_attr("hx-trigger")
    assert "2 results re-scored, 2 changed, 1 outcome(s) changed" in " ".join(section.get_text().split())
