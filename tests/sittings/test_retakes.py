"""Retakes: the exam's attempts and waiting period, validated; the one rule of when a retake may begin (the
latest attempt finished, attempts left, the waiting period passed on the one clock) and the words it says
why not in; a retake is a new sitting with its own paper and result; every attempt is listed."""
from __future__ import annotations

import csv
import io
from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import select

from tests.conftest import right_answer
from webapp.cli.demo import take_test
from webapp.core import clock
from webapp.core.errors import Conflict, IllegalTransition, ValidationError
from webapp.core.extensions import db
from webapp.core.spreadsheets import BYTE_ORDER_MARK
from webapp.exams.services import exam_input, set_active, update_exam
from webapp.proctoring import services as proctoring
from webapp.results import services as results
from webapp.sittings import taking
from webapp.sittings.models import Response, Sitting, SittingItem, SittingStatus
from webapp.sittings.retakes import latest_attempt, retake_chance, start_retake
from webapp.sittings.services import candidate_sitting_rows, register_candidates, sitting_for_email

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=timezone.utc)   # a Monday
FINISHED = T0 + timedelta(minutes=10)                   # take_test finishes ten minutes after it starts


@pytest.fixture
def exam(admin, factory):
    return factory.exam(admin, access_type="ByInvitation", max_attempts=3, retake_wait_hours=24,
                        time_zone="UTC+02:00")


def first_attempt(admin, factory, exam, email: str = "ann@example.com", answer=None) -> Sitting:
    clock.freeze(T0)
    return factory.finished_sitting(admin, exam, email, answer=answer, now=T0)


@pytest.mark.parametrize("settings, field", [
    ({"max_attempts": 0}, "max_attempts"), ({"max_attempts": 11}, "max_attempts"),
    ({"max_attempts": True}, "max_attempts"), ({"max_attempts": None}, "max_attempts"),
    ({"retake_wait_hours": -1}, "retake_wait_hours"), ({"retake_wait_hours": 8761}, "retake_wait_hours"),
    ({"retake_wait_hours": None}, "retake_wait_hours"),
])
def test_the_exams_attempts_and_waiting_period_are_whole_numbers_in_range(admin, factory, settings, field):
    with pytest.raises(ValidationError) as refused:
        factory.exam(admin, **settings)
    assert refused.value.field == field and refused.value.code == "E789"


def test_one_attempt_and_no_wait_unless_said_and_the_settings_are_kept(admin, factory):
    exam = factory.exam(admin)
    assert (exam.max_attempts, exam.retake_wait_hours, exam.allows_retakes) == (1, 0, False)
    data = exam_input(exam)
    data.max_attempts, data.retake_wait_hours = 10, 8760
    update_exam(admin, exam.id, data)
    assert (exam.max_attempts, exam.retake_wait_hours, exam.allows_retakes) == (10, 8760, True)


def test_an_exam_of_one_attempt_offers_no_retake(admin, factory):
    sitting = first_attempt(admin, factory, factory.exam(admin))
    assert sitting.attempt == 1 and sitting.attempt_label is None
    assert retake_chance(sitting) is None
    with pytest.raises(Conflict, match="This test cannot be taken again."):
        start_retake(sitting)


def test_the_waiting_period_runs_from_the_finish_on_the_one_clock(admin, factory, exam):
    first = first_attempt(admin, factory, exam)
    clock.freeze(FINISHED + timedelta(hours=23, minutes=59))
    chance = retake_chance(first)
    # The exam's own time zone: 09:10 UTC the next day is 11:10 at UTC+02:00.
    message = "You may take this test again from Tue, Mar 3, 2026, 11:10 (UTC+02:00)."
    assert (chance.allowed, chance.later, chance.reason, chance.attempt) == (False, True, message, 2)
    with pytest.raises(Conflict) as refused:
        start_retake(first)
    assert refused.value.message == message
    assert db.session.scalar(select(Sitting).where(Sitting.attempt == 2)) is None

    clock.move(timedelta(minutes=1))
    assert retake_chance(first).allowed
    retake = start_retake(first)
    db.session.commit()
    assert (retake.attempt, retake.status, retake.exam_id, retake.candidate_id) == (
        2, SittingStatus.REGISTERED, exam.id, first.candidate_id)
    assert retake.access_token != first.access_token and retake.registration == first.registration
    assert retake.attempt_label == "attempt 2 of 3" and first.attempt_label == "attempt 1 of 3"
    assert first.status == SittingStatus.EXAM_FINISHED and latest_attempt(exam.id, first.candidate_id) == retake


def test_a_retake_begins_only_after_the_latest_attempt_is_finished(admin, factory, exam):
    first = first_attempt(admin, factory, exam)
    clock.freeze(FINISHED + timedelta(days=1))
    retake = start_retake(first)
    with pytest.raises(Conflict, match="Your latest attempt at this test is not finished yet."):
        start_retake(first)   # the earlier attempt's link asks: the latest attempt is what counts
    taking.start_check(retake, ip_address="127.0.0.1")
    assert retake_chance(retake) is None
    assert db.session.scalar(select(Sitting.id).where(Sitting.attempt == 3)) is None


def test_no_attempts_left_says_so(admin, factory):
    exam = factory.exam(admin, max_attempts=2)
    first = first_attempt(admin, factory, exam)
    second = take_test(start_retake(first, now=FINISHED), lambda item: None, now=FINISHED)
    chance = retake_chance(second)
    assert (chance.allowed, chance.later) == (False, False)
    assert chance.reason == "You have used both attempts this test allows; no attempts are left."
    with pytest.raises(Conflict, match="no attempts are left"):
        start_retake(first)
    data = exam_input(exam)
    data.max_attempts = 3
    update_exam(admin, exam.id, data)
    assert retake_chance(second, now=second.finished_at).allowed   # staff allowing more attempts lets the candidate go on


def test_a_deactivated_exam_offers_no_retake(admin, factory, exam):
    first = first_attempt(admin, factory, exam)
    set_active(admin, exam.id, False)
    clock.freeze(FINISHED + timedelta(days=2))
    assert retake_chance(first) is None
    with pytest.raises(Conflict):
        start_retake(first)


def test_a_retake_has_its_own_paper_responses_and_result(admin, factory, exam):
    first = first_attempt(admin, factory, exam)   # nothing answered
    later = FINISHED + timedelta(days=1)
    clock.freeze(later)
    second = take_test(start_retake(first), right_answer, now=later)
    db.session.commit()

    def paper(sitting):
        return set(db.session.scalars(select(SittingItem.id).where(SittingItem.sitting_id == sitting.id)))

    assert len(paper(first)) == len(paper(second)) == 3 and not paper(first) & paper(second)
    answered = {sitting_id: count for sitting_id, count in db.session.execute(
        select(Response.sitting_id, Response.answer.is_not(None)).where(Response.answer.is_not(None)))}
    assert set(answered) == {second.id}
    assert (first.total_marks, second.total_marks, second.max_marks) == (0, 3, 3)
    assert first.graded_at is not None and second.graded_at is not None


def test_every_attempt_is_listed_and_lookups_by_email_find_the_latest(admin, factory, exam):
    first = first_attempt(admin, factory, exam)
    factory.finished_sitting(admin, exam, "bob@example.com", now=T0)
    later = FINISHED + timedelta(days=1)
    clock.freeze(later)
    second = take_test(start_retake(first), right_answer, now=later)
    db.session.commit()

    every = results.exam_results(admin, exam.id, sort="finished", descending=False)[1].items
    assert [(row.candidate.email, row.sitting.attempt_label) for row in every] == [
        ("ann@example.com", "attempt 1 of 3"), ("bob@example.com", "attempt 1 of 3"),
        ("ann@example.com", "attempt 2 of 3")]
    latest = results.exam_results(admin, exam.id, attempts="latest", sort="finished", descending=False)[1].items
    assert [row.sitting.id for row in latest] == [every[1].sitting.id, second.id]
    with pytest.raises(ValidationError):
        results.exam_results(admin, exam.id, attempts="first")
    # Percentiles keep counting sittings: both of Ann's attempts are among the three graded.
    assert [row.percentile for row in every] == [pytest.approx(66.67, abs=0.01)] * 2 + [100]

    assert [row.sitting.attempt for row in candidate_sitting_rows(admin, first.candidate)] == [2, 1]
    assert sitting_for_email(admin, exam, "ann@example.com") == second
    # Staff registering the e-mail again hear of the latest attempt, as before retakes.
    outcome, = register_candidates(admin, exam.id, [{"Email Address": "ann@example.com", "First Name": "Ann",
                                                     "Last Name": "Lee"}])
    assert (outcome.status, outcome.sitting_id) == ("Completed", second.id)

    _, lines = results.results_csv(admin, exam.id)
    header, *rows = list(csv.reader(io.StringIO("".join(lines).removeprefix(BYTE_ORDER_MARK))))
    attempt = header.index("Attempt")
    assert sorted((row[1], row[attempt]) for row in rows) == [
        ("ann@example.com", "1"), ("ann@example.com", "2"), ("bob@example.com", "1")]


def test_an_attempt_with_a_later_one_begun_is_no_longer_resumed(admin, factory, exam):
    clock.freeze(T0)
    outcome, = register_candidates(admin, exam.id, [{"Email Address": "ann@example.com", "First Name": "Ann",
                                                     "Last Name": "Lee"}])
    first = db.session.get(Sitting, outcome.sitting_id)
    taking.start_check(first, ip_address="127.0.0.1")
    taking.complete_check(first, browser={})
    taking.start_exam(first)
    proctoring.terminate(admin, first.id, "second person visible", now=FINISHED)
    assert first.is_resumable
    clock.freeze(FINISHED + timedelta(days=1))
    start_retake(first)
    with pytest.raises(IllegalTransition, match="later attempt"):
        proctoring.resume(admin, first.id, 10)
