"""The exam page and its JSON endpoints: saving (ordered, idempotent, refused after the deadline), the
clock, the position, events, timed sections and resuming; and the cost of the hot path in SQL."""
import json
import re
from datetime import timedelta

import pytest
from sqlalchemy import event, select

from tests.candidate.helpers import JPEG, items_by_type, page, register, start
from webapp.assessments.services import SectionInput
from webapp.core.clock import utcnow
from webapp.core.database import on_postgresql
from webapp.core.extensions import db
from webapp.sittings import taking
from webapp.sittings.models import FinishMode, ProctorEvent, Response, SittingItem

JSON = {"Accept": "application/json"}


@pytest.fixture
def running(sitting):
    return start(sitting)


def _save(client, sitting, item, answer, version, flagged=False):
    return client.post(f"/s/{sitting.access_token}/answers", headers=JSON,
                       json={"item_id": item.id, "answer": answer, "version": version, "flagged": flagged})


def _stored(item) -> Response:
    db.session.expire_all()
    return db.session.scalar(select(Response).where(Response.item_id == item.id))


def test_a_save_is_acknowledged_with_its_version_and_the_time_left(client, running):
    item = items_by_type(running)["SHORT_ANSWER"]
    response = _save(client, running, item, {"text": "Paris"}, 1, flagged=True)
    assert response.status_code == 200
    body = response.json
    assert body["saved"] is True and body["version"] == 1 and body["section"] == 0
    assert 1790 <= body["remaining"] <= 1800
    stored = _stored(item)
    assert (stored.answer, stored.version, stored.flagged) == ({"text": "Paris"}, 1, True)


def test_an_older_save_never_overwrites_a_newer_one_and_repeats_are_harmless(client, running):
    item = items_by_type(running)["MCQ"]
    assert _save(client, running, item, {"option": "b"}, 2).json["saved"] is True
    late = _save(client, running, item, {"option": "a"}, 1).json
    assert (late["saved"], late["version"]) == (False, 2)
    again = _save(client, running, item, {"option": "b"}, 2).json
    assert (again["saved"], again["version"]) == (False, 2)
    assert _stored(item).answer == {"option": "b"}


def test_a_save_can_clear_an_answer(client, running):
    item = items_by_type(running)["MCQ"]
    _save(client, running, item, {"option": "a"}, 1)
    _save(client, running, item, None, 2)
    assert _stored(item).answer is None and _stored(item).version == 2


@pytest.mark.parametrize("body, status", [
    ({"item_id": None, "answer": {"text": "x"}, "version": 1}, 400),     # no item
    ({"item_id": 99999, "answer": {"text": "x"}, "version": 1}, 404),    # not this sitting's
    ({"answer": {"text": {"nested": 1}}, "version": 1}, 400),            # not an answer shape
    ({"answer": {"text": "x" * 30_000}, "version": 1}, 400),             # far too long
    ({"answer": {"text": "x"}, "version": "first"}, 400),
])
def test_a_malformed_save_is_refused_in_json(client, running, body, status):
    item = items_by_type(running)["SHORT_ANSWER"]
    response = client.post(f"/s/{running.access_token}/answers", headers=JSON, json={"item_id": item.id, **body})
    assert response.status_code == status and response.json["status"] == "error"
    assert _stored(item).version == 0


def test_a_save_after_the_deadline_is_refused_and_changes_nothing(client, running):
    item = items_by_type(running)["SHORT_ANSWER"]
    _save(client, running, item, {"text": "Paris"}, 1)
    running.deadline = utcnow() - timedelta(seconds=1)
    db.session.commit()
    response = _save(client, running, item, {"text": "Lyon"}, 2)
    assert response.status_code == 409
    assert response.json["error"]["message"] == "The time for this test is over; your saved answers have been submitted."
    assert _stored(item).answer == {"text": "Paris"}
    # The page then goes to the link, which closes the sitting and shows the done page.
    soup = page(client.get(f"/s/{running.access_token}"))
    assert soup.h1.get_text() == "Your answers are submitted"
    db.session.expire_all()
    assert running.finish_mode == FinishMode.EXPIRED and _stored(item).correct is True


def test_the_clock_follows_extra_time_and_the_end(client, running):
    clock = client.get(f"/s/{running.access_token}/clock").json
    assert clock["status"] == "exam_started" and clock["section"] == 0 and 1790 <= clock["remaining"] <= 1800
    running.deadline += timedelta(minutes=10)   # a proctor gave extra time
    db.session.commit()
    assert 2390 <= client.get(f"/s/{running.access_token}/clock").json["remaining"] <= 2400
    running.deadline = utcnow() - timedelta(seconds=1)
    db.session.commit()
    assert client.get(f"/s/{running.access_token}/clock").json == {"status": "exam_finished", "remaining": 0, "section": 0}


def test_the_position_is_remembered_for_the_next_visit(client, running):
    response = client.post(f"/s/{running.access_token}/position", headers=JSON, json={"position": 3})
    assert response.json == {"position": 3}
    soup = page(client.get(f"/s/{running.access_token}"))
    assert soup.select_one("[data-exam]")["data-position"] == "3"
    assert soup.select_one("#q3").get("hidden") is None and soup.select_one("#q0").get("hidden") == ""
    bad = client.post(f"/s/{running.access_token}/position", headers=JSON, json={"position": "last"})
    assert bad.status_code == 400


def test_reopening_the_page_brings_every_saved_answer_and_flag(client, running):
    items = items_by_type(running)
    _save(client, running, items["MCA"], {"options": ["a", "c"]}, 3, flagged=True)
    _save(client, running, items["FITB"], {"blanks": ["went", ""]}, 1)
    soup = page(client.get(f"/s/{running.access_token}"))
    mca = soup.select_one(f"[data-item-id='{items['MCA'].id}']")
    assert json.loads(mca["data-answer"]) == {"options": ["a", "c"]}
    assert mca["data-version"] == "3" and mca.has_attr("data-flagged")
    fitb = soup.select_one(f"[data-item-id='{items['FITB'].id}']")
    assert json.loads(fitb["data-answer"]) == {"blanks": ["went", ""]}
    assert [box["aria-label"] for box in fitb.select("input.blank")] == ["Blank 1", "Blank 2"]
    assert not fitb.select_one("input.blank").has_attr("disabled")


def test_copy_and_paste_attempts_are_recorded(client, running):
    response = client.post(f"/s/{running.access_token}/events", headers=JSON, json={"kind": "paste_attempt"})
    assert response.json == {"recorded": "paste_attempt"}
    forged = client.post(f"/s/{running.access_token}/events", headers=JSON, json={"kind": "admitted"})
    assert forged.status_code == 400
    kinds = db.session.scalars(select(ProctorEvent.kind).where(ProctorEvent.sitting_id == running.id)).all()
    assert kinds.count("paste_attempt") == 1 and "admitted" not in kinds


def test_copy_and_paste_are_blocked_unless_the_exam_allows_them(client, admin, make_exam, running):
    assert page(client.get(f"/s/{running.access_token}")).select_one("[data-exam]").has_attr("data-block-copy-paste")
    allowed = start(register(admin, make_exam(allow_copy_paste=True, assessment={"name": "Open book"}), "bo@example.com"))
    assert not page(client.get(f"/s/{allowed.access_token}")).select_one("[data-exam]").has_attr("data-block-copy-paste")


def test_the_calculator_only_when_the_assessment_allows_it(client, admin, make_exam, running):
    assert page(client.get(f"/s/{running.access_token}")).select_one("[data-calculator]") is None
    with_calculator = start(register(admin, make_exam(assessment={"name": "Maths", "on_screen_calculator": True}),
                                     "cy@example.com"))
    soup = page(client.get(f"/s/{with_calculator.access_token}"))
    assert soup.select_one("[data-calculator-toggle]")["aria-controls"] == "calculator"
    keys = soup.select("#calculator [data-key]")
    assert len(keys) == 19 and all(key.get("aria-label") for key in keys)


@pytest.fixture
def timed(admin, make_exam, paper):
    exam = make_exam(assessment={"name": "Two timed parts", "duration": None, "sections": [
        SectionInput(name="Part one", duration=5, question_ids=paper[:2]),
        SectionInput(name="Part two", duration=5, question_ids=paper[2:])]})
    return start(register(admin, exam, "tim@example.com"))


def test_a_timed_section_is_shown_alone_and_closes_for_good(client, timed):
    soup = page(client.get(f"/s/{timed.access_token}"))
    assert [q.select_one(".section-name").get_text() for q in soup.select("[data-question]")] == ["Part one"] * 2
    assert soup.select_one("#time-label").get_text() == "Time left in this section"
    assert soup.select_one("[data-next-section]")["data-confirm"].startswith("Move on to the next section?")
    first = items_by_type(timed)["MCQ"]
    client.post(f"/s/{timed.access_token}/next-section")
    soup = page(client.get(f"/s/{timed.access_token}"))
    assert [q.select_one(".section-name").get_text() for q in soup.select("[data-question]")] == ["Part two"] * 3
    assert soup.select_one("[data-next-section]") is None and soup.select_one("[data-exam]")["data-section"] == "1"
    refused = _save(client, timed, first, {"option": "a"}, 1)
    assert refused.status_code == 409 and "section is closed" in refused.json["error"]["message"]


def test_the_exam_page_of_a_timed_sitting_holds_its_current_section_only(timed):
    shown = taking.exam_page(timed)
    assert ([item.section_index for item in shown.items], shown.total, shown.timed, shown.last_section) == (
        [0, 0], 5, True, False)
    assert shown.position == shown.items[0].position and 0 < shown.remaining <= 5 * 60
    taking.next_section(timed)
    shown = taking.exam_page(timed)
    assert ([item.section_index for item in shown.items], shown.last_section) == ([1, 1, 1], True)


def test_a_sections_own_deadline_moves_the_page_on(client, timed):
    sections = [dict(section) for section in timed.sections]
    sections[0]["deadline"] = (utcnow() - timedelta(seconds=1)).isoformat()
    timed.sections = sections
    db.session.commit()
    clock = client.get(f"/s/{timed.access_token}/clock").json
    assert clock["section"] == 1 and clock["status"] == "exam_started" and clock["remaining"] > 0
    soup = page(client.get(f"/s/{timed.access_token}"))
    assert soup.select_one("[data-exam]")["data-section"] == "1"


def test_untimed_sections_are_shown_together_with_their_headings(client, admin, make_exam, paper):
    exam = make_exam(assessment={"name": "Two parts", "sections": [
        SectionInput(name="Numbers", question_ids=paper[:2]), SectionInput(name="Words", question_ids=paper[2:])]})
    soup = page(client.get(f"/s/{start(register(admin, exam, 'un@example.com')).access_token}"))
    assert [heading.get_text() for heading in soup.select(".palette h3")] == ["Numbers", "Words"]
    assert len(soup.select("[data-question]")) == 5 and soup.select_one("[data-next-section]") is None


# The hot path ---------------------------------------------------------------------------------------------

def test_a_save_is_one_statement_on_postgresql_and_two_on_sqlite(client, running, statements):
    """PostgreSQL finds the running sitting by its link in the statement that saves (a WITH); SQLite loads it."""
    item_id, token = items_by_type(running)["SHORT_ANSWER"].id, running.access_token
    db.session.remove()   # the request must find nothing loaded beforehand
    statements.clear()
    response = client.post(f"/s/{token}/answers", json={"item_id": item_id, "answer": {"text": "Paris"}, "version": 1})
    assert response.json["saved"] is True
    assert [statement.split()[0] for statement in statements] == (["WITH"] if on_postgresql() else ["SELECT", "UPDATE"])
    assert "sitting_items" in statements[-1] and "questions" not in " ".join(statements)


def test_the_clock_of_a_page_keeping_its_heartbeat_costs_one_update(client, running, statements):
    token = running.access_token
    db.session.remove()
    statements.clear()
    first = client.get(f"/s/{token}/clock").json
    # The start was the first sign of life (the live monitor's "online"): the first poll keeps up with it.
    assert [statement.split()[0] for statement in statements] == ["UPDATE"], statements
    statements.clear()
    again = client.get(f"/s/{token}/clock").json
    # Proctoring (issue 5): the poll is also the page's heartbeat, one UPDATE of last_seen_at.
    assert [statement.split()[0] for statement in statements] == ["UPDATE"], statements
    assert again == {**first, "remaining": again["remaining"]} and first["remaining"] - again["remaining"] <= 1


def test_a_move_counts_its_time_in_one_statement_on_postgresql_and_an_event_is_one_insert(client, running, statements):
    """The move checks that the question is shown in the statement that moves: on PostgreSQL the same statement
    finds the sitting and counts the time on the question left; SQLite loads the sitting and updates twice."""
    token = running.access_token
    db.session.remove()
    statements.clear()
    client.post(f"/s/{token}/position", json={"position": 1})
    client.post(f"/s/{token}/events", json={"kind": "copy_attempt"})
    move = ["WITH"] if on_postgresql() else ["SELECT", "UPDATE", "UPDATE"]
    assert [statement.split()[0] for statement in statements] == [*move, "SELECT", "INSERT"]


def test_the_exam_page_reads_six_tables_and_no_plays_without_a_limited_recording(client, running, statements):
    """The page's statements are pinned: its sitting (with exam, institute and candidate), the items, their
    responses, the proctor's messages, the branding and the platforms that may frame it."""
    token = running.access_token
    db.session.remove()
    statements.clear()
    assert client.get(f"/s/{token}").status_code == 200
    read = [re.search(r"\bFROM\s+(\w+)", statement)[1] for statement in statements]
    assert read == ["sittings", "sitting_items", "responses", "candidate_messages", "white_labels", "lti_platforms"]


def test_a_move_to_a_question_not_shown_is_refused_and_changes_nothing(client, running):
    token = running.access_token
    for position in (20, -1):
        response = client.post(f"/s/{token}/position", headers=JSON, json={"position": position})
        assert response.status_code == 400 and response.json["error"]["message"] == "Invalid position."
    db.session.expire_all()
    assert taking.sitting_for_token(token).current_item == 0


def test_the_paper_is_frozen_when_the_session_opens_so_that_start_inserts_no_item(client, sitting, statements):
    """Candidates reach the instructions page one by one but press Start together: Start only fixes the deadline."""
    taking.start_check(sitting, ip_address="127.0.0.1")
    taking.complete_check(sitting, browser={"userAgent": "test"}, consent=True,
                          photos={"reference_photo": JPEG, "id_photo": JPEG})
    db.session.commit()
    frozen = db.session.scalars(select(SittingItem.id).where(SittingItem.sitting_id == sitting.id)
                                .order_by(SittingItem.position)).all()
    assert frozen and sitting.sections and sitting.started_at is None
    token = sitting.access_token
    db.session.remove()
    statements.clear()
    client.post(f"/s/{token}/start")
    inserts = [statement.split("(")[0].strip() for statement in statements if statement.startswith("INSERT")]
    assert inserts == ["INSERT INTO proctor_events"], inserts
    # Start answers with a redirect, which no browser checks for the frames it may be shown in: no lookup of the
    # learning platforms that may frame the exam page (the page itself looks them up).
    assert len(statements) == 3 and not any("lti_platforms" in statement for statement in statements), statements
    db.session.expire_all()
    started = taking.sitting_for_token(token)
    assert started.started_at is not None
    assert db.session.scalars(select(Response.item_id).where(Response.sitting_id == started.id)
                              .order_by(Response.item_id)).all() == frozen


def test_a_save_the_database_drops_is_not_acknowledged_and_the_next_is(client, running):
    """Pooled connections are not pinged before each use: a connection the database dropped (a restart) fails
    its request with a 503 in the page's JSON shape, so the page keeps the answer and sends it again."""
    item = items_by_type(running)["SHORT_ANSWER"]
    dbapi = db.engine.dialect.loaded_dbapi

    def dropped(*_arguments):
        raise dbapi.OperationalError("server closed the connection unexpectedly")

    event.listen(db.engine, "before_cursor_execute", dropped, once=True)
    refused = _save(client, running, item, {"text": "Paris"}, 1)
    assert refused.status_code == 503 and refused.json["error"]["code"] == "E503"
    assert _stored(item).version == 0
    assert _save(client, running, item, {"text": "Paris"}, 1).json["saved"] is True
    assert _stored(item).answer == {"text": "Paris"}
