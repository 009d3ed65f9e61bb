"""An adaptive placement through its pages: its settings in the console, the candidate's instructions and one
question at a time, moving on, and the result with its path on the results console and the report."""
from sqlalchemy import select

from tests.candidate.helpers import adaptive_exam, build_adaptive_pool, page, register
from webapp.assessments.models import Assessment
from webapp.core.extensions import db
from webapp.reports.services import report_pdf
from webapp.results.services import result_of
from webapp.sittings import taking
from webapp.sittings.models import Sitting, SittingItem, SittingStatus

JSON = {"Content-Type": "application/json", "Sec-Fetch-Site": "same-origin"}


def test_the_settings_page_makes_a_placement_adaptive(admin_client, admin, factory):
    assessment = factory.assessment(admin)
    data = {"name": "Adaptive English", "kind": "placement", "duration": "30", "adaptive": "y",
            "adaptive_start_level": "A2", "adaptive_min_items": "4", "adaptive_max_items": "12",
            "adaptive_target_standard_error": "0.5", "adaptive_exposure_choices": "2",
            "adaptive_skill_shares": "Grammar: 2\nVocabulary: 1"}
    refused = page(admin_client.post(f"/assessments/{assessment.id}/settings",
                                     data={**data, "adaptive_max_items": "2"}))
    assert "the most items cannot be fewer than the fewest" in refused.get_text()
    assert db.session.get(Assessment, assessment.id).adaptive is None
    response = admin_client.post(f"/assessments/{assessment.id}/settings", data=data)
    assert response.headers["Location"] == f"/assessments/{assessment.id}"
    db.session.expire_all()
    assert db.session.get(Assessment, assessment.id).adaptive == {
        "start_level": "A2", "min_items": 4, "max_items": 12, "target_standard_error": 0.5, "exposure_choices": 2,
        "skill_shares": {"Grammar": 2.0, "Vocabulary": 1.0}}
    summary = page(admin_client.get(f"/assessments/{assessment.id}")).select_one("[data-adaptive-summary]")
    assert summary.get_text(" ", strip=True) == \
        "4 to 12 questions, one at a time; it stops at a standard error of 0.5"
    soup = page(admin_client.get(f"/assessments/{assessment.id}/settings"))
    assert soup.select_one("input[name=adaptive]").has_attr("checked")
    assert soup.select_one("textarea[name=adaptive_skill_shares]").get_text().strip() == "Grammar: 2\nVocabulary: 1"
    # Back to the fixed form.
    admin_client.post(f"/assessments/{assessment.id}/settings", data={
        name: value for name, value in data.items() if name != "adaptive"})
    db.session.expire_all()
    assert db.session.get(Assessment, assessment.id).adaptive is None


def _shown(client, token) -> tuple:
    soup = page(client.get(f"/s/{token}"))
    questions = soup.select("[data-question]")
    assert len(questions) == 1 and not soup.select("[data-goto], [data-prev], [data-finish], [data-flag]")
    question = questions[0]
    right = next(label.input["value"] for label in question.select("label.option")
                 if label.get_text(strip=True) == "right")
    return soup, question, right


def test_the_candidate_answers_one_question_at_a_time_to_the_result(client, admin_client, admin, factory, pdf_text):
    exam = adaptive_exam(factory, admin, build_adaptive_pool(admin), min_items=2, max_items=4,
                         target_standard_error=0.1)
    sitting = register(admin, exam)
    token = sitting.access_token
    taking.start_check(sitting, ip_address="127.0.0.1")
    taking.complete_check(sitting, browser={"userAgent": "test"})
    db.session.commit()
    instructions = page(client.get(f"/s/{token}")).get_text(" ", strip=True)
    assert "You cannot see the questions ahead or go back to change an answer" in instructions
    assert "after at most 4 questions" in instructions
    client.post(f"/s/{token}/start")
    seen = []
    for number in range(4):
        soup, question, right = _shown(client, token)
        assert soup.select_one("section.question h2").get_text(" ", strip=True) == f"Question {number + 1} of at most 4"
        item_id = int(question["data-item-id"])
        seen.append(item_id)
        saved = client.post(f"/s/{token}/answers", headers=JSON, json={"item_id": item_id, "answer": {"option": right},
                                                                       "version": 1}).json
        assert saved["saved"]
        moved = client.post(f"/s/{token}/next-item", data={"item_id": item_id})
        assert moved.headers["Location"] == f"/s/{token}"
        # The same press again (an old tab): nothing more is served.
        client.post(f"/s/{token}/next-item", data={"item_id": item_id})
    assert len(set(seen)) == 4
    db.session.expire_all()
    sitting = db.session.get(Sitting, sitting.id)
    assert sitting.status == SittingStatus.EXAM_FINISHED and sitting.adaptive["stop_reason"] == "length"
    assert db.session.scalars(select(SittingItem.id).where(SittingItem.sitting_id == sitting.id)
                              .order_by(SittingItem.position)).all() == seen
    result = page(admin_client.get(f"/sittings/{sitting.id}/result"))
    adaptive = result.select_one("[data-adaptive]")
    assert adaptive.select_one("[data-items]").get_text(strip=True) == "4"
    assert adaptive.select_one("[data-stop-reason]").get_text(strip=True) == "the most questions were asked"
    assert "±" in adaptive.select_one("[data-ability]").get_text()
    chart = result.select_one("svg[data-path-chart]")
    assert len(chart.select("circle[data-step]")) == 4 and chart.select_one("polygon[data-band]")
    assert [text.get_text() for text in chart.select("text")][:1] == ["A1"]
    assert not result.select("[style], style, script:not([src])")
    assert result.select_one("[data-field=outcome]").get_text(strip=True) == sitting.level.value
    report = page(client.get(f"/reports/{sitting.report_key}"))
    assert len(report.select("svg[data-path-chart] circle[data-step]")) == 4
    # The PDF draws the chart too: its level labels and question numbers are text in it.
    text = pdf_text(report_pdf(result_of(sitting)))
    assert "Questions answered 4" in text and "A1" in text and "the most questions were asked" in text
