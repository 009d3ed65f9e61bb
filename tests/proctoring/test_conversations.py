"""A sitting's conversation both ways (the candidate's panel, the proctor's answers, unread counts, reading)
and its timeline, through the services and the pages."""
from datetime import timedelta

import pytest
from bs4 import BeautifulSoup
from sqlalchemy import func, select

from tests.conftest import log_in
from tests.proctoring.conftest import T0, started
from webapp import create_app
from webapp.core import clock
from webapp.core.errors import Conflict, NotFound, PermissionDenied, ValidationError
from webapp.core.extensions import db, limiter
from webapp.proctoring import conversations, services
from webapp.proctoring.models import CandidateMessage, MessageAuthor, Snapshot
from webapp.reports import services as reports
from webapp.results.services import result_of, staff_result
from webapp.sittings import taking

KEY = "k" * 32


def _soup(response):
    return BeautifulSoup(response.get_data(as_text=True), "html.parser")


def _say(client, sitting, body, key=KEY):
    return client.post(f"/s/{sitting.access_token}/messages", json={"key": key, "body": body},
                       headers={"Accept": "application/json"})


def test_a_message_sent_twice_with_its_key_is_stored_once(client, running):
    first = _say(client, running, "May I use a dictionary?")
    again = _say(client, running, "May I use a dictionary?")
    assert first.status_code == again.status_code == 200 and first.json == again.json
    assert first.json["sent"] is True
    stored = db.session.scalars(select(CandidateMessage).where(CandidateMessage.sitting_id == running.id)).all()
    assert [(message.author, message.body, message.client_key) for message in stored] == [
        (MessageAuthor.CANDIDATE, "May I use a dictionary?", KEY)]
    # A candidate's message is never delivered back to the page by the clock poll.
    assert client.get(f"/s/{running.access_token}/clock").json["messages"] == []


def test_a_candidates_message_is_checked_and_refused_with_a_reason(client, running):
    for body, key, field in [("", KEY, "body"), ("x" * (conversations.MAX_MESSAGE + 1), KEY, "body"),
                             ("Hello", "short", "key"), ("Hello", "<script>" * 4, "key"), (["Hello"], KEY, "body")]:
        with pytest.raises(ValidationError) as refused:
            conversations.candidate_says(running, body, key)
        assert refused.value.field == field
    answer = _say(client, running, "x" * (conversations.MAX_MESSAGE + 1))
    assert answer.status_code == 400 and "1000" in answer.json["error"]["message"]
    assert client.post(f"/s/{running.access_token}/messages", data="not json", content_type="application/json",
                       headers={"Accept": "application/json"}).status_code == 400
    assert db.session.scalar(select(func.count()).select_from(CandidateMessage)) == 0
    taking.finish(running)
    db.session.commit()
    with pytest.raises(Conflict):
        conversations.candidate_says(running, "Still there?", KEY)
    assert _say(client, running, "Still there?").status_code == 409
    assert client.post("/s/no-such-link/messages", json={"key": KEY, "body": "Hi"},
                       headers={"Accept": "application/json"}).status_code == 404


def test_html_in_a_message_stays_text_on_both_sides(client, admin, running, pool_proctor):
    _say(client, running, '<img src=x onerror="alert(1)"> help')
    log_in(client, pool_proctor)
    page = client.get(f"/proctoring/sittings/{running.id}").get_data(as_text=True)
    assert '<img src=x onerror' not in page and "&lt;img src=x onerror=" in page
    exam_page = client.get(f"/s/{running.access_token}").get_data(as_text=True)
    assert '<img src=x onerror' not in exam_page


def test_unread_counts_in_the_monitor_and_reading_marks_them_read(client, admin, exam, pool_proctor):
    ann, bob = started(admin, exam), started(admin, exam, "bob@example.com")
    conversations.candidate_says(ann, "Question 3 has a typo.", "a" * 20)
    conversations.candidate_says(ann, "Also question 4.", "b" * 20)
    conversations.candidate_says(bob, "Can I have water?", "c" * 20)
    services.send_message(pool_proctor, bob.id, "Yes, go ahead.")   # the proctor's own never count as unread
    db.session.commit()
    rows = {row.sitting_id: row.unread for row in services.monitor(pool_proctor, exam.id)[1].items}
    assert rows == {ann.id: 2, bob.id: 1}

    log_in(client, pool_proctor)
    monitor = _soup(client.get(f"/proctoring/exams/{exam.id}/monitor", headers={"HX-Request": "true"}))
    cell = monitor.select_one(f"tr[data-sitting-id='{ann.id}'] [data-unread] a")
    assert cell.get_text(strip=True) == "2" and cell["href"].endswith(f"/proctoring/sittings/{ann.id}#conversation")

    clock.move(timedelta(minutes=1))
    page = _soup(client.get(f"/proctoring/sittings/{ann.id}"))
    lines = page.select("[data-conversation] li[data-author]")
    assert [(line["data-author"], line.select_one("span").get_text()) for line in lines] == [
        ("candidate", "Question 3 has a typo."), ("candidate", "Also question 4.")]
    assert page.select_one("[data-conversation]")["hx-get"] == f"/proctoring/sittings/{ann.id}/conversation"
    rows = {row.sitting_id: row.unread for row in services.monitor(pool_proctor, exam.id)[1].items}
    assert rows == {ann.id: 0, bob.id: 1}
    read_at = db.session.scalars(select(CandidateMessage.read_at).where(CandidateMessage.sitting_id == ann.id)).all()
    assert read_at == [T0 + timedelta(minutes=1)] * 2

    # The htmx refresh reads what came since, and answers with the list alone.
    conversations.candidate_says(bob, "Thanks!", "d" * 20)
    db.session.commit()
    fragment = _soup(client.get(f"/proctoring/sittings/{bob.id}/conversation", headers={"HX-Request": "true"}))
    assert fragment.select_one("h1") is None
    assert [line.select_one("span").get_text() for line in fragment.select("li[data-author]")] == [
        "Can I have water?", "Yes, go ahead.", "Thanks!"]
    assert fragment.select("li[data-author='proctor'] small")[0].get_text() == "(not seen yet)"
    assert {row.sitting_id: row.unread for row in services.monitor(pool_proctor, exam.id)[1].items}[bob.id] == 0


def test_another_institutes_proctor_finds_no_conversation(client, factory, running, outsider):
    conversations.candidate_says(running, "Hello?", KEY)
    db.session.commit()
    _, other_admin = factory.institute("Elsewhere")
    with pytest.raises(NotFound):
        services.sitting_conversation(other_admin, running.id)
    log_in(client, other_admin)
    assert client.get(f"/proctoring/sittings/{running.id}/conversation").status_code == 404
    # Nor does a proctor outside the exam's pool read it (and mark it read).
    with pytest.raises(PermissionDenied):
        services.sitting_conversation(outsider, running.id)
    assert db.session.scalar(select(CandidateMessage.read_at)) is None


def test_the_candidate_reads_the_conversation_and_never_staff_notes(client, admin, running, pool_proctor):
    services.raise_flag(pool_proctor, running.id, "phone", "Phone on the desk, staff only")
    services.send_message(pool_proctor, running.id, "Please put the phone away.")
    services.send_message(pool_proctor, running.id, "Thank you.")
    db.session.commit()
    # Delivered by the clock poll once, then part of the conversation the page opens with.
    clock_answer = client.get(f"/s/{running.access_token}/clock").json
    assert clock_answer["messages"] == ["Please put the phone away.", "Thank you."]
    _say(client, running, "Done.")
    page = _soup(client.get(f"/s/{running.access_token}"))
    panel = page.select_one("section[data-conversation]")
    assert panel.has_attr("hidden") and page.select_one("[data-conversation-toggle]")["aria-controls"] == "conversation"
    assert [(line["class"][0], line.select_one("span").get_text()) for line in panel.select("li")] == [
        ("theirs", "Please put the phone away."), ("theirs", "Thank you."), ("mine", "Done.")]
    assert "staff only" not in page.get_text() and "staff only" not in str(clock_answer)
    assert client.get(f"/s/{running.access_token}/clock").json["messages"] == []


def test_staffs_report_holds_the_conversation_and_the_candidates_does_not(app, client, admin, running, pool_proctor):
    services.send_message(pool_proctor, running.id, "Five minutes left in the room.")
    conversations.candidate_says(running, "Understood, thank you.", KEY)
    taking.finish(running)
    db.session.commit()
    with app.test_request_context():
        staff_html = reports.report_html(staff_result(running), "pdf/report.html", for_staff=True)
        candidates_html = reports.report_html(result_of(running))
    section = _soup_text(staff_html, "section[data-conversation]")
    assert "Five minutes left in the room." in section and "Understood, thank you." in section
    assert "Understood" not in candidates_html
    assert "Understood" not in client.get(f"/reports/{running.report_key}").get_data(as_text=True)
    log_in(client, admin)
    result_page = _soup(client.get(f"/sittings/{running.id}/result"))
    assert [line.select_one("span").get_text() for line in result_page.select("[data-conversation] li[data-author]")] \
        == ["Five minutes left in the room.", "Understood, thank you."]


def _soup_text(html: str, selector: str) -> str:
    found = BeautifulSoup(html, "html.parser").select_one(selector)
    return found.get_text(" ", strip=True) if found else ""


def test_staffs_pdf_report_holds_the_conversation(client, admin, running, pdf_text):
    conversations.candidate_says(running, "Is the audio supposed to be silent?", KEY)
    taking.finish(running)
    db.session.commit()
    log_in(client, admin)
    staff_pdf = client.get(f"/sittings/{running.id}/report.pdf")
    assert staff_pdf.mimetype == "application/pdf"
    assert "Is the audio supposed to be silent?" in pdf_text(staff_pdf.data)
    candidates_pdf = client.get(f"/reports/{running.report_key}.pdf")
    assert candidates_pdf.mimetype == "application/pdf" and "audio supposed" not in pdf_text(candidates_pdf.data)


def test_the_timeline_puts_everything_in_time_order(client, admin, exam, pool_proctor):
    sitting = started(admin, exam)
    clock.move(timedelta(minutes=1))
    conversations.candidate_says(sitting, "My camera froze.", KEY)
    clock.move(timedelta(minutes=1))
    db.session.add(Snapshot(institute_id=sitting.institute_id, sitting_id=sitting.id,
                            storage_key=f"{sitting.institute_id}/{sitting.id}/snapshot-{'a' * 24}.jpg",
                            created_at=clock.utcnow()))
    clock.move(timedelta(minutes=1))
    services.raise_flag(pool_proctor, sitting.id, "phone", "A phone in view")
    clock.move(timedelta(minutes=1))
    services.send_message(pool_proctor, sitting.id, "Please put it away.")
    db.session.commit()
    detail = services.sitting_detail(pool_proctor, sitting.id)
    moments = [(moment.kind, getattr(moment.record, "kind", None)) for moment in detail["timeline"]]
    assert moments[-4:] == [("message", None), ("snapshot", None), ("event", "flag_raised"),
                            ("event", "message_sent")]
    assert [moment.at for moment in detail["timeline"]] == sorted(moment.at for moment in detail["timeline"])
    assert [moment.flagged for moment in detail["timeline"]].count(True) == 1

    log_in(client, pool_proctor)
    page = _soup(client.get(f"/proctoring/sittings/{sitting.id}"))
    rows = page.select("[data-timeline] tbody tr")
    kinds = [row.get("data-event") or ("message" if row.has_attr("data-message") else "snapshot") for row in rows]
    assert kinds[-4:] == ["message", "snapshot", "flag_raised", "message_sent"]
    flagged, = page.select("[data-timeline] tr[data-flagged]")
    assert flagged["data-event"] == "flag_raised" and flagged["tabindex"] == "-1"
    assert [button["aria-keyshortcuts"] for button in page.select("[data-step-flag]")] == ["p", "n"]
    thumbnail = page.select_one("[data-timeline] tr[data-snapshot] button[data-enlarge]")
    assert thumbnail["aria-expanded"] == "false" and thumbnail.img["src"].startswith("/proctoring/snapshots/")
    assert page.select_one("script[type=module][src*='review.js']") is not None


def test_a_candidates_messages_are_rate_limited_per_link(app_config, admin, exam, monkeypatch):
    ann, bob = started(admin, exam), started(admin, exam, "bob@example.com")
    # The limiter is one object for every app: give it back disabled to the other tests.
    monkeypatch.setattr(limiter, "enabled", limiter.enabled)
    limited = create_app({**app_config, "RATELIMIT_ENABLED": True}).test_client()
    statuses = [_say(limited, ann, f"Message {number}", key=f"{number:032d}").status_code for number in range(11)]
    assert statuses == [200] * 10 + [429]
    assert _say(limited, bob, "From the same room", key="b" * 32).status_code == 200
