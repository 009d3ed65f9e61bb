"""The report's optional answers part: off in the report shared with the candidate unless the
assessment's setting says so (set through the settings form), always in staff's PDF (console, results
readers of the institute only), never while a proctoring violation withholds the result."""
from __future__ import annotations

from urllib.parse import urlsplit

import pytest
from bs4 import BeautifulSoup

from tests.conftest import log_in, right_answer, wrong_answer
from webapp.assessments.models import Assessment
from webapp.core import links
from webapp.core.extensions import db
from webapp.proctoring.services import review


@pytest.fixture
def sitting(admin, factory):
    assessment = factory.assessment(admin, name="Reading test", questions=2)
    exam = factory.exam(admin, assessment=assessment, name="June answers")
    return factory.finished_sitting(admin, exam, first_name="Zoë", last_name="Quist", answer=lambda item: (
        right_answer(item) if item.position == 0 else wrong_answer(item)))


def _page(response) -> BeautifulSoup:
    assert response.status_code == 200, response.status_code
    return BeautifulSoup(response.get_data(as_text=True), "html.parser")


def _share_answers(client, assessment: Assessment, on: bool):
    """The setting through the assessment's settings form, as an admin saves it."""
    form = _page(client.get(f"/assessments/{assessment.id}/settings")).select_one("form[method=post]")
    data = {field["name"]: field.get("value", "") for field in form.select("input[name]")
            if field.get("type") not in ("checkbox", "submit") or field.has_attr("checked")}
    data.update({select["name"]: (select.select_one("option[selected]") or select.select_one("option"))["value"]
                 for select in form.select("select[name]")})
    data.update({area["name"]: area.get_text() for area in form.select("textarea[name]")})
    data.pop("show_answers_in_report", None)
    if on:
        data["show_answers_in_report"] = "y"
    saved = client.post(f"/assessments/{assessment.id}/settings", data=data)
    assert saved.status_code == 302, saved.get_data(as_text=True)
    db.session.refresh(assessment)
    assert assessment.show_answers_in_report is on


def test_the_candidate_s_report_shows_the_answers_only_when_the_assessment_says_so(admin_client, sitting, pdf_text):
    report = urlsplit(links.html_report_url(sitting)).path
    assessment = sitting.exam.assessment
    assert assessment.show_answers_in_report is False
    assert _page(admin_client.get(report)).select_one("[data-answers]") is None
    assert "Answers 1. Section 1" not in pdf_text(admin_client.get(report + ".pdf").data)

    _share_answers(admin_client, assessment, True)

    summary = _page(admin_client.get(f"/assessments/{assessment.id}")).get_text(" ")
    assert "see the answers and the key in their report" in " ".join(summary.split())
    page = _page(admin_client.get(report))
    first, second = page.select("[data-answers] .answered-item")
    assert first.select_one("[data-item-marks]").get_text(strip=True) == "(1 of 1 marks)"
    assert second.select_one("[data-item-marks]").get_text(strip=True) == "(0 of 1 marks)"
    assert second.select_one("li[data-chosen]") is not second.select_one("li[data-key]")
    text = pdf_text(admin_client.get(report + ".pdf").data)
    assert "Answers 1. Section 1 (1 of 1 marks)" in text and "2. Section 1 (0 of 1 marks)" in text

    _share_answers(admin_client, assessment, False)
    assert _page(admin_client.get(report)).select_one("[data-answers]") is None


def test_staff_s_pdf_always_has_the_answers(client, admin, factory, sitting, pdf_text):
    log_in(client, factory.staff(admin.institute, "support"))
    page = _page(client.get(f"/sittings/{sitting.id}/result"))
    link = page.select_one("a[data-report=staff-pdf]")["href"]
    assert link == f"/sittings/{sitting.id}/report.pdf"

    pdf = client.get(link)

    assert pdf.status_code == 200 and pdf.mimetype == "application/pdf"
    assert pdf.headers["Cache-Control"] == "private, no-store"
    assert f'filename=report-{sitting.id}-answers.pdf' in pdf.headers["Content-Disposition"]
    text = pdf_text(pdf.data)
    assert "Zoë Quist" in text and "Answers 1. Section 1 (1 of 1 marks)" in text
    assert "chosen key" in text   # the first item's chosen option is the key


def test_staff_s_pdf_is_for_results_readers_of_the_institute(client, admin, factory, sitting):
    log_in(client, factory.staff(admin.institute, "proctor"))
    assert client.get(f"/sittings/{sitting.id}/report.pdf").status_code == 403
    client.post("/logout")
    log_in(client, factory.institute("Other School")[1])
    assert client.get(f"/sittings/{sitting.id}/report.pdf").status_code == 404
    client.post("/logout")
    assert client.get(f"/sittings/{sitting.id}/report.pdf").status_code in (302, 401)


def test_a_withheld_result_shows_no_answers(admin_client, admin, sitting, pdf_text):
    sitting.exam.assessment.show_answers_in_report = True
    review(admin, sitting.id, "violation", "Phone on the desk.")
    db.session.commit()
    page = _page(admin_client.get(urlsplit(links.html_report_url(sitting)).path))
    assert page.select_one("[data-withheld]") and page.select_one("[data-answers]") is None
