"""Reports and certificates in their reader's language: the candidate's report link in the language we
write to the candidate in (or the one chosen on the page), staff's PDF in their console's language;
Arabic right to left."""
from __future__ import annotations

import re

from bs4 import BeautifulSoup
from flask_babel import force_locale
from sqlalchemy import select

from tests.conftest import log_in
from webapp.core.extensions import db
from webapp.reports.services import _page_numbers
from webapp.results.models import Certificate

ARABIC_MONTHS = ("يناير", "فبراير", "مارس", "أبريل", "مايو", "يونيو", "يوليو", "أغسطس", "سبتمبر", "أكتوبر", "نوفمبر", "ديسمبر")


def _page(response) -> BeautifulSoup:
    return BeautifulSoup(response.get_data(as_text=True), "html.parser")


def test_the_candidates_pdf_report_reads_in_their_language(client, passed_sitting, pdf_text):
    passed_sitting.candidate.language = "es"
    db.session.commit()

    text = pdf_text(client.get(f"/reports/{passed_sitting.report_key}.pdf").data)

    assert "Informe del candidato" in text and "Resumen de la supervisión" in text
    assert "Puntos 5 de 5 (100,0 %)" in text and "Página 1 de" in text
    assert "Candidate report" not in text


def test_the_report_page_follows_the_exam_and_a_choice_on_the_page(client, passed_sitting):
    passed_sitting.exam.language = "de"
    db.session.commit()
    page = _page(client.get(f"/reports/{passed_sitting.report_key}"))
    assert (page.html["lang"], page.html["dir"]) == ("de", "ltr")
    assert page.h1.get_text(strip=True) == "Bericht zur Prüfungsteilnahme"
    assert page.select_one("[data-pdf-link]").get_text(strip=True) == "PDF herunterladen"

    page = _page(client.get(f"/reports/{passed_sitting.report_key}?lang=ar"))
    assert (page.html["lang"], page.html["dir"]) == ("ar", "rtl")
    assert page.h1.get_text(strip=True) == "تقرير المرشح"


def test_staff_download_the_pdfs_in_their_consoles_language(client, admin, passed_sitting, pdf_text):
    admin.language = "de"
    passed_sitting.candidate.language = "es"
    db.session.commit()
    log_in(client, admin)
    certificate = db.session.scalar(select(Certificate).where(Certificate.sitting_id == passed_sitting.id))

    report = pdf_text(client.get(f"/sittings/{passed_sitting.id}/report.pdf").data)
    assert "Bericht zur Prüfungsteilnahme" in report and "Antworten" in report
    certificate_text = pdf_text(client.get(f"/verify/{certificate.code}.pdf").data)
    assert "Prüfcode" in certificate_text and "Ausstellungsdatum" in certificate_text


def test_an_arabic_certificate_has_its_glyphs(client, passed_sitting, pdf_text):
    passed_sitting.candidate.language = "ar"
    db.session.commit()
    certificate = db.session.scalar(select(Certificate).where(Certificate.sitting_id == passed_sitting.id))

    text = pdf_text(client.get(f"/verify/{certificate.code}.pdf").data)

    # pdftotext gives right-to-left runs in logical order, between directional embedding marks.
    text = re.sub("[\u202a-\u202e\u2066-\u2069]", "", text)
    # (Not a word with a lam-alef ligature: pdftotext takes the ligature apart.)
    assert "رمز التحقق" in text and "تحقق على" in text and certificate.code in text
    assert any(month in text for month in ARABIC_MONTHS)     # the date of issue, in Arabic


def test_the_page_numbers_keep_the_translators_order(app):
    with app.test_request_context(), force_locale("de"):
        assert _page_numbers().startswith('@page { @bottom-right { content: "Seite " counter(page) " von " '
                                          'counter(pages); } }')
