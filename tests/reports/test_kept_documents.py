"""PDFs rendered once and kept: a download finds the kept PDF and renders nothing, a changed result is
rendered again, and by default (PDF_RENDERING "worker") the worker renders a missing PDF while the page
says it is being prepared, so no web request renders one."""
from __future__ import annotations

import os
import shutil

import pytest
from bs4 import BeautifulSoup
from sqlalchemy import select

from tests.conftest import log_in, right_answer
from webapp.core import storage
from webapp.core.extensions import db
from webapp.reports import services
from webapp.reports.services import render_wanted_documents
from webapp.results.certificates import revoke
from webapp.results.grading import remark
from webapp.results.models import Certificate
from webapp.sittings.models import Response


@pytest.fixture
def renders(monkeypatch):
    """The documents WeasyPrint lays out, counted."""
    count = {"pdfs": 0}
    html = services.HTML

    def counted(*args, **kwargs):
        count["pdfs"] += 1
        return html(*args, **kwargs)

    monkeypatch.setattr(services, "HTML", counted)
    return count


@pytest.fixture(autouse=True)
def _fresh_storage(app):
    """Each test starts without kept or wanted documents (the instance folder serves the whole session)."""
    shutil.rmtree(storage._root(), ignore_errors=True)


@pytest.fixture
def worker_mode(app, monkeypatch):
    monkeypatch.setitem(app.config, "PDF_RENDERING", "worker")


def _page(response) -> BeautifulSoup:
    return BeautifulSoup(response.get_data(as_text=True), "html.parser")


def _kept_reports(sitting) -> list[str]:
    folder = storage._root() / str(sitting.institute_id) / str(sitting.id)
    return sorted(path.name for path in folder.glob("report-*.pdf"))


def _certificate(sitting) -> Certificate:
    return db.session.scalar(select(Certificate).where(Certificate.sitting_id == sitting.id))


def test_a_kept_pdf_is_not_rendered_again_while_its_result_is_unchanged(client, passed_sitting, renders, pdf_text):
    url = f"/reports/{passed_sitting.report_key}.pdf"

    first = client.get(url)
    assert renders["pdfs"] == 1 and "Zoë Quist" in pdf_text(first.data)

    again = client.get(url)
    assert again.mimetype == "application/pdf" and again.data == first.data
    assert renders["pdfs"] == 1
    [kept] = _kept_reports(passed_sitting)
    assert kept.startswith("report-en-")


def test_a_changed_result_is_rendered_again_and_the_earlier_render_goes(client, passed_sitting, admin, renders,
                                                                        pdf_text):
    url = f"/reports/{passed_sitting.report_key}.pdf"
    assert "5 of 5" in pdf_text(client.get(url).data)
    [before] = _kept_reports(passed_sitting)
    response = db.session.scalars(select(Response).where(Response.sitting_id == passed_sitting.id)).first()

    remark(admin, passed_sitting.id, response.id, 0, "Not right after all.")
    db.session.commit()

    text = pdf_text(client.get(url).data)
    assert "4 of 5" in text and "5 of 5" not in text
    assert renders["pdfs"] == 2
    [after] = _kept_reports(passed_sitting)
    assert after != before


@pytest.mark.parametrize("document", ["report", "staff_report", "certificate"])
def test_in_worker_mode_the_request_renders_nothing_and_the_worker_prepares_the_pdf(
        client, worker_mode, admin, passed_sitting, renders, pdf_text, document):
    url = {"report": f"/reports/{passed_sitting.report_key}.pdf",
           "staff_report": f"/sittings/{passed_sitting.id}/report.pdf",
           "certificate": f"/verify/{_certificate(passed_sitting).code}.pdf"}[document]
    if document == "staff_report":
        log_in(client, admin)
    # The release asked for the report and certificate ahead: these are dropped to find none kept.
    shutil.rmtree(storage._root(), ignore_errors=True)

    waiting = client.get(url)

    assert waiting.status_code == 503 and renders["pdfs"] == 0
    assert waiting.headers["Retry-After"] == "2" and waiting.headers["Cache-Control"] == "no-store"
    page = _page(waiting)
    assert page.select_one("[data-preparing]") is not None
    assert page.find("meta", attrs={"http-equiv": "refresh"})["content"] == "2"
    assert client.get(url).status_code == 503   # asked twice, rendered once
    assert renders["pdfs"] == 0

    assert render_wanted_documents() == 1 and renders["pdfs"] == 1

    ready = client.get(url)
    assert ready.status_code == 200 and ready.mimetype == "application/pdf"
    assert "Zoë Quist" in pdf_text(ready.data)
    assert renders["pdfs"] == 1
    assert render_wanted_documents() == 0 and renders["pdfs"] == 1


def test_the_page_and_the_worker_speak_the_candidates_language(client, worker_mode, passed_sitting, pdf_text):
    passed_sitting.candidate.language = "es"
    db.session.commit()
    shutil.rmtree(storage._root(), ignore_errors=True)
    url = f"/reports/{passed_sitting.report_key}.pdf"

    page = _page(client.get(url))
    assert page.html["lang"] == "es" and page.h1.get_text(strip=True) == "El PDF se está preparando"

    render_wanted_documents()
    text = pdf_text(client.get(url).data)
    assert "Informe del candidato" in text and "Página 1 de" in text


def test_a_released_result_has_its_report_and_certificate_rendered_ahead(client, worker_mode, admin, factory,
                                                                          certification_exam, renders):
    sitting = factory.finished_sitting(admin, certification_exam, answer=right_answer)
    db.session.commit()
    assert renders["pdfs"] == 0

    assert render_wanted_documents() == 2 and renders["pdfs"] == 2

    report = client.get(f"/reports/{sitting.report_key}.pdf")
    certificate = client.get(f"/verify/{_certificate(sitting).code}.pdf")
    assert (report.mimetype, certificate.mimetype) == ("application/pdf", "application/pdf")
    assert renders["pdfs"] == 2


def test_a_result_changed_after_its_render_ahead_is_rendered_again(client, worker_mode, admin, passed_sitting,
                                                                   renders, pdf_text):
    render_wanted_documents()
    response = db.session.scalars(select(Response).where(Response.sitting_id == passed_sitting.id)).first()
    remark(admin, passed_sitting.id, response.id, 0, "Not right after all.")
    db.session.commit()
    rendered = renders["pdfs"]

    # Its kept PDFs went with the change: no download gets the marks as they were.
    assert client.get(f"/reports/{passed_sitting.report_key}.pdf").status_code == 503
    assert render_wanted_documents() == 2 and renders["pdfs"] == rendered + 2   # the report and the certificate
    assert "4 of 5" in pdf_text(client.get(f"/reports/{passed_sitting.report_key}.pdf").data)


def test_a_revoked_certificate_has_its_kept_pdf_removed(client, worker_mode, admin, passed_sitting):
    render_wanted_documents()
    certificate = _certificate(passed_sitting)
    assert client.get(f"/verify/{certificate.code}.pdf").mimetype == "application/pdf"

    revoke(admin, certificate.id, "Identity could not be confirmed.")
    db.session.commit()

    assert client.get(f"/verify/{certificate.code}.pdf").status_code == 404
    assert not list((storage._root() / str(passed_sitting.institute_id) / str(passed_sitting.id)).glob("certificate-*"))


def test_a_download_gets_the_kept_pdf_at_once_and_the_worker_checks_it_for_the_next(
        client, worker_mode, passed_sitting, renders, pdf_text):
    render_wanted_documents()
    url = f"/reports/{passed_sitting.report_key}.pdf"
    # What changes no result of the sitting itself (a name put right, the percentile moved by later results).
    passed_sitting.candidate.last_name = "Quist-Berg"
    db.session.commit()
    rendered = renders["pdfs"]

    text = pdf_text(client.get(url).data)
    assert "Zoë Quist" in text and "Quist-Berg" not in text and renders["pdfs"] == rendered

    assert render_wanted_documents() == 1
    assert "Zoë Quist-Berg" in pdf_text(client.get(url).data)
    assert render_wanted_documents() == 0 and renders["pdfs"] == rendered + 1


def test_another_institutes_report_pdf_is_not_found(client, worker_mode, factory, passed_sitting, renders):
    log_in(client, factory.institute("Other School")[1])

    response = client.get(f"/sittings/{passed_sitting.id}/report.pdf")

    assert response.status_code == 404 and "Zoë" not in response.get_data(as_text=True)
    assert not any(wanted.kind == "report_answers" for wanted in storage.wanted_documents())
    assert renders["pdfs"] == 0


def test_the_worker_renders_nothing_for_a_sitting_of_another_institute_gone_or_unknown(worker_mode, passed_sitting,
                                                                                         renders):
    shutil.rmtree(storage._root(), ignore_errors=True)
    institute_id, sitting_id = passed_sitting.institute_id, passed_sitting.id
    for wanted in [storage.WantedDocument(institute_id + 1, sitting_id, "report", "en"),
                   storage.WantedDocument(institute_id, sitting_id + 1, "report", "en"),
                   storage.WantedDocument(institute_id, sitting_id, "invoice", "en"),
                   storage.WantedDocument(institute_id, sitting_id, "report", "xx")]:
        storage.want_document(wanted)

    assert render_wanted_documents() == 0 and renders["pdfs"] == 0
    assert storage.wanted_documents() == []


def test_the_worker_renders_for_a_while_then_leaves_the_rest_for_the_next_poll(worker_mode, admin, factory,
                                                                               certification_exam, renders):
    for number in range(2):
        factory.finished_sitting(admin, certification_exam, email=f"c{number}@example.com", answer=right_answer)
    db.session.commit()
    assert len(storage.wanted_documents()) == 4

    assert render_wanted_documents(seconds=0) == 1      # at least one per poll
    assert len(storage.wanted_documents()) == 3
    assert render_wanted_documents() == 3 and storage.wanted_documents() == []


def test_the_worker_runs_below_the_web_servers_cpu_priority(app, monkeypatch):
    lowered = []
    monkeypatch.setattr(os, "nice", lowered.append)
    monkeypatch.setitem(app.config, "WORKER_NICENESS", 10)

    result = app.test_cli_runner().invoke(args=["worker", "--once"])

    assert result.exit_code == 0, result.output
    assert lowered == [10]
