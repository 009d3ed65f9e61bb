"""Results in real Chromium: an examiner grades a certification's essay from the grading queue, which
grades the sitting; the results table and the sitting's result show it passed; the shared report and
the certificate are downloaded as PDFs and read; the certificate's verification page says it is valid,
and after an admin revokes it, that it is revoked and why."""
from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.conftest import right_answer
from tests.e2e.conftest import browser_login
from webapp.core.extensions import db
from webapp.results import grading
from webapp.results.models import Certificate

pytestmark = pytest.mark.e2e


@pytest.fixture
def finished_certification(admin, factory, essay_certification):
    """Zoë Quist got both MCQs right: 2 of 7 until the essay is marked; a pass needs 3 of its 5 marks."""
    return factory.finished_sitting(admin, essay_certification, first_name="Zoë", last_name="Quist",
                                    answer=right_answer)


def test_grade_an_essay_then_download_the_report_and_the_certificate_and_verify_it(
        page, admin, factory, finished_certification, pdf_text):
    examiner = factory.staff(admin.institute, "examiner", name="Erin Examiner")
    browser_login(page, examiner.email)

    page.get_by_role("link", name="Grading").click()
    expect(page.locator("[data-waiting]")).to_have_text("1")
    page.get_by_role("button", name="Start grading").click()
    expect(page.get_by_text("An answer written by the candidate.")).to_be_visible()
    page.get_by_label("Marks").fill("4")
    page.get_by_label("Comment").fill("Clear and well organised.")
    page.get_by_role("button", name="Save the mark").click()
    expect(page.get_by_text("Nothing else waits for a grader here.")).to_be_visible()

    page.goto(f"/exams/{finished_certification.exam_id}/results")
    expect(page.locator("table.result-table")).to_contain_text("Zoë Quist")
    # The CSV is streamed after the request's database session is gone, which only a real server shows.
    export = page.context.request.get(f"/exams/{finished_certification.exam_id}/results.csv")
    assert export.status == 200 and "Zoë Quist" in export.text() and ",graded," in export.text()
    page.get_by_role("link", name="View The result of Zoë Quist").click()
    expect(page.locator("main")).to_contain_text("6 of 7")
    expect(page.locator("main")).to_contain_text("passed B2: may move on")

    report_pdf = page.context.request.get(page.locator("[data-report=pdf]").get_attribute("href"))
    assert report_pdf.headers["content-type"] == "application/pdf"
    report_text = pdf_text(report_pdf.body())
    assert "Zoë Quist" in report_text and "Writing B2" in report_text and "B2" in report_text

    certificate = db.session.query(Certificate).one()
    certificate_pdf = page.context.request.get(page.locator("[data-certificate-pdf]").get_attribute("href"))
    certificate_text = pdf_text(certificate_pdf.body())
    assert "Zoë Quist" in certificate_text and certificate.code in certificate_text and "B2" in certificate_text

    page.get_by_role("link", name="Shared report").click()
    expect(page.locator("body")).to_contain_text("Zoë Quist")
    page.goto(f"/verify/{certificate.code}")
    expect(page.locator("[data-verdict]")).to_have_text("This certificate is valid.")

    # An admin revokes it from the sitting's result; the public page says so, with the reason.
    page.context.clear_cookies()
    browser_login(page, admin.email)
    page.goto(f"/sittings/{finished_certification.id}/result")
    page.get_by_text("Revoke", exact=True).click()
    page.get_by_label("Reason").fill("Identity could not be confirmed.")
    page.once("dialog", lambda dialog: dialog.accept())
    page.get_by_role("button", name="Revoke the certificate").click()
    expect(page.locator("[data-status]")).to_have_text("revoked")
    page.goto(f"/verify/{certificate.code}")
    expect(page.locator("[data-verdict]")).to_contain_text("This certificate was revoked")
    expect(page.locator("[data-revoked-reason]")).to_have_text("Reason: Identity could not be confirmed.")


def test_an_examiner_re_marks_a_machine_scored_item_in_place(page, admin, factory, essay_certification):
    """The re-mark form on the result page works through htmx: the page's main part is swapped (the page
    itself stays: a marker set on window survives), an error shows in the form, and the outcome follows."""
    sitting = factory.finished_sitting(admin, essay_certification, first_name="Zoë", last_name="Quist",
                                       answer=lambda item: None if item.position == 0 else right_answer(item))
    [waiting] = grading.grading_queue(admin).items
    grading.grade_response(admin, waiting.response.id, 3, "Fair.")
    db.session.commit()
    assert (sitting.total_marks, sitting.passed) == (4, False)
    examiner = factory.staff(admin.institute, "examiner", name="Erin Examiner")
    browser_login(page, examiner.email)
    page.goto(f"/sittings/{sitting.id}/result")
    expect(page.locator("main")).to_contain_text("4 of 7")
    page.evaluate("window.stayedOnThePage = true")

    item = page.locator("#item-1")
    expect(item.locator("[data-unanswered]")).to_be_visible()
    item.get_by_text("Change the marks").click()
    item.get_by_label("Marks", exact=True).fill("1")
    item.get_by_role("button", name="Save the marks").click()
    expect(page.locator("#item-1 .field-error")).to_have_text("Give the reason for changing the marks.")

    page.locator("#item-1").get_by_label("Why the marks change").fill("The answer was lost in transit.")
    page.locator("#item-1").get_by_role("button", name="Save the marks").click()
    expect(page.locator(".flash")).to_contain_text("Item 1: 1 of 1 marks saved.")
    expect(page.locator("[data-field=marks]").first).to_have_text("5 of 7")
    expect(page.locator("[data-field=outcome]")).to_contain_text("passed B2: may move on")
    expect(page.locator("#item-1 [data-marked-by]")).to_contain_text("Marked by Erin Examiner")
    assert page.evaluate("window.stayedOnThePage") is True
