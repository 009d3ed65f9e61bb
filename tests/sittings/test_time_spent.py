"""Time is the time actually spent, measured on the server from what the exam page reports (its page
loads, heartbeats, moves, sections and finish), with the clock frozen and moved: a plain sitting, two
sections, a termination or an expiry then a resume (the gap excluded), and a silent page (capped)."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
from bs4 import BeautifulSoup
from sqlalchemy import select

from tests.candidate.helpers import build_paper, paper_assessment, register, start
from webapp.assessments.services import SectionInput
from webapp.core import clock
from webapp.core.extensions import db
from webapp.proctoring import services as proctoring
from webapp.sittings import taking
from webapp.sittings.models import FinishMode, Response, Sitting, SittingItem
from webapp.sittings.scoring import result_summary

T0 = datetime(2026, 11, 23, 9, 0, tzinfo=timezone.utc)
JSON = {"Accept": "application/json"}


@pytest.fixture(autouse=True)
def _clock_at_t0():
    clock.freeze(T0)


@pytest.fixture
def paper(admin):
    return build_paper(admin)   # five questions, one of each type, skill "Mixed"


def _sitting(admin, factory, paper, sections: list[SectionInput] | None = None, **settings) -> Sitting:
    assessment = paper_assessment(admin, paper, name=f"Test {factory._next()}", sections=sections, **settings)
    return start(register(admin, factory.exam(admin, assessment, access_type="ByInvitation")))


class Page:
    """The candidate's exam page as the browser drives it: shown, its clock poll every 15 s, moves."""

    def __init__(self, client, sitting: Sitting):
        self.client, self.token = client, sitting.access_token

    def open(self) -> None:
        assert self.client.get(f"/s/{self.token}").status_code == 200

    def stay(self, seconds: int, every: int = 15) -> None:
        """The page stays open `seconds`, asking for the clock every `every` seconds."""
        for _ in range(seconds // every):
            clock.move(timedelta(seconds=every))
            self.client.get(f"/s/{self.token}/clock")
        clock.move(timedelta(seconds=seconds % every))

    def go_to(self, position: int) -> None:
        assert self.client.post(f"/s/{self.token}/position", headers=JSON,
                                json={"position": position}).json == {"position": position}

    def next_section(self) -> None:
        self.client.post(f"/s/{self.token}/next-section")

    def finish(self) -> None:
        self.client.post(f"/s/{self.token}/finish")


def _seconds(sitting: Sitting) -> list[int]:
    """Seconds per question, in paper order."""
    db.session.expire_all()
    per_item = taking.seconds_per_item(sitting)
    items = db.session.scalars(select(SittingItem).where(SittingItem.sitting_id == sitting.id)
                               .order_by(SittingItem.position))
    return [per_item[item.id] for item in items]


def _summary(sitting: Sitting) -> dict:
    db.session.expire_all()
    return result_summary(sitting, *taking.items_and_responses(sitting))


def test_a_plain_sitting_counts_each_question_from_arrival_to_leaving(client, admin, factory, paper):
    sitting = _sitting(admin, factory, paper)
    page = Page(client, sitting)
    page.open()
    page.stay(40)
    page.go_to(1)
    page.stay(30)
    page.go_to(3)
    page.stay(25)
    assert _seconds(sitting) == [40, 30, 0, 25, 0]   # the running question's count so far
    page.go_to(1)                                     # back again: added to what it had
    page.stay(5)
    page.finish()
    assert _seconds(sitting) == [40, 35, 0, 25, 0]
    summary = _summary(sitting)
    assert summary["attemptTime"] == 100 and sitting.attempt_seconds == 100
    assert [section["timeTaken"] for section in summary["sectionMarks"]] == [100]
    assert summary["sectionMarks"][0]["skillMarks"][0]["timeTaken"] == 100


def test_two_sections_and_their_skills_sum_their_questions(client, admin, factory, paper):
    sitting = _sitting(admin, factory, paper, sections=[SectionInput(name="Part one", question_ids=paper[:2]),
                                                        SectionInput(name="Part two", question_ids=paper[2:])])
    page = Page(client, sitting)
    page.open()
    page.stay(20)
    page.go_to(3)      # untimed sections: the candidate moves freely between them
    page.stay(45)
    page.go_to(1)
    page.stay(10)
    page.finish()
    summary = _summary(sitting)
    assert [(section["sectionName"], section["timeTaken"]) for section in summary["sectionMarks"]] == [
        ("Part one", 30), ("Part two", 45)]
    assert [skill["timeTaken"] for section in summary["sectionMarks"] for skill in section["skillMarks"]] == [30, 45]
    assert summary["attemptTime"] == 75


def test_timed_sections_count_to_the_section_the_candidate_is_in(client, admin, factory, paper):
    sitting = _sitting(admin, factory, paper, duration=None, sections=[
        SectionInput(name="Part one", duration=2, question_ids=paper[:2]),
        SectionInput(name="Part two", duration=1, question_ids=paper[2:4]),
        SectionInput(name="Part three", duration=5, question_ids=paper[4:])])
    page = Page(client, sitting)
    page.open()
    page.stay(50)
    page.next_section()         # leaves part one early: part two begins at its first question (position 2)
    page.open()
    page.stay(30)
    page.go_to(3)
    page.stay(30)               # part two's minute is over: the clock poll finds part three running
    page.open()
    page.stay(20)
    page.finish()
    assert _seconds(sitting) == [50, 0, 30, 30, 20]
    summary = _summary(sitting)
    assert [section["timeTaken"] for section in summary["sectionMarks"]] == [50, 60, 20]
    assert summary["attemptTime"] == 130


@pytest.mark.parametrize("work, to_resume, to_return", [
    (1, 65, 0),     # the case of issue 13: resumed 65 s after the termination, back at once
    (30, 0, 240),   # resumed at once, but the candidate opens the link four minutes later
])
def test_the_gap_between_a_termination_and_the_candidates_return_is_not_time_spent(
        client, admin, factory, paper, work, to_resume, to_return):
    sitting = _sitting(admin, factory, paper)
    page = Page(client, sitting)
    page.open()
    page.stay(work)
    proctoring.terminate(admin, sitting.id, "Talking to someone")
    db.session.commit()
    clock.move(timedelta(seconds=to_resume))
    proctoring.resume(admin, sitting.id, 10)
    db.session.commit()
    clock.move(timedelta(seconds=to_return))
    page.open()
    page.stay(work)
    page.finish()
    db.session.expire_all()
    assert sitting.finish_mode == FinishMode.NORMAL_SUBMISSION
    assert _summary(sitting)["attemptTime"] == 2 * work and _seconds(sitting)[0] == 2 * work


def test_an_expiry_then_a_resume_counts_up_to_the_deadline_and_after_the_return(client, admin, factory, paper):
    sitting = _sitting(admin, factory, paper, duration=2)
    page = Page(client, sitting)
    page.open()
    page.stay(2 * 60 - 5)                # the page is open to the deadline; the worker closes it later
    clock.move(timedelta(minutes=5))
    assert taking.close_overdue_sittings() == 1
    db.session.commit()
    db.session.expire_all()
    assert sitting.finish_mode == FinishMode.EXPIRED and sitting.attempt_seconds == 120
    clock.move(timedelta(minutes=10))
    proctoring.resume(admin, sitting.id, 5)
    db.session.commit()
    page.open()
    page.stay(20)
    page.finish()
    assert _summary(sitting)["attemptTime"] == 140 and _seconds(sitting)[0] == 140


def test_a_silent_page_counts_at_most_a_minute_of_its_silence(client, admin, factory, paper):
    sitting = _sitting(admin, factory, paper, duration=30)
    page = Page(client, sitting)
    page.open()
    page.stay(45)
    page.go_to(2)
    page.stay(30)
    clock.move(timedelta(minutes=10))    # offline: no clock poll for ten minutes
    page.stay(30)                        # back at its next poll: a minute of the silence counts, then the page
    clock.move(timedelta(minutes=30))    # the browser closed; the worker finds the deadline passed
    taking.close_overdue_sittings()
    db.session.commit()
    assert _seconds(sitting) == [45, 0, 30 + 60 + 15 + 60, 0, 0]
    assert _summary(sitting)["attemptTime"] == 210


def test_a_position_the_page_does_not_show_is_refused(client, admin, factory, paper):
    sitting = _sitting(admin, factory, paper, duration=None, sections=[
        SectionInput(name="Part one", duration=2, question_ids=paper[:2]),
        SectionInput(name="Part two", duration=2, question_ids=paper[2:])])
    for position in (3, 99, -1):
        answer = client.post(f"/s/{sitting.access_token}/position", headers=JSON, json={"position": position})
        assert answer.status_code == 400 and answer.json["status"] == "error"
    db.session.expire_all()
    assert sitting.current_item == 0


def test_the_result_page_shows_the_time_per_section_and_skill(client, admin_client, admin, factory, paper):
    sitting = _sitting(admin, factory, paper, duration=120, sections=[
        SectionInput(name="Part one", question_ids=paper[:2]), SectionInput(name="Part two", question_ids=paper[2:])])
    page = Page(client, sitting)
    page.open()
    page.stay(75)
    page.go_to(4)
    page.stay(3600 + 5)
    page.finish()
    soup = BeautifulSoup(admin_client.get(f"/sittings/{sitting.id}/result").get_data(as_text=True), "html.parser")
    assert soup.select_one("[data-field=time]").get_text(strip=True) == "1 h 1 min 20 s"
    rows = [(row.th.get_text(strip=True), row.select("td")[-1].get_text(strip=True))
            for row in soup.select("#breakdown tbody tr")]
    assert rows == [("Part one", "1 min 15 s"), ("Mixed", "1 min 15 s"),
                    ("Part two", "1 h 0 min 5 s"), ("Mixed", "1 h 0 min 5 s")]
    # Each item on the answers list, in the order the candidate saw them: the first and the fifth were worked on.
    times = [" ".join(p.get_text().split()) for p in soup.select("#answers [data-time-spent]")]
    assert times[0] == "Time spent: 1 min 15 s" and times[4] == "Time spent: 1 h 0 min 5 s"
    assert set(times[1:4]) == {"Time spent: 0 min 0 s"}
