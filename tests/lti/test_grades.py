"""Grades back to the course (webapp/lti/grades.py) and the course's roster imported (webapp/lti/roster.py),
against the test platform over real HTTP: a learner launched through Proctora's own login and launch sits
the exam, staff release the result, the worker posts the score; a correction, a withheld result, a 5xx and
a rejected token; a line item created once where the launch named none; a roster of several pages imported
once."""
from __future__ import annotations

from datetime import timedelta

import pytest
from bs4 import BeautifulSoup
from sqlalchemy import select

from tests.conftest import log_in, right_answer
from tests.lti import platform as lms
from tests.lti.platform import PlatformUser
from tests.lti.tool_side import fetch, login_initiation, read_form
from webapp.candidates.models import Candidate
from webapp.cli.demo import take_test
from webapp.core import clock
from webapp.core.extensions import db
from webapp.lti.grades import LINE_ITEM_TOPIC, SCORE_TOPIC
from webapp.lti.models import LtiResourceLink, LtiRosterImport, LtiSittingLink, LtiUserLink, RosterImportStatus
from webapp.lti.roster import run_roster_imports
from webapp.notifications.models import MessageStatus, OutboxMessage
from webapp.notifications.worker import deliver_due
from webapp.proctoring.services import review
from webapp.results.grading import remark
from webapp.results.release import release
from webapp.sittings.models import Response, Sitting, SittingItem

ANN = PlatformUser(sub="ann-1")
BEN = PlatformUser(sub="ben-1", name="Ben Learner", given_name="Ben", email="ben@example.edu")


@pytest.fixture
def exam(admin, factory):
    return factory.exam(admin, name="Biology final", release_policy="by_hand")


@pytest.fixture
def item(platform):
    return platform.add_line_item("course-1", label="Biology final", score_maximum=3)


def launch_learner(client, platform, user: PlatformUser, exam, **options) -> Sitting:
    """The platform's launch through Proctora's login initiation and launch (the test client plays the
    browser, the platform answers over HTTP); the learner's sitting it opens."""
    launch = platform.launch(user, custom={"exam": exam.access_key}, **options)
    _url, initiation = login_initiation(launch)
    started = client.post("/lti/login", data=initiation)
    assert started.status_code == 302, started.get_data(as_text=True)
    status, _headers, html = fetch(started.headers["Location"])
    assert status == 200, html
    _action, fields = read_form(html)
    opened = client.post("/lti/launch", data=fields)
    assert opened.status_code == 302, opened.get_data(as_text=True)
    token = opened.headers["Location"].rsplit("/", 1)[-1]
    return db.session.scalar(select(Sitting).where(Sitting.access_token == token))


def sit(sitting: Sitting, right: int = 2) -> Sitting:
    """The learner answers the first `right` of the three questions rightly and finishes."""
    take_test(sitting, lambda item: right_answer(item) if item.position < right else None)
    db.session.commit()
    return sitting


def release_result(admin, sitting: Sitting) -> None:
    release(admin, sitting.id)
    db.session.commit()


def platform_calls(topic: str) -> list[OutboxMessage]:
    return list(db.session.scalars(select(OutboxMessage).where(OutboxMessage.topic == topic).order_by(OutboxMessage.id)))


def due_now(message: OutboxMessage) -> None:
    """A retried message's next attempt made due (rather than waiting for its backoff)."""
    db.session.refresh(message)
    message.next_attempt_at = clock.utcnow()
    db.session.commit()


def scores(platform) -> list[tuple[str, dict]]:
    return [(score.lineitem_id, score.score) for score in platform.scores]


def test_a_released_result_reaches_the_courses_gradebook(client, admin, platform, registered, exam, item):
    sitting = sit(launch_learner(client, platform, ANN, exam, lineitem=item))
    assert db.session.get(LtiSittingLink, sitting.id).platform_user_id == "ann-1"
    assert platform_calls(SCORE_TOPIC) == []      # graded, but not released: nothing yet

    release_result(admin, sitting)
    message, = platform_calls(SCORE_TOPIC)
    assert message.exam_id == exam.id and message.topic_label == "Grade sent to the learning platform"
    assert deliver_due()["sent"] == 1

    (lineitem_id, score), = scores(platform)
    assert lineitem_id == item["id"]
    assert score["userId"] == "ann-1" and score["scoreGiven"] == 2 and score["scoreMaximum"] == 3
    assert score["activityProgress"] == "Completed" and score["gradingProgress"] == "FullyGraded"
    assert not platform.refusals


def test_a_correction_after_the_release_sends_the_new_score(client, admin, platform, registered, exam, item):
    sitting = sit(launch_learner(client, platform, ANN, exam, lineitem=item))
    release_result(admin, sitting)
    deliver_due()

    clock.freeze(clock.utcnow() + timedelta(minutes=5))
    first = db.session.scalars(select(Response).join(SittingItem, SittingItem.id == Response.item_id)
                               .where(Response.sitting_id == sitting.id).order_by(SittingItem.position)).first()
    remark(admin, sitting.id, first.id, 0, "Not right after all.")
    db.session.commit()
    assert deliver_due()["sent"] == 1

    assert [score["scoreGiven"] for _item, score in scores(platform)] == [2, 1]
    earlier, later = (score["timestamp"] for _item, score in scores(platform))
    assert later > earlier
    # Another announcement of an unchanged result sends nothing more.
    review(admin, sitting.id, "clear")
    db.session.commit()
    assert len(platform_calls(SCORE_TOPIC)) == 2


def test_a_withheld_result_clears_the_score_and_says_it_waits_for_a_person(client, admin, platform, registered, exam,
                                                                           item):
    sitting = sit(launch_learner(client, platform, ANN, exam, lineitem=item))
    release_result(admin, sitting)
    deliver_due()
    clock.freeze(clock.utcnow() + timedelta(minutes=5))

    review(admin, sitting.id, "violation", "A phone on the desk.")
    db.session.commit()
    assert deliver_due()["sent"] == 1

    _item, withheld = scores(platform)[-1]
    assert "scoreGiven" not in withheld and "scoreMaximum" not in withheld
    assert withheld["activityProgress"] == "Completed" and withheld["gradingProgress"] == "PendingManual"


def test_a_platform_error_is_retried_and_a_rejected_token_replaced(client, admin, platform, registered, exam, item):
    ann = sit(launch_learner(client, platform, ANN, exam, lineitem=item))
    ben = sit(launch_learner(client, platform, BEN, exam, lineitem=item), right=3)
    platform.fail_next("scores", 503)
    release_result(admin, ann)

    assert deliver_due()["retried"] == 1
    message, = platform_calls(SCORE_TOPIC)
    db.session.refresh(message)
    assert message.status == MessageStatus.PENDING and "HTTP 503" in message.last_error
    due_now(message)
    assert deliver_due()["sent"] == 1

    platform.revoke_tokens()
    release_result(admin, ben)
    assert deliver_due()["retried"] == 1
    second = platform_calls(SCORE_TOPIC)[-1]
    db.session.refresh(second)
    assert "HTTP 401" in second.last_error
    due_now(second)
    assert deliver_due()["sent"] == 1

    assert [(score["userId"], score["scoreGiven"]) for _item, score in scores(platform)] == [("ann-1", 2), ("ben-1", 3)]
    assert platform.requests.count("POST /token") == 2


def test_a_link_without_a_line_item_gets_one_once(client, admin, platform, registered, exam):
    ann = sit(launch_learner(client, platform, ANN, exam))
    ben = sit(launch_learner(client, platform, BEN, exam), right=1)
    release_result(admin, ann)
    release_result(admin, ben)
    asked, = platform_calls(LINE_ITEM_TOPIC)
    assert platform_calls(SCORE_TOPIC) == []

    assert deliver_due()["sent"] == 1       # the line item; the scores are queued when it is there
    created, = platform.line_items.values()
    assert created["label"] == "Final exam" and created["scoreMaximum"] == 3
    assert created["resourceLinkId"] == "resource-link-1"
    db.session.expire_all()
    assert db.session.scalar(select(LtiResourceLink.line_item_url)) == created["id"]
    assert deliver_due()["sent"] == 2
    assert sorted((score["userId"], score["scoreGiven"]) for _item, score in scores(platform)) == [
        ("ann-1", 2), ("ben-1", 1)]
    assert {lineitem for lineitem, _score in scores(platform)} == {created["id"]}
    assert len(platform_calls(LINE_ITEM_TOPIC)) == 1 and asked.topic_label == \
        "Gradebook column created in the learning platform"


def test_the_courses_learners_are_imported_once(client, admin, platform, registered, exam):
    launch_learner(client, platform, ANN, exam)
    teacher = PlatformUser(sub="tom-1", name="Tom Teacher", email="tom@example.edu", roles=(lms.INSTRUCTOR,))
    private = PlatformUser(sub="pat-1", name="Pat Private", email=None)
    gone = PlatformUser(sub="gus-1", name="Gus Gone", email="gus@example.edu")
    cleo = PlatformUser(sub="cleo-1", name="Cleo Learner", given_name="Cleo", email="cleo@example.edu")
    platform.enrol("course-1", BEN, teacher, private, gone, cleo)
    next(member for member in platform.rosters["course-1"] if member["user_id"] == "gus-1")["status"] = "Inactive"
    link = db.session.scalar(select(LtiResourceLink))
    log_in(client, admin)

    answer = client.post(f"/exams/{exam.id}/lti/links/{link.id}/roster", follow_redirects=True)
    page = BeautifulSoup(answer.get_data(as_text=True), "html.parser")
    assert page.select_one("[data-roster-import]")["data-roster-import"] == "queued"
    assert page.select_one("#roster-imports")["hx-get"] == f"/exams/{exam.id}/lti"   # polled while it waits
    assert run_roster_imports() == 1
    db.session.commit()

    run = db.session.scalar(select(LtiRosterImport))
    assert run.status == RosterImportStatus.DONE, run.error
    assert (run.added, run.existing, run.skipped) == (2, 1, 3)
    memberships = [request for request in platform.requests if "/memberships" in request]
    assert len(memberships) == 3          # six members, two a page
    sittings = db.session.scalars(select(Sitting).where(Sitting.exam_id == exam.id)).all()
    emails = sorted(sitting.candidate.email for sitting in sittings)
    assert emails == ["ann@example.edu", "ben@example.edu", "cleo@example.edu"]
    cleo_candidate = db.session.scalar(select(Candidate).where(Candidate.email == "cleo@example.edu"))
    assert (cleo_candidate.first_name, cleo_candidate.last_name) == ("Cleo", "Learner")
    assert db.session.scalar(select(LtiUserLink.candidate_id).where(LtiUserLink.sub == "cleo-1")) == cleo_candidate.id
    assert {row.platform_user_id for row in db.session.scalars(select(LtiSittingLink))} == {"ann-1", "ben-1", "cleo-1"}
    assert not [message for message in db.session.scalars(select(OutboxMessage)) if message.kind == "email"]

    page = BeautifulSoup(client.get(f"/exams/{exam.id}/lti").get_data(as_text=True), "html.parser")
    done = page.select_one("[data-roster-import='done']")
    assert not page.select_one("#roster-imports").has_attr("hx-get")
    assert [cell.get_text(strip=True) for cell in done.select("[data-count]")] == ["2", "1", "3"]

    client.post(f"/exams/{exam.id}/lti/links/{link.id}/roster")
    run_roster_imports()
    db.session.commit()
    again = db.session.scalars(select(LtiRosterImport).order_by(LtiRosterImport.id.desc())).first()
    assert (again.status, again.added, again.existing, again.skipped) == (RosterImportStatus.DONE, 0, 3, 3)
    assert len(db.session.scalars(select(Sitting).where(Sitting.exam_id == exam.id)).all()) == 3


def test_a_roster_the_platform_refuses_fails_the_import_with_its_reason(client, admin, platform, registered, exam):
    launch_learner(client, platform, ANN, exam)
    link = db.session.scalar(select(LtiResourceLink))
    log_in(client, admin)
    platform.fail_next("memberships", 403)
    client.post(f"/exams/{exam.id}/lti/links/{link.id}/roster")

    assert run_roster_imports() == 1
    db.session.commit()
    run = db.session.scalar(select(LtiRosterImport))
    assert run.status == RosterImportStatus.FAILED and "HTTP 403" in run.error
    page = BeautifulSoup(client.get(f"/exams/{exam.id}/lti").get_data(as_text=True), "html.parser")
    assert "HTTP 403" in page.select_one("[data-roster-import='failed']").get_text()


def test_an_import_already_waiting_is_not_asked_twice(client, admin, platform, registered, exam):
    launch_learner(client, platform, ANN, exam)
    link = db.session.scalar(select(LtiResourceLink))
    log_in(client, admin)
    client.post(f"/exams/{exam.id}/lti/links/{link.id}/roster")
    refused = client.post(f"/exams/{exam.id}/lti/links/{link.id}/roster", follow_redirects=True)
    assert "being imported already" in refused.get_data(as_text=True)
    assert len(db.session.scalars(select(LtiRosterImport)).all()) == 1


def test_an_imported_learners_grade_goes_back_too(client, admin, platform, registered, exam, item):
    launch_learner(client, platform, ANN, exam, lineitem=item)
    cleo = PlatformUser(sub="cleo-1", name="Cleo Learner", given_name="Cleo", email="cleo@example.edu")
    platform.enrol("course-1", cleo)
    link = db.session.scalar(select(LtiResourceLink))
    log_in(client, admin)
    client.post(f"/exams/{exam.id}/lti/links/{link.id}/roster")
    run_roster_imports()
    db.session.commit()

    sitting = db.session.scalar(select(Sitting).join(Candidate).where(Candidate.email == "cleo@example.edu"))
    release_result(admin, sit(sitting, right=3))
    assert deliver_due()["sent"] == 1
    (_item, score), = scores(platform)
    assert (score["userId"], score["scoreGiven"], score["scoreMaximum"]) == ("cleo-1", 3, 3)


def test_a_roster_is_imported_only_from_a_link_to_the_exam_that_offers_it(client, admin, factory, platform, registered,
                                                                          exam):
    other = factory.exam(admin, name="Chemistry final")
    launch_learner(client, platform, ANN, exam, nrps=False)
    link = db.session.scalar(select(LtiResourceLink))
    log_in(client, admin)

    assert client.post(f"/exams/{other.id}/lti/links/{link.id}/roster").status_code == 404
    refused = client.post(f"/exams/{exam.id}/lti/links/{link.id}/roster", follow_redirects=True)
    assert "did not offer this course's roster" in BeautifulSoup(refused.get_data(as_text=True), "html.parser").get_text()
    assert db.session.scalars(select(LtiRosterImport)).all() == []
    page = BeautifulSoup(client.get(f"/exams/{exam.id}/lti").get_data(as_text=True), "html.parser")
    assert page.select_one(f"[data-link='{link.id}']") is not None
    assert page.select_one(f"[data-link='{link.id}'] button") is None


def test_the_invitation_goes_to_the_new_candidates_when_asked(client, admin, platform, registered, exam):
    launch_learner(client, platform, ANN, exam)
    platform.enrol("course-1", BEN)
    link = db.session.scalar(select(LtiResourceLink))
    log_in(client, admin)
    client.post(f"/exams/{exam.id}/lti/links/{link.id}/roster", data={"send_invitations": "1"})
    run_roster_imports()
    db.session.commit()

    run = db.session.scalar(select(LtiRosterImport))
    assert (run.status, run.added, run.existing, run.error) == (RosterImportStatus.DONE, 1, 1, "")
    assert [message.recipient for message in platform_calls("exam_invitation")] == ["ben@example.edu"]


def test_an_import_a_stopped_worker_left_running_is_run_again_later(client, admin, platform, registered, exam):
    launch_learner(client, platform, ANN, exam)
    link = db.session.scalar(select(LtiResourceLink))
    log_in(client, admin)
    client.post(f"/exams/{exam.id}/lti/links/{link.id}/roster")
    run = db.session.scalar(select(LtiRosterImport))
    run.status, run.started_at = RosterImportStatus.RUNNING, clock.utcnow() - timedelta(minutes=30)
    db.session.commit()

    assert run_roster_imports() == 0           # another worker may still be at it
    clock.freeze(clock.utcnow() + timedelta(hours=1))
    assert run_roster_imports() == 1
    db.session.commit()
    db.session.refresh(run)
    assert (run.status, run.existing) == (RosterImportStatus.DONE, 1)
