"""The console's dashboard (webapp/results/dashboard.py): what is live and what comes next, by role."""
from __future__ import annotations

from datetime import date, datetime, time, timedelta, timezone

import pytest
from bs4 import BeautifulSoup

from tests.conftest import log_in, right_answer
from webapp.core import clock
from webapp.core.extensions import db
from webapp.exams.services import set_proctor_pool
from webapp.notifications.models import MessageKind, MessageStatus, OutboxMessage
from webapp.proctoring.services import admit, raise_flag
from webapp.results.dashboard import dashboard
from webapp.sittings import taking
from webapp.sittings.models import Sitting
from webapp.sittings.services import register_candidates

NOW = datetime(2026, 3, 2, 9, 0, tzinfo=timezone.utc)   # a Monday


@pytest.fixture(autouse=True)
def frozen():
    clock.freeze(NOW)


def _registered(admin, exam, count: int) -> list[Sitting]:
    outcomes = register_candidates(admin, exam.id, [
        {"Email Address": f"live{exam.id}-{n}@example.com", "First Name": "Live", "Last Name": f"Candidate {n}"}
        for n in range(count)])
    return [db.session.get(Sitting, outcome.sitting_id) for outcome in outcomes]


def _fixed(factory, admin, name: str, opens: date):
    return factory.exam(admin, name=name, schedule_type="Fixed", starts_on_date=opens, ends_on_date=opens,
                        starts_on_time=time(9, 0), ends_on_time=time(17, 0), time_zone="UTC")


@pytest.fixture
def day(factory, admin):
    """An exam running now (one candidate in it, one waiting for admission, an open flag), an exam of
    last week with a result to release, two exams with windows ahead (in 3 and in 10 days), a failed e-mail and an old one."""
    running = factory.exam(admin, name="Running English", release_policy="by_hand", admission_required=True)
    in_it, checked_in = _registered(admin, running, 2)
    for sitting in (in_it, checked_in):
        taking.start_check(sitting, ip_address="127.0.0.1")
        taking.complete_check(sitting, browser={"userAgent": "test"})
    admit(admin, in_it.id)
    taking.start_exam(in_it)
    finished = factory.exam(admin, name="Friday English", release_policy="by_hand")
    factory.finished_sitting(admin, finished, answer=right_answer, now=NOW - timedelta(days=3))
    raise_flag(admin, in_it.id, "other", "Looks away")
    _fixed(factory, admin, "Thursday Placement", NOW.date() + timedelta(days=3))
    _fixed(factory, admin, "Later Placement", NOW.date() + timedelta(days=10))
    db.session.add_all([
        OutboxMessage(institute_id=admin.institute_id, kind=MessageKind.EMAIL, topic="exam_invitation",
                      recipient="gone@example.com", payload={}, status=MessageStatus.DEAD, created_at=NOW - timedelta(days=1)),
        OutboxMessage(institute_id=admin.institute_id, kind=MessageKind.EMAIL, topic="exam_invitation",
                      recipient="old@example.com", payload={}, status=MessageStatus.DEAD, created_at=NOW - timedelta(days=9)),
    ])
    db.session.commit()
    return running, finished


def test_the_admin_sees_what_runs_what_opens_and_what_waits(admin, day):
    board = dashboard(admin)
    [live] = board.live
    assert (live.exam.name, live.in_progress, live.waiting, live.open_flags, live.proctored_by_actor) == \
        ("Running English", 1, 1, 1, True)
    assert [(row.exam.name, row.window.start, row.registered) for row in board.coming] == [
        ("Thursday Placement", datetime(2026, 3, 5, 9, 0, tzinfo=timezone.utc), 0)]
    assert [(row.exam.name, row.results) for row in board.to_release] == [("Friday English", 1)]
    assert board.failed_deliveries == 1
    assert board.waiting_for_grader == 0


def test_a_proctor_sees_only_the_exams_of_their_pools_and_nothing_to_grade_or_release(factory, admin, day):
    proctor = factory.staff(admin.institute, "proctor")
    assert dashboard(proctor).live == []
    set_proctor_pool(admin, day[0].id, [proctor.id])
    db.session.commit()
    board = dashboard(proctor)
    assert [row.exam.name for row in board.live] == ["Running English"] and board.live[0].proctored_by_actor
    assert (board.waiting_for_grader, board.to_release, board.failed_deliveries) == (None, None, None)


def test_another_institutes_exams_and_messages_stay_out(factory, admin, day):
    other_admin = factory.institute("Elsewhere")[1]
    board = dashboard(other_admin)
    assert (board.live, board.coming, board.to_release, board.failed_deliveries) == ([], [], [], 0)


def test_the_page_by_role(client, factory, admin, day):
    running, finished = day
    log_in(client, admin)
    page = BeautifulSoup(client.get("/").get_data(as_text=True), "html.parser")
    row = page.select_one(f"[data-live-exam='{running.id}']")
    assert [cell.get_text(strip=True) for cell in row.select("td")][:3] == ["1", "1", "1"]
    assert row.find("a", string="Live monitor")["href"] == f"/proctoring/exams/{running.id}/monitor"
    assert "Thursday Placement" in page.select_one("[data-coming-exams]").get_text()
    assert "Later Placement" not in page.select_one("[data-coming-exams]").get_text()
    release = page.select_one(f"[data-to-release='{finished.id}'] a")
    assert " ".join(release.get_text().split()) == "graded result of Friday English waits for release"
    assert release["href"] == f"/exams/{finished.id}/results?release=unreleased&status=graded"
    assert " ".join(page.select_one("[data-failed-deliveries]").get_text().split()) == \
        "1 message failed for good in the last 7 days"

    client.post("/logout")
    support = factory.staff(admin.institute, "support")
    log_in(client, support)
    page = BeautifulSoup(client.get("/").get_data(as_text=True), "html.parser")
    # Support sees what runs (it answers candidates' calls) but acts on none of it: no monitor, no steps.
    assert page.select_one(f"[data-live-exam='{running.id}']").find("a", string="Live monitor") is None
    assert page.find("h2", string="Next steps") is None and page.find("h2", string="Waiting for you") is None
