"""The documents themselves: the URL fetcher that only reads data: URIs, the report PDF (text and a
page rendered to PNG), the certificate PDF and its QR code."""
from __future__ import annotations

import subprocess
from io import BytesIO
from urllib.parse import urlsplit

import pytest
import segno
from PIL import Image
from weasyprint import HTML
from weasyprint.urls import URLFetcher

from webapp.accounts.services import set_logo, update_white_label
from webapp.core import links
from webapp.core.extensions import db
from webapp.reports import services
from webapp.results.certificates import certificate_of
from webapp.results.services import result_of

LEAKING_CSS = "body::after { content: 'LEAKED-FROM-DISK'; }"


def _png(text: str = "logo") -> bytes:
    buffer = BytesIO()
    segno.make(text).save(buffer, kind="png", scale=4)
    return buffer.getvalue()


# The URL fetcher ---------------------------------------------------------------------------------------

@pytest.mark.parametrize("url", ["file:///etc/passwd", "http://127.0.0.1/", "https://example.com/logo.png",
                                 "ftp://127.0.0.1/x", "FILE:///etc/hostname", "/etc/passwd", "javascript:alert(1)"])
def test_the_fetcher_refuses_everything_but_data_uris(url):
    with pytest.raises(services.RefusedURL):
        services.DataOnlyFetcher().fetch(url)


def test_the_fetcher_reads_data_uris():
    response = services.DataOnlyFetcher().fetch(services.data_uri(b"hello", "text/plain"))
    assert response.read() == b"hello"


def test_a_document_reads_neither_files_nor_the_network(admin, tmp_path, web_server, pdf_text):
    stylesheet = tmp_path / "leak.css"
    stylesheet.write_text(LEAKING_CSS)
    html = f"""<html><head>
      <link rel="stylesheet" href="{stylesheet.as_uri()}">
      <link rel="stylesheet" href="{web_server.url('/style.css')}">
      <style>@import url("{web_server.url('/imported.css')}");</style>
    </head><body><p>Visible text</p>
      <img src="file:///etc/passwd"><img src="{web_server.url('/logo.png')}">
      <img src="{services.data_uri(_png(), 'image/png')}">
    </body></html>"""

    text = pdf_text(services.render_pdf(html, admin.institute_id))

    assert "Visible text" in text and "LEAKED" not in text
    assert web_server.requested == []
    # WeasyPrint's own fetcher would have read the file: the refusal is what keeps it out.
    leaked = HTML(string=html.replace(web_server.url(""), "data:,"), base_url=None,
                  url_fetcher=URLFetcher()).write_pdf()
    assert "LEAKED-FROM-DISK" in pdf_text(leaked)


# The report PDF ----------------------------------------------------------------------------------------

def test_the_report_pdf_shows_the_result(passed_sitting, pdf_text, pdf_info):
    text = pdf_text(services.report_pdf(result_of(passed_sitting)))

    assert "Acme Languages" in text and "Candidate report" in text
    assert "Zoë Quist" in text and "English B2 Certificate" in text and "Spring certification" in text
    assert "Marks 5 of 5 (100.0 %)" in text
    assert "Time taken 10 min 0 s" in text
    skill = result_of(passed_sitting).summary["sectionMarks"][0]["skillMarks"][0]["skillName"]
    assert "Section 1 5/5 5 0 0 10 min 0 s" in text and f"{skill} 5/5 5 0 0" in text
    assert "Passed: level B2 (CEFR)" in text and "Move on: the course package is complete." in text
    assert "Proctoring summary Browsing events 0" in text and "Review not reviewed" in text
    assert certificate_of(passed_sitting).code in text
    assert pdf_info(services.report_pdf(result_of(passed_sitting)))["Page size"].startswith("595.")   # A4


def test_a_failed_certification_says_continue_the_package(admin, factory, certification_exam, pdf_text):
    from tests.conftest import wrong_answer

    sitting = factory.finished_sitting(admin, certification_exam, answer=wrong_answer)
    text = pdf_text(services.report_pdf(result_of(sitting)))

    assert "Marks 0 of 5 (0.0 %)" in text and "Not passed: level B2 needs 60 %" in text
    assert "Continue the course package." in text and "Verification code" not in text


def test_a_report_page_renders_to_png(passed_sitting, tmp_path):
    pdf = tmp_path / "report.pdf"
    pdf.write_bytes(services.report_pdf(result_of(passed_sitting)))

    subprocess.run(["pdftoppm", "-png", "-r", "50", "-f", "1", "-l", "1", "-singlefile", str(pdf),
                    str(tmp_path / "page")], check=True, timeout=60)

    png = (tmp_path / "page.png").read_bytes()
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
    width, height = int.from_bytes(png[16:20], "big"), int.from_bytes(png[20:24], "big")
    assert 410 <= width <= 416 and 583 <= height <= 587      # A4 at 50 dpi
    assert len(png) > 5_000                       # not a blank page


def test_the_report_embeds_the_institute_logo(admin, passed_sitting, pdf_image_count):
    assert pdf_image_count(services.report_pdf(result_of(passed_sitting))) == 0
    set_logo(admin, _png("Acme"))
    db.session.commit()
    assert pdf_image_count(services.report_pdf(result_of(passed_sitting))) == 1


def test_white_label_colours_reach_the_pdf(admin, passed_sitting, tmp_path):
    def colours() -> set:
        pdf = tmp_path / "report.pdf"
        pdf.write_bytes(services.report_pdf(result_of(passed_sitting)))
        subprocess.run(["pdftoppm", "-png", "-r", "30", "-singlefile", str(pdf), str(tmp_path / "page")], check=True,
                       timeout=60)
        with Image.open(tmp_path / "page.png") as page:
            return {colour for _, colour in page.convert("RGB").getcolors(maxcolors=100_000)}

    assert (0x12, 0x3A, 0xBC) not in colours()
    update_white_label(admin, settings={"header_background_color": "#123abc", "header_font_color": "fff"})
    db.session.commit()
    assert (0x12, 0x3A, 0xBC) in colours()


# The certificate PDF -----------------------------------------------------------------------------------

def test_the_certificate_pdf(passed_sitting, pdf_text, pdf_info, pdf_image_count):
    certificate = certificate_of(passed_sitting)
    pdf = services.certificate_pdf(certificate)
    text = pdf_text(pdf)

    assert "Acme Languages" in text and "Certificate" in text
    assert "This certifies that Zoë Quist has passed English B2 Certificate at level B2" in text
    assert f"Verification code {certificate.code}" in text
    assert links.verify_url(certificate.code) in text
    assert f"{certificate.issued_at.day} {certificate.issued_at:%B %Y}" in text
    info = pdf_info(pdf)
    assert info["Pages"] == "1" and info["Page size"].startswith("841.89 x 595.")   # A4 landscape
    assert pdf_image_count(pdf) == 0   # the QR code is vector (SVG), not a raster image


def test_the_qr_code_points_to_the_verification_page(client, passed_sitting):
    certificate = certificate_of(passed_sitting)
    qr = services.verification_qr(certificate)

    assert qr.matrix == segno.make(links.verify_url(certificate.code), error="m", micro=False).matrix
    assert qr.matrix != segno.make(links.verify_url("OTHER-CODE"), error="m", micro=False).matrix
    page = client.get(urlsplit(links.verify_url(certificate.code)).path)
    assert page.status_code == 200 and "This certificate is valid." in page.get_data(as_text=True)


def test_a_revoked_certificate_has_no_pdf(admin, passed_sitting):
    from webapp.results.certificates import revoke

    certificate = revoke(admin, certificate_of(passed_sitting).id, "Issued by mistake.")
    with pytest.raises(services.CertificateRevoked):
        services.certificate_pdf(certificate)
