"""The grading queue and the grader's mark: the queue, bounds, the sitting graded once with its webhook
and e-mail delivered for real, corrections, blind grading, tenancy, roles and the console's flow."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
from bs4 import BeautifulSoup
from sqlalchemy import func, select

from tests.conftest import log_in, right_answer
from webapp.assessments.services import AssessmentInput, SectionInput, create_assessment
from webapp.audit.models import AuditEntry
from webapp.bank.services import QuestionInput, create_question, create_skill
from webapp.core.errors import NotFound, PermissionDenied, ValidationError
from webapp.core.extensions import db
from webapp.notifications.models import OutboxMessage
from webapp.notifications.worker import deliver_due
from webapp.results import grading
from webapp.sittings.models import Response, SittingItem

T0 = datetime(2026, 11, 2, 9, 0, tzinfo=timezone.utc)
ESSAY = "<script>alert('x')</script>\nDear Sir,\n    I write   to complain."


def _page(response) -> BeautifulSoup:
    assert response.status_code == 200, response.status_code
    return BeautifulSoup(response.get_data(as_text=True), "html.parser")


@pytest.fixture
def essay_exam(admin, factory, receiver):  # noqa: F811
    """Two 1-mark MCQs, an essay worth 5 with guidance in the bank and a short answer worth 2 without
    accepted answers; graded results go to the receiver and to grades@example.com."""
    skill = create_skill(admin, "Writing")
    ids = [create_question(admin, QuestionInput(type="MCQ", skill_id=skill.id, difficulty="EASY",
                                                stem=f"<p>MCQ {n}</p>",
                                                options=[{"html": "yes", "correct": True}, {"html": "no"}])).id
           for n in (1, 2)]
    ids.append(create_question(admin, QuestionInput(
        type="LONG_ANSWER", skill_id=skill.id, difficulty="MEDIUM", stem="<p>Write a <em>letter</em> of complaint.</p>",
        marks=5, explanation="<p>Look for a clear request.</p>")).id)
    ids.append(create_question(admin, QuestionInput(type="SHORT_ANSWER", skill_id=skill.id, difficulty="EASY",
                                                    stem="<p>Name a greeting.</p>", marks=2)).id)
    assessment = create_assessment(admin, AssessmentInput(name="Writing test", duration=30,
                                                          sections=[SectionInput(name="All", question_ids=ids)]))
    db.session.commit()
    return factory.exam(admin, assessment=assessment, name="Spring writing",
                        test_graded_notification_url=receiver.url("/graded"),
                        grade_notification_enabled=True, grade_notification_recipients=["grades@example.com"])


def _answers(item):
    return {"text": ESSAY} if item.question_type == "LONG_ANSWER" else right_answer(item)


def _finished(factory, admin, exam, minutes: int = 0, **person):
    return factory.finished_sitting(admin, exam, answer=_answers, now=T0 + timedelta(minutes=minutes), **person)


def _manual(sitting) -> dict[str, Response]:
    """The sitting's essay and short answer responses, by question type."""
    return {item_type: response for item_type, response in db.session.execute(
        select(SittingItem.question_type, Response).join(Response, Response.item_id == SittingItem.id)
        .where(SittingItem.sitting_id == sitting.id, SittingItem.question_type.in_(["LONG_ANSWER", "SHORT_ANSWER"])))}


def _queue_rows(page: BeautifulSoup) -> list[tuple[int, str]]:
    return [(int(row["data-response-id"]), row.select_one("[data-candidate]").get_text(strip=True))
            for row in page.select("table.grading-queue tbody tr")]


# The queue ----------------------------------------------------------------------------------------------

def test_the_queue_lists_the_waiting_answers_oldest_first(admin_client, admin, factory, essay_exam):
    later = _finished(factory, admin, essay_exam, 60, first_name="Zoe", last_name="Late")
    earlier = _finished(factory, admin, essay_exam, 0, first_name="Abe", last_name="Early")
    machine_only = factory.exam(admin, name="Quiz")
    factory.finished_sitting(admin, machine_only, answer=right_answer, now=T0)

    page = _page(admin_client.get("/grading"))

    first, second = _manual(earlier), _manual(later)
    assert _queue_rows(page) == [(first["LONG_ANSWER"].id, "Abe Early"), (first["SHORT_ANSWER"].id, "Abe Early"),
                                 (second["LONG_ANSWER"].id, "Zoe Late"), (second["SHORT_ANSWER"].id, "Zoe Late")]
    row = page.select_one("table.grading-queue tbody tr").get_text(" ", strip=True)
    assert "Spring writing" in row and "Essay" in row and "Writing" in row and "02 Nov 2026 09:10 UTC" in row
    assert page.select_one("[data-waiting]").get_text() == "4"
    assert page.select_one("a[data-start]")["href"] == f"/grading/{first['LONG_ANSWER'].id}"
    # The filter offers the exams with waiting answers only.
    assert [option.get_text(strip=True) for option in page.select("#exam_id option")] == [
        "All exams", "Spring writing (4 waiting)"]

    assert _page(admin_client.get(f"/grading?exam_id={machine_only.id}")).select_one("[data-empty]")
    filtered = _page(admin_client.get(f"/grading?exam_id={essay_exam.id}"))
    assert len(_queue_rows(filtered)) == 4
    assert filtered.select_one("a[data-start]")["href"] == f"/grading/{first['LONG_ANSWER'].id}?exam_id={essay_exam.id}"


def test_the_queue_pages(admin, factory, essay_exam):
    for minutes in range(3):
        _finished(factory, admin, essay_exam, minutes)

    page = grading.grading_queue(admin, page=2, per_page=4)

    assert (page.total, page.pages, page.has_prev, page.has_next, len(page.items)) == (6, 2, True, False, 2)


# Marks --------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("marks", ["-0.5", "5.01", "many", "", "nan", None])
def test_marks_out_of_bounds_are_refused_and_change_nothing(admin, factory, essay_exam, marks):
    sitting = _finished(factory, admin, essay_exam)
    essay = _manual(sitting)["LONG_ANSWER"]

    with pytest.raises(ValidationError) as refused:
        grading.grade_response(admin, essay.id, marks, "Fine.")
    db.session.rollback()

    assert refused.value.field == "marks"
    db.session.refresh(essay)
    db.session.refresh(sitting)
    assert (essay.needs_grading, essay.awarded, essay.marked_at, essay.grader_comment) == (True, None, None, "")
    assert (sitting.graded_at, sitting.total_marks) == (None, 2.0)


def test_a_machine_scored_answer_is_no_grader_s_business(admin, factory, essay_exam):
    sitting = _finished(factory, admin, essay_exam)
    mcq = db.session.scalar(select(Response).join(SittingItem, SittingItem.id == Response.item_id)
                            .where(SittingItem.sitting_id == sitting.id, SittingItem.question_type == "MCQ"))
    with pytest.raises(NotFound):
        grading.grade_response(admin, mcq.id, 1)


def test_the_last_mark_grades_the_sitting_and_tells_everyone_once(admin, factory, essay_exam, receiver,
                                                                 smtp_server):  # noqa: F811
    sitting = _finished(factory, admin, essay_exam)
    manual = _manual(sitting)

    grading.grade_response(admin, manual["LONG_ANSWER"].id, "3.5", "  Clear, but short.  ")
    db.session.commit()
    deliver_due()
    assert sitting.graded_at is None and sitting.total_marks == 5.5
    assert receiver.at("/graded") == [] and smtp_server.received == []

    grading.grade_response(admin, manual["SHORT_ANSWER"].id, 2)
    db.session.commit()
    assert deliver_due()["sent"] == 2

    assert sitting.graded_at is not None and (sitting.total_marks, sitting.max_marks) == (7.5, 9.0)
    essay = manual["LONG_ANSWER"]
    assert (essay.awarded, essay.correct, essay.marked_by_id, essay.grader_comment) == (3.5, True, admin.id,
                                                                                        "Clear, but short.")
    [graded] = receiver.at("/graded")
    assert (graded.json()["marks_scored"], graded.json()["max_marks"]) == (7.5, 9)
    [mail] = smtp_server.received
    assert mail.rcpt_tos == ["grades@example.com"] and "Marks: 7.5 of 9" in mail.body()

    # A correction of the released result changes the total: the integrator and the grade recipients hear
    # the new marks once (a standard test e-mails the candidate no outcome, so no correction either).
    grading.grade_response(admin, essay.id, 1, "On second reading: off topic.")
    db.session.commit()
    assert deliver_due()["sent"] == 2
    assert (sitting.total_marks, essay.awarded, essay.correct) == (5.0, 1.0, False)
    assert [call.json()["marks_scored"] for call in receiver.at("/graded")] == [7.5, 5]
    assert len(smtp_server.received) == 2 and "Marks: 5 of 9" in smtp_server.received[1].body()
    # Who marked what, and the correction with the mark it replaced, are in the audit log.
    marks = db.session.scalars(select(AuditEntry).where(AuditEntry.action == "response.grade")
                               .order_by(AuditEntry.id)).all()
    assert [(entry.target_id, entry.actor_id, entry.before.get("awarded"), entry.after["awarded"])
            for entry in marks] == [(essay.id, admin.id, None, 3.5), (manual["SHORT_ANSWER"].id, admin.id, None, 2.0),
                                    (essay.id, admin.id, 3.5, 1.0)]


# Who sees and who grades --------------------------------------------------------------------------------

def test_blind_grading_hides_the_candidate(client, admin, factory, essay_exam):
    sitting = _finished(factory, admin, essay_exam, first_name="Henrietta", last_name="Quill",
                        email="hq@example.com")
    essay = _manual(sitting)["LONG_ANSWER"]
    log_in(client, admin)
    assert "Henrietta Quill" in client.get("/grading").get_data(as_text=True)

    saved = client.post("/institute", data={"name": admin.institute.name, "blind_grading": "y"})
    assert saved.status_code == 302 and admin.institute.blind_grading is True

    for url in ("/grading", f"/grading/{essay.id}"):
        page = _page(client.get(url))
        text = page.get_text(" ")
        assert "Henrietta" not in text and "Quill" not in text and "hq@example.com" not in text
        assert page.select_one("[data-candidate]").get_text(strip=True) == f"Candidate #{sitting.id}"
    answer = client.post(f"/grading/{essay.id}", data={"marks": "4"})
    assert answer.status_code == 302
    flashes = _page(client.get(answer.headers["Location"])).select(".flash")
    assert f"4 of 5 marks saved for Candidate #{sitting.id}." in [flash.get_text(strip=True) for flash in flashes]
    audit_page = _page(client.get("/audit", query_string={"action": "response.grade"})).get_text(" ")
    assert f"Candidate #{sitting.id}" in audit_page and "Quill" not in audit_page

    client.post("/institute", data={"name": admin.institute.name})
    assert admin.institute.blind_grading is False


def test_another_institutes_answer_is_not_found(client, admin, factory, essay_exam):
    essay = _manual(_finished(factory, admin, essay_exam))["LONG_ANSWER"]
    stranger = factory.institute("Other School")[1]
    log_in(client, stranger)

    assert client.get(f"/grading/{essay.id}").status_code == 404
    assert client.post(f"/grading/{essay.id}", data={"marks": "5"}).status_code == 404
    assert _page(client.get("/grading")).select_one("[data-empty]")
    with pytest.raises(NotFound):
        grading.grade_response(stranger, essay.id, 5)
    db.session.rollback()
    db.session.refresh(essay)
    assert essay.needs_grading and essay.awarded is None


@pytest.mark.parametrize("role", ["proctor", "support"])
def test_proctors_and_support_cannot_grade(client, admin, factory, essay_exam, role):
    essay = _manual(_finished(factory, admin, essay_exam))["LONG_ANSWER"]
    user = factory.staff(admin.institute, role)
    log_in(client, user)

    assert client.get("/grading").status_code == 403
    assert client.get(f"/grading/{essay.id}").status_code == 403
    assert client.post(f"/grading/{essay.id}", data={"marks": "5"}).status_code == 403
    with pytest.raises(PermissionDenied):
        grading.grade_response(user, essay.id, 5)
    db.session.rollback()
    db.session.refresh(essay)
    assert essay.needs_grading and essay.awarded is None


# The console's flow -------------------------------------------------------------------------------------

def test_the_grader_marks_one_answer_after_another(client, admin, factory, essay_exam):
    examiner = factory.staff(admin.institute, "examiner", name="Edna Examiner")
    sitting = _finished(factory, admin, essay_exam, first_name="Ann", last_name="Lee")
    manual = _manual(sitting)
    log_in(client, examiner)
    start = _page(client.get(f"/grading?exam_id={essay_exam.id}")).select_one("a[data-start]")["href"]

    page = _page(client.get(start))
    assert page.select_one(".question-stem em").get_text() == "letter"
    assert page.select_one(".grading-guidance").get_text(strip=True) == "Look for a clear request."
    # The answer is text: the tag in it stays text, its line breaks and spaces are kept.
    response = page.select_one("[data-response]")
    assert response.get_text() == ESSAY and response.find("script") is None
    assert page.select_one("input[name=marks]")["max"] == "5"

    refused = _page(client.post(start, data={"marks": "6", "comment": "Good effort"}))
    assert refused.select_one(".field-error").get_text() == "The marks must be between 0 and 5."
    assert refused.select_one("input[name=marks]")["value"] == "6"
    assert refused.select_one("textarea[name=comment]").get_text(strip=True) == "Good effort"
    assert _manual(sitting)["LONG_ANSWER"].awarded is None

    following = client.post(start, data={"marks": "4.5", "comment": "Good effort"})
    assert following.headers["Location"] == f"/grading/{manual['SHORT_ANSWER'].id}?exam_id={essay_exam.id}"
    assert _page(client.get(following.headers["Location"])).select_one(".flash-success").get_text(strip=True) == \
        "4.5 of 5 marks saved for Ann Lee."

    done = client.post(following.headers["Location"], data={"marks": "0"})
    assert done.headers["Location"] == f"/grading?exam_id={essay_exam.id}"
    assert _page(client.get(done.headers["Location"])).select_one("[data-empty]")
    db.session.refresh(sitting)
    assert sitting.graded_at is not None and sitting.total_marks == 6.5
    assert _manual(sitting)["LONG_ANSWER"].marked_by_id == examiner.id


def test_a_correction_goes_back_where_it_came_from(admin_client, admin, factory, essay_exam):
    essay = _manual(_finished(factory, admin, essay_exam))["LONG_ANSWER"]
    grading.grade_response(admin, essay.id, 2, "First reading")
    db.session.commit()

    page = _page(admin_client.get(f"/grading/{essay.id}"))
    assert page.select_one("[data-marked]") is not None
    assert page.select_one("input[name=marks]")["value"] == "2"
    assert page.select_one("textarea[name=comment]").get_text(strip=True) == "First reading"

    back = admin_client.post(f"/grading/{essay.id}?next=/exams/{essay_exam.id}", data={"marks": "3"})
    assert back.headers["Location"] == f"/exams/{essay_exam.id}"
    elsewhere = admin_client.post(f"/grading/{essay.id}?next=https://evil.example/",
                                  data={"marks": "3", "comment": "Second reading"})
    assert elsewhere.headers["Location"] == "/grading"
    db.session.refresh(essay)
    assert (essay.awarded, essay.grader_comment) == (3.0, "Second reading")


def test_the_dashboard_reminds_graders_of_waiting_answers(client, admin, factory, essay_exam):
    _finished(factory, admin, essay_exam)
    log_in(client, admin)
    reminder = BeautifulSoup(client.get("/").get_data(as_text=True), "html.parser").select_one(
        "[data-waiting-for-grader]")
    assert " ".join(reminder.get_text().split()) == "2 answers wait for a grader"
    assert reminder.a["href"] == "/grading"
    client.post("/logout")
    log_in(client, factory.staff(admin.institute, "proctor"))
    assert BeautifulSoup(client.get("/").get_data(as_text=True), "html.parser").select_one(
        "[data-waiting-for-grader]") is None
