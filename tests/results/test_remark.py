"""Every answer on a sitting's result page, and the examiner's re-mark of any item (machine-scored ones
included) through the console as a person uses it (with and without htmx) and through the service: the
totals, the percentile and the outcome follow, the certificate is issued as grading issues it, and the
audit log names who changed what, from what, to what, and why."""
from __future__ import annotations

from datetime import datetime, timezone

import pytest
from bs4 import BeautifulSoup
from sqlalchemy import select

from tests.conftest import log_in, right_answer
from tests.results.helpers import tagged_assessment
from tests.results.test_results_services import take
from webapp.assessments.services import AssessmentInput, SectionInput, create_assessment
from webapp.audit.models import AuditEntry
from webapp.bank.services import QuestionInput, create_question, create_skill
from webapp.core.errors import NotFound, ValidationError
from webapp.core.extensions import db
from webapp.results import grading
from webapp.results.models import Certificate
from webapp.sittings import taking
from webapp.sittings.models import Response, Sitting

T0 = datetime(2026, 5, 4, 9, 0, tzinfo=timezone.utc)


def html(response) -> BeautifulSoup:
    assert response.status_code == 200, response.status_code
    return BeautifulSoup(response.get_data(as_text=True), "html.parser")


def facts(soup: BeautifulSoup) -> dict[str, str]:
    return {dd["data-field"]: dd.get_text(" ", strip=True) for dd in soup.select(".result-facts dd[data-field]")}


@pytest.fixture
def exam(admin, factory):
    """A B1 certification of four MCQs worth 1 mark, -0.5 when wrong, passed at 60 %."""
    assessment = tagged_assessment(admin, ["B1"] * 4, kind="certification", name="B1 certificate",
                                   negative_marks=-0.5, target_level="B1", pass_mark_percent=60)
    return factory.exam(admin, assessment, name="May session")


def sit(admin, exam, email: str, first_name: str, right: int, flagged: int | None = None) -> Sitting:
    return take(admin, exam, email, first_name=first_name, right=right, flagged=flagged, start=T0)


def responses(sitting: Sitting) -> list[Response]:
    items, by_item = taking.items_and_responses(sitting)
    return [by_item[item.id] for item in items]


def certificate(sitting: Sitting) -> Certificate | None:
    return db.session.scalar(select(Certificate).where(Certificate.sitting_id == sitting.id))


# The answers on the result page -------------------------------------------------------------------------

def test_the_result_page_lists_every_item_as_the_candidate_saw_it(admin_client, admin, exam):
    sitting = sit(admin, exam, "bo@example.com", "Bo", right=2, flagged=3)
    items, by_item = taking.items_and_responses(sitting)

    soup = html(admin_client.get(f"/sittings/{sitting.id}/result"))

    articles = soup.select("#answers article.answered-item")
    assert [article["id"] for article in articles] == ["item-1", "item-2", "item-3", "item-4"]
    assert [int(article["data-response-id"]) for article in articles] == [by_item[item.id].id for item in items]
    for number, (article, item) in enumerate(zip(articles, items)):
        stem = BeautifulSoup(item.stem, "html.parser").get_text()
        assert article.select_one(".question-stem").get_text(strip=True) == stem
        # The options in the candidate's (shuffled) order, the chosen one and the key marked.
        assert [li["data-option"] for li in article.select(".answer-options li")] == [o["id"] for o in item.options]
        [key] = article.select("li[data-key]")
        [chosen] = article.select("li[data-chosen]")
        assert key["data-option"] in item.key["correct"]
        assert (chosen is key) == (number < 2)
        assert chosen["data-option"] == by_item[item.id].answer["option"]
        marks = article.select_one("[data-marks]").get_text(" ", strip=True)
        assert marks == ("1 of 1 marks" if number < 2 else "-0.5 of 1 marks")
        assert (article.select_one("[data-flagged]") is not None) == (number == 3)
        assert article.select_one("form[data-remark]")["action"] == \
            f"/sittings/{sitting.id}/answers/{by_item[item.id].id}/marks"
        field = article.select_one("form[data-remark] input[type=number]")
        assert (field["min"], field["max"], field["value"]) == ("-0.5", "1", "1" if number < 2 else "-0.5")


def test_typed_answers_show_with_the_accepted_answers_and_an_essay_waits(admin_client, admin, factory,
                                                                          essay_certification):
    sitting = factory.finished_sitting(admin, essay_certification, answer=lambda item: (
        {"text": "<b>My town</b>\nis small."} if item.question_type == "LONG_ANSWER" else None))

    soup = html(admin_client.get(f"/sittings/{sitting.id}/result"))

    first, second, essay = soup.select("#answers article.answered-item")
    assert first.select_one("[data-unanswered]") and not first.select("li[data-chosen]")
    assert essay.select_one("[data-typed]").get_text() == "<b>My town</b>\nis small."   # escaped, kept as typed
    assert essay.select_one("[data-marks]").get_text(strip=True) == "waits for a grader"
    # Marking the waiting essay here is a first mark: no reason needed, and it grades the sitting.
    response_id = int(essay["data-response-id"])
    done = admin_client.post(f"/sittings/{sitting.id}/answers/{response_id}/marks",
                             data={f"item-{response_id}-marks": "5"})
    assert done.status_code == 302
    db.session.refresh(sitting)
    assert sitting.graded_at is not None and sitting.total_marks == 5


# Re-marking through the console -------------------------------------------------------------------------

def test_a_re_mark_turns_a_fail_into_a_pass_with_its_certificate_and_audit(client, admin, factory, exam):
    ann = sit(admin, exam, "ann@example.com", "Ann", right=3)          # 3 - 0.5 = 2.5 of 4: passed
    bo = sit(admin, exam, "bo@example.com", "Bo", right=2)             # 2 - 1 = 1 of 4: failed
    assert (ann.passed, bo.passed, certificate(bo)) == (True, False, None)
    examiner = factory.staff(admin.institute, "examiner", name="Erin Examiner")
    log_in(client, examiner)
    before = facts(html(client.get(f"/sittings/{bo.id}/result")))
    assert (before["marks"], before["percentile"].split()[0]) == ("1 of 4", "50")
    third = responses(bo)[2]

    saved = client.post(f"/sittings/{bo.id}/answers/{third.id}/marks",
                        data={f"item-{third.id}-marks": "1", f"item-{third.id}-comment": "The key was wrong."})

    assert saved.status_code == 302 and saved.headers["Location"] == f"/sittings/{bo.id}/result#item-3"
    page = html(client.get(saved.headers["Location"]))
    assert "Item 3: 1 of 1 marks saved. The result follows the new marks." in page.select_one(".flash").get_text()
    after = facts(page)
    assert after["marks"] == "2.5 of 4" and after["percentile"].split()[0] == "100"
    assert after["outcome"].startswith("passed")
    row = page.select_one("tr.section-row [data-field=marks]").get_text(strip=True)
    assert row == "2.5"
    article = page.select_one("#item-3")
    assert article.select_one("[data-marks]").get_text(" ", strip=True) == "1 of 1 marks"
    assert "Marked by Erin Examiner" in article.select_one("[data-marked-by]").get_text()
    assert "The key was wrong." in article.select_one("[data-marked-by]").get_text()
    # The certificate is issued as grading issues it; the result on the documents section says so.
    db.session.refresh(bo)
    assert bo.passed is True and certificate(bo).is_valid and bo.candidate.current_level.value == "B1"
    assert page.select_one("[data-certificate-id]") is not None
    # Audited: who, before (with who had set it) and after, by name.
    entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "response.grade"))
    assert (entry.actor_name, entry.target_id) == ("Erin Examiner", third.id)
    assert entry.before == {"awarded": -0.5, "comment": "", "marked by": "automatic scoring"}
    assert (entry.after["awarded"], entry.after["comment"], entry.after["marked by"]) == (
        1.0, "The key was wrong.", "Erin Examiner")
    assert entry.target_label.startswith("Item 3: Question") and "Bo Lee" in entry.target_label
    audit_page = html(client.get("/audit", query_string={"action": "response.grade"})).get_text(" ")
    assert "Erin Examiner" in audit_page and "automatic scoring" in audit_page

    # A second re-mark back down withdraws the certificate, as a grader's correction does.
    client.post(f"/sittings/{bo.id}/answers/{third.id}/marks",
                data={f"item-{third.id}-marks": "-0.5", f"item-{third.id}-comment": "Second look: the key was right."})
    db.session.refresh(bo)
    assert (bo.total_marks, bo.passed) == (1.0, False) and not certificate(bo).is_valid


def test_htmx_swaps_the_page_s_main_part(admin_client, admin, exam):
    sitting = sit(admin, exam, "bo@example.com", "Bo", right=2)
    fourth = responses(sitting)[3]
    form = html(admin_client.get(f"/sittings/{sitting.id}/result")).select_one(
        f"article[data-response-id='{fourth.id}'] form[data-remark]")
    assert (form["hx-post"], form["hx-target"], form["hx-select"], form["hx-swap"]) == (
        form["action"], "main", "main", "outerHTML")

    refused = html(admin_client.post(form["action"], headers={"HX-Request": "true"},
                                     data={f"item-{fourth.id}-marks": "1"}))
    errors = refused.select_one(f"article[data-response-id='{fourth.id}']").select(".field-error")
    assert [error.get_text() for error in errors] == ["Give the reason for changing the marks."]
    assert refused.select_one(f"article[data-response-id='{fourth.id}'] details.remark").has_attr("open")

    followed = admin_client.post(form["action"], headers={"HX-Request": "true"}, follow_redirects=True,
                                 data={f"item-{fourth.id}-marks": "0", f"item-{fourth.id}-comment": "Half right."})
    assert facts(html(followed))["marks"] == "1.5 of 4"


@pytest.mark.parametrize("marks, error", [
    ("", "Give the marks as a number."), ("one", "Give the marks as a number."),
    ("nan", "The marks must be between -0.5 and 1."), ("inf", "The marks must be between -0.5 and 1."),
    ("1e999", "The marks must be between -0.5 and 1."), ("-0.51", "The marks must be between -0.5 and 1."),
    ("1.01", "The marks must be between -0.5 and 1."), ("9" * 5000, "The marks must be between -0.5 and 1.")])
def test_hostile_marks_are_form_errors_and_change_nothing(admin_client, admin, exam, marks, error):
    sitting = sit(admin, exam, "bo@example.com", "Bo", right=2)
    third = responses(sitting)[2]

    page = html(admin_client.post(f"/sittings/{sitting.id}/answers/{third.id}/marks",
                                  data={f"item-{third.id}-marks": marks, f"item-{third.id}-comment": "Because."}))

    article = page.select_one(f"article[data-response-id='{third.id}']")
    assert [e.get_text() for e in article.select(".field-error")] == [error]
    assert article.select_one(f"textarea[name='item-{third.id}-comment']").get_text(strip=True) == "Because."
    db.session.refresh(third)
    db.session.refresh(sitting)
    assert (third.awarded, third.marked_at, sitting.total_marks) == (-0.5, None, 1.0)
    assert db.session.scalar(select(AuditEntry).where(AuditEntry.action == "response.grade")) is None


def test_a_reason_is_required_and_kept_short(admin_client, admin, exam):
    sitting = sit(admin, exam, "bo@example.com", "Bo", right=2)
    third = responses(sitting)[2]
    url = f"/sittings/{sitting.id}/answers/{third.id}/marks"
    for reason, error in (("   ", "Give the reason for changing the marks."),
                          ("x" * 5001, "Keep the comment under 5000 characters.")):
        page = html(admin_client.post(url, data={f"item-{third.id}-marks": "1", f"item-{third.id}-comment": reason}))
        assert [e.get_text() for e in page.select(f"#item-3 .field-error")] == [error]
    db.session.refresh(third)
    assert third.awarded == -0.5


def test_who_may_re_mark(client, admin, factory, exam):
    sitting = sit(admin, exam, "bo@example.com", "Bo", right=2)
    third = responses(sitting)[2]
    support = factory.staff(admin.institute, "support")
    log_in(client, support)
    page = html(client.get(f"/sittings/{sitting.id}/result"))
    assert page.select("#answers article") and not page.select("form[data-remark]")
    refused = html(client.post(f"/sittings/{sitting.id}/answers/{third.id}/marks",
                               data={f"item-{third.id}-marks": "1", f"item-{third.id}-comment": "Let me."}))
    assert refused.select_one("#answers .flash-error") is not None
    db.session.refresh(third)
    assert third.awarded == -0.5


def test_another_institute_s_or_another_sitting_s_answer_is_not_found(client, admin, factory, exam):
    sitting = sit(admin, exam, "bo@example.com", "Bo", right=2)
    other = sit(admin, exam, "cy@example.com", "Cy", right=2)
    third = responses(sitting)[2]
    stranger = factory.institute("Other School")[1]
    with pytest.raises(NotFound):
        grading.remark(stranger, sitting.id, third.id, 1, "Mine now.")
    with pytest.raises(NotFound):
        grading.remark(admin, other.id, third.id, 1, "Wrong sitting.")
    log_in(client, stranger)
    assert client.get(f"/sittings/{sitting.id}/result").status_code == 404
    assert client.post(f"/sittings/{sitting.id}/answers/{third.id}/marks",
                       data={f"item-{third.id}-marks": "1", f"item-{third.id}-comment": "x"}).status_code == 404
    client.post("/logout")
    log_in(client, admin)
    page = html(client.post(f"/sittings/{other.id}/answers/{third.id}/marks",
                            data={f"item-{third.id}-marks": "1", f"item-{third.id}-comment": "x"}))
    assert "Response not found." in page.select_one("#answers .flash-error").get_text()
    db.session.refresh(third)
    assert third.awarded == -0.5


# The service --------------------------------------------------------------------------------------------

def test_a_re_marked_item_keeps_its_marks_when_the_sitting_is_scored_again(admin, exam):
    sitting = sit(admin, exam, "bo@example.com", "Bo", right=2)
    first, _, third, _ = responses(sitting)
    grading.remark(admin, sitting.id, third.id, "0.25", "Partly right.")
    grading.remark(admin, sitting.id, first.id, "-0.5", "Copied.")
    db.session.commit()
    assert (third.awarded, third.correct, first.awarded, first.correct) == (0.25, False, -0.5, False)

    taking.score_sitting(sitting)

    assert (third.awarded, first.awarded, sitting.total_marks) == (0.25, -0.5, 0.25)
    assert sitting.passed is False


def test_marks_of_an_item_without_negative_marking_start_at_zero(admin, factory):
    exam = factory.exam(admin, tagged_assessment(admin, ["A1", "A1"], kind="standard"))
    sitting = factory.finished_sitting(admin, exam, answer=right_answer)
    first = responses(sitting)[0]
    with pytest.raises(ValidationError, match="between 0 and 1"):
        grading.remark(admin, sitting.id, first.id, "-0.1", "Too generous.")


def test_a_typed_answers_key_shows_its_accepted_answers_and_how_they_are_matched(admin_client, admin, factory):
    """Each blank of a fill-in and a short answer shows its accepted answers as frozen for the sitting and
    how an answer is matched with them, in words."""
    skill = create_skill(admin, "Typing")
    ids = [create_question(admin, question).id for question in [
        QuestionInput(type="FITB", skill_id=skill.id, difficulty="EASY", stem="<p>I [[1]] home and [[2]].</p>",
                      blanks=[{"accepted": ["went", "walked"]}, {"accepted": ["Slept"], "case_sensitive": True}]),
        QuestionInput(type="SHORT_ANSWER", skill_id=skill.id, difficulty="EASY", stem="<p>The fare?</p>",
                      accepted_answers=["8.40"])]]
    assessment = create_assessment(admin, AssessmentInput(name="Typed", duration=10,
                                                          sections=[SectionInput(name="One", question_ids=ids)]))
    sitting = factory.finished_sitting(admin, factory.exam(admin, assessment), answer=right_answer)

    soup = html(admin_client.get(f"/sittings/{sitting.id}/result"))

    went, slept, fare = [" ".join(p.get_text().split()) for p in soup.select("#answers [data-accepted]")]
    assert went.startswith("Accepted: went | walked. Ignores capitals,") and "Ignores capitals" not in slept
    assert fare.startswith("Accepted: 8.40.") and "reads numbers as numbers (8,40 is 8.40)" in fare
