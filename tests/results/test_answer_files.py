"""A candidate's file answer in the console: downloaded by the institute's graders and result readers only,
shown on the result page, the grading page and the report by its name and size."""
from datetime import timedelta
from urllib.parse import urlsplit

import pytest
from bs4 import BeautifulSoup
from sqlalchemy import select

from tests.conftest import log_in
from tests.sittings.test_taking import T0, _started
from tests.sittings.test_typed_items import skill, typed_paper  # noqa: F401 (fixtures)
from webapp.core import links
from webapp.core.extensions import db
from webapp.results import grading
from webapp.sittings import taking
from webapp.sittings.models import Response, SittingItem

ESSAY = b"%PDF-1.4 my essay"


@pytest.fixture
def sent(admin, typed_paper):  # noqa: F811
    sitting = _started(admin, typed_paper)
    item = db.session.scalar(select(SittingItem).where(SittingItem.sitting_id == sitting.id,
                                                       SittingItem.question_type == "FU"))
    uploaded = taking.upload_answer_file(sitting, item.id, "../../etc/Ann's essay.pdf", ESSAY, now=T0)
    taking.save_answer(sitting, item.id, answer=uploaded.as_answer(), version=1, now=T0)
    taking.finish(sitting, now=T0 + timedelta(minutes=1))
    db.session.commit()
    return sitting, uploaded


def test_staff_of_the_institute_download_the_file_and_see_its_name(client, admin, sent):
    sitting, uploaded = sent
    log_in(client, admin)
    page = BeautifulSoup(client.get(f"/sittings/{sitting.id}/result").text, "html.parser")
    link = page.select_one("[data-file] a")
    assert link.text == "Ann's essay.pdf" and "(17 Bytes)" in page.select_one("[data-file]").text
    download = client.get(link["href"])
    assert download.data == ESSAY and download.mimetype == "application/pdf"
    assert "attachment" in download.headers["Content-Disposition"]
    response = db.session.scalar(select(Response).where(Response.item_id == uploaded.item_id))
    grading = BeautifulSoup(client.get(f"/grading/{response.id}").text, "html.parser")
    assert grading.select_one("[data-response] a")["href"] == link["href"]


def test_another_institute_and_a_role_without_results_get_no_file(app, admin, factory, sent):
    __, uploaded = sent
    __, other = factory.institute("Elsewhere")
    proctor = factory.staff(admin.institute, "proctor")
    for user, statuses in [(other, {404}), (proctor, {403, 404})]:
        with app.test_client() as client:
            log_in(client, user)
            response = client.get(f"/answer-files/{uploaded.id}")
            assert response.status_code in statuses and ESSAY not in response.data


def test_the_report_shows_the_file_s_name_and_size_and_no_link(admin_client, admin, sent, pdf_text):
    sitting, uploaded = sent
    sitting.exam.assessment.show_answers_in_report = True
    response = db.session.scalar(select(Response).where(Response.item_id == uploaded.item_id))
    grading.grade_response(admin, response.id, 4)
    db.session.commit()
    report = urlsplit(links.html_report_url(sitting)).path
    page = BeautifulSoup(admin_client.get(report).text, "html.parser")
    shown = page.select_one("[data-file]")
    assert shown.get_text(" ", strip=True) == "Ann's essay.pdf (17 Bytes)" and shown.select_one("a") is None
    assert "Ann's essay.pdf (17 Bytes)" in pdf_text(admin_client.get(report + ".pdf").data)
