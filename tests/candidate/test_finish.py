"""Finishing: the summary with links back, the confirm, and the done page with or without the result
and the exit link."""
from sqlalchemy import select

from tests.conftest import right_answer, wrong_answer
from tests.candidate.helpers import items_by_type, page, register, start
from tests.results.helpers import tagged_assessment
from webapp.core.extensions import db
from webapp.proctoring.services import override_review, review
from webapp.results.grading import grade_response
from webapp.sittings import taking
from webapp.sittings.models import FinishMode, Response, SittingStatus


def _answer(sitting, item, answer, flagged=False, version=1):
    taking.save_answer(sitting, item.id, answer=answer, version=version, flagged=flagged)
    db.session.commit()


def test_the_summary_counts_and_links_back(client, sitting):
    start(sitting)
    items = items_by_type(sitting)
    _answer(sitting, items["MCQ"], {"option": "a"})
    _answer(sitting, items["SHORT_ANSWER"], None, flagged=True)
    soup = page(client.get(f"/s/{sitting.access_token}/finish"))
    counts = {dd["data-count"]: dd.get_text() for dd in soup.select("[data-count]")}
    assert counts == {"answered": "1", "unanswered": "4", "flagged": "1", "total": "5"}
    sections = {section.h2.get_text(): [a["href"] for a in section.select("a")] for section in soup.select("section")}
    link = f"/s/{sitting.access_token}"
    assert sections["Not answered"] == [f"{link}#q1", f"{link}#q2", f"{link}#q3", f"{link}#q4"]
    assert sections["Flagged for review"] == [f"{link}#q3"]
    assert soup.find("a", string="Back to the test")["href"] == link


def test_finishing_submits_and_shows_the_done_page_without_a_report(client, sitting):
    start(sitting)
    response = client.post(f"/s/{sitting.access_token}/finish")
    assert response.headers["Location"] == f"/s/{sitting.access_token}"
    assert (sitting.status, sitting.finish_mode) == (SittingStatus.EXAM_FINISHED, FinishMode.NORMAL_SUBMISSION)
    soup = page(client.get(f"/s/{sitting.access_token}"))
    assert soup.h1.get_text() == "Your answers are submitted"
    assert soup.select_one(".result") is None and soup.select_one("[data-exit]") is None
    assert soup.select_one("[data-forget-answers]")["data-forget-answers"] == f"proctora-sitting-{sitting.id}"
    # A second submit (another tab) and the summary after the end both lead back to the done page.
    assert client.post(f"/s/{sitting.access_token}/finish").status_code == 302
    assert client.get(f"/s/{sitting.access_token}/finish").headers["Location"] == f"/s/{sitting.access_token}"


def test_the_done_page_says_pending_until_the_essay_is_graded_then_shows_the_result(client, admin, make_exam):
    sitting = start(register(admin, make_exam(assessment={"show_report_to_candidate_on_exit": True})))
    items = items_by_type(sitting)
    _answer(sitting, items["MCQ"], {"option": items["MCQ"].key["correct"][0]})
    _answer(sitting, items["SHORT_ANSWER"], {"text": "Lyon"})
    _answer(sitting, items["LONG_ANSWER"], {"text": "My town is small."})
    client.post(f"/s/{sitting.access_token}/finish")
    soup = page(client.get(f"/s/{sitting.access_token}"))
    assert "Your result is pending" in soup.select_one("[data-result-pending]").get_text()
    assert soup.select_one("[data-total-marks]") is None and "marks" not in soup.get_text()
    essay = db.session.scalar(select(Response).where(Response.item_id == items["LONG_ANSWER"].id))
    grade_response(admin, essay.id, 2)
    db.session.commit()
    result = page(client.get(f"/s/{sitting.access_token}")).select_one(".result")
    assert result.select_one("[data-total-marks]").get_text() == "3.5"
    assert "3.5 of 13 marks" in result.get_text(" ", strip=True)
    assert "1 correct, 2 incorrect, 2 not answered, of 5 questions" in " ".join(result.get_text().split())
    row = [cell.get_text() for cell in result.select("tr[data-section='All'] > *")]
    assert row == ["All", "3.5 / 13", "1", "2", "2"]
    assert result.select_one("[data-report]")["href"] == f"/reports/{sitting.report_key}"
    assert result.select_one("[data-level]") is None and result.select_one("[data-outcome]") is None


def test_a_result_withheld_by_a_review_shows_no_marks_on_the_done_page(client, admin, make_exam):
    """As on the report: while a violation withholds the result, the candidate sees that, not the marks."""
    sitting = start(register(admin, make_exam(assessment={"show_report_to_candidate_on_exit": True})))
    items = items_by_type(sitting)
    _answer(sitting, items["MCQ"], {"option": items["MCQ"].key["correct"][0]})
    client.post(f"/s/{sitting.access_token}/finish")
    review(admin, sitting.id, "violation", "A phone on the desk.")
    db.session.commit()
    soup = page(client.get(f"/s/{sitting.access_token}"))
    assert "withheld" in soup.select_one("[data-withheld]").get_text()
    assert soup.select_one("[data-total-marks]") is None and "marks" not in soup.get_text()
    report = page(client.get(f"/reports/{sitting.report_key}"))
    assert report.select_one("[data-withheld]") is not None and report.select_one("[data-marks]") is None
    override_review(admin, sitting.id, "The phone was switched off.")
    db.session.commit()
    released = page(client.get(f"/s/{sitting.access_token}"))
    assert released.select_one("[data-withheld]") is None
    assert released.select_one("[data-total-marks]").get_text() == "2"


def test_the_done_page_tells_a_certification_s_outcome(client, admin, factory):
    exam = factory.exam(admin, assessment=factory.assessment(
        admin, questions=2, kind="certification", target_level="B1", pass_mark_percent=50,
        show_report_to_candidate_on_exit=True))
    sitting = start(register(admin, exam))
    first = taking.items_and_responses(sitting)[0][0]
    _answer(sitting, first, {"option": first.key["correct"][0]})
    client.post(f"/s/{sitting.access_token}/finish")
    outcome = page(client.get(f"/s/{sitting.access_token}")).select_one("[data-outcome]")
    assert " ".join(outcome.get_text().split()) == "You passed, at level B1."


def test_looking_at_the_result_again_keeps_a_graders_marks(client, admin, make_exam):
    sitting = start(register(admin, make_exam(assessment={"show_report_to_candidate_on_exit": True})))
    essay = items_by_type(sitting)["LONG_ANSWER"]
    _answer(sitting, essay, {"text": "My town is small."})
    taking.finish(sitting)
    response = db.session.scalar(select(Response).where(Response.item_id == essay.id))
    grade_response(admin, response.id, 4)
    db.session.commit()
    for _ in range(2):
        soup = page(client.get(f"/s/{sitting.access_token}"))
        assert soup.select_one("[data-total-marks]").get_text() == "4"
        assert soup.select_one("[data-pending]") is None
    db.session.expire_all()
    assert response.awarded == 4.0


def test_the_exit_link_of_the_exam_or_else_the_assessment(client, admin, make_exam):
    exams = [make_exam(exit_redirection_url="https://exam.example.com/next",
                       assessment={"name": "A", "exit_redirection_url": "https://assessment.example.com/"}),
             make_exam(assessment={"name": "B", "exit_redirection_url": "https://assessment.example.com/"})]
    for exam, expected in zip(exams, ["https://exam.example.com/next", "https://assessment.example.com/"]):
        sitting = start(register(admin, exam))
        taking.finish(sitting)
        db.session.commit()
        assert page(client.get(f"/s/{sitting.access_token}")).select_one("[data-exit]")["href"] == expected


def test_the_done_page_tells_a_placement_s_level(client, admin, factory):
    assessment = tagged_assessment(admin, ["A1", "A1", "A2", "A2"], placement_bands=[
        {"level": "A1", "min_percent": 50}, {"level": "A2", "min_percent": 50}], show_report_to_candidate_on_exit=True)
    sitting = start(register(admin, factory.exam(admin, assessment=assessment)))
    for item in taking.items_and_responses(sitting)[0]:
        _answer(sitting, item, right_answer(item) if item.cefr_level == "A1" else wrong_answer(item))
    client.post(f"/s/{sitting.access_token}/finish")
    level = page(client.get(f"/s/{sitting.access_token}")).select_one("[data-level]")
    assert " ".join(level.get_text().split()) == "Your level: A1"
