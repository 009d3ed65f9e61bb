"""The public pages (the shared report, its PDF, the verification page and the certificate PDF) and the
console's certificate list with revocation."""
from __future__ import annotations

from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

import pytest
from bs4 import BeautifulSoup
from flask import render_template
from flask_login import login_user

from tests.conftest import log_in, right_answer
from webapp.audit.models import AuditEntry
from webapp.core import links
from webapp.core.extensions import db
from webapp.proctoring.services import resume, review, terminate
from webapp.results.certificates import certificate_of
from webapp.results.models import Certificate
from webapp.results.services import result_of


def _page(response) -> BeautifulSoup:
    return BeautifulSoup(response.get_data(as_text=True), "html.parser")


def _text(element) -> str:
    return " ".join(element.get_text(" ").split())


# The shared report -------------------------------------------------------------------------------------

def test_the_shared_report_needs_no_login(client, passed_sitting):
    response = client.get(urlsplit(links.html_report_url(passed_sitting)).path)
    page = _page(response)

    assert response.status_code == 200
    assert page.find("meta", attrs={"name": "robots"})["content"].startswith("noindex")
    assert page.select_one(".topbar") is None            # no staff navigation
    assert _text(page.select_one(".candidate-header .institute-name")) == "Acme Languages"
    assert _text(page.select_one("[data-candidate]")) == "Zoë Quist"
    assert _text(page.select_one("[data-marks]")) == "5 of 5 (100.0 %)"
    assert _text(page.select_one("[data-outcome]")) == "Passed: level B2 (CEFR)"
    assert _text(page.select_one("[data-time-taken]")) == "10 min 0 s"
    assert [_text(row.th) for row in page.select("[data-section]")] == ["Section 1"]
    assert page.select_one("[data-proctoring]") is not None
    assert page.select_one("[data-pdf-link]")["href"] == urlsplit(links.pdf_report_url(passed_sitting)).path
    assert certificate_of(passed_sitting).code in _text(page.select_one("[data-certificate]"))
    assert page.find("style") is None and page.find(style=True) is None   # the CSP allows no inline style


def test_the_report_pdf_is_served_inline(client, passed_sitting, pdf_text):
    response = client.get(urlsplit(links.pdf_report_url(passed_sitting)).path)

    assert response.mimetype == "application/pdf"
    assert response.headers["Content-Disposition"] == f"inline; filename=report-{passed_sitting.id}.pdf"
    assert "no-store" in response.headers["Cache-Control"] and response.headers["X-Robots-Tag"] == "noindex"
    assert "Zoë Quist" in pdf_text(response.data)


@pytest.mark.parametrize("suffix", ["", ".pdf"])
def test_an_unknown_report_key_is_not_found(client, passed_sitting, suffix):
    for key in ["x" * 32, passed_sitting.report_key[:-1], "a" * 500]:
        response = client.get(f"/reports/{key}{suffix}")
        assert response.status_code == 404 and "Zoë" not in response.get_data(as_text=True)


def test_a_reopened_sitting_has_no_report(client, admin, certification_exam):
    from webapp.sittings import taking
    from webapp.sittings.models import Sitting
    from webapp.sittings.services import register_candidates

    outcome, = register_candidates(admin, certification_exam.id, [{"Email Address": "bo@example.com",
                                                                    "First Name": "Bo", "Last Name": "Berg"}])
    sitting = db.session.get(Sitting, outcome.sitting_id)
    taking.start_check(sitting, ip_address="127.0.0.1")
    taking.complete_check(sitting, browser={"userAgent": "test"})
    taking.start_exam(sitting)
    terminate(admin, sitting.id, "Left the room.")
    db.session.commit()
    assert "Bo Berg" in client.get(f"/reports/{sitting.report_key}").get_data(as_text=True)

    resume(admin, sitting.id, 10)
    db.session.commit()
    assert client.get(f"/reports/{sitting.report_key}").status_code == 404


def test_a_withheld_result_shows_no_marks(client, admin, passed_sitting, pdf_text):
    review(admin, passed_sitting.id, "violation", "Phone on the desk.")
    db.session.commit()

    page = _page(client.get(f"/reports/{passed_sitting.report_key}"))
    assert page.select_one("[data-withheld]") is not None
    assert page.select_one("[data-marks]") is None and page.select_one("[data-section]") is None
    assert page.select_one("[data-certificate]") is None      # revoked by the violation
    assert _text(page.select_one("[data-review]")) == "Violation"
    text = pdf_text(client.get(f"/reports/{passed_sitting.report_key}.pdf").data)
    assert "Result withheld" in text and "Marks" not in text and "Phone on the desk" not in text


# Verification ------------------------------------------------------------------------------------------

def test_the_verification_page_of_a_valid_certificate(client, passed_sitting):
    certificate = certificate_of(passed_sitting)
    page = _page(client.get(f"/verify/{certificate.code.lower().replace('-', ' - ')}"))

    assert page.select_one("[data-verdict]")["data-verdict"] == "valid"
    assert {key: _text(page.select_one(f"[data-{key}]")) for key in
            ("candidate", "level", "assessment", "institute", "code")} == {
        "candidate": "Zoë Quist", "level": "B2", "assessment": "English B2 Certificate",
        "institute": "Acme Languages", "code": certificate.code}
    assert page.select_one("[data-certificate-pdf]")["href"] == f"/verify/{certificate.code}.pdf"
    assert page.find("meta", attrs={"name": "robots"})["content"].startswith("noindex")


def test_an_unknown_code_is_a_404_page_with_the_form(client, passed_sitting):
    response = client.get("/verify/ABCD-EFGH-JKMN")
    page = _page(response)

    assert response.status_code == 404
    assert page.select_one("[data-verdict]")["data-verdict"] == "unknown"
    assert "No certificate has the code ABCD-EFGH-JKMN" in _text(page)
    assert page.select_one("form.verify-form input[name=code]") is not None


def test_the_form_leads_to_the_verification_page(client, passed_sitting):
    code = certificate_of(passed_sitting).code
    assert _page(client.get("/verify")).select_one("[data-verdict]") is None
    response = client.get("/verify", query_string={"code": f"  {code} "})
    assert response.status_code == 302 and response.headers["Location"] == f"/verify/{code}"


def test_the_certificate_pdf_download(client, passed_sitting, pdf_text):
    code = certificate_of(passed_sitting).code
    response = client.get(f"/verify/{code}.pdf")

    assert response.mimetype == "application/pdf"
    assert response.headers["Content-Disposition"] == f"inline; filename=certificate-{code}.pdf"
    assert code in pdf_text(response.data)
    assert client.get("/verify/ABCD-EFGH-JKMN.pdf").status_code == 404


# Revocation --------------------------------------------------------------------------------------------

def test_an_admin_revokes_and_the_verification_page_says_so(client, admin, passed_sitting):
    certificate = certificate_of(passed_sitting)
    log_in(client, admin)

    response = client.post(f"/certificates/{certificate.id}/revoke",
                           data={"reason": "The candidate's identity was not checked.",
                                 "next": f"/certificates?search={certificate.code}"})

    assert response.status_code == 302 and response.headers["Location"] == f"/certificates?search={certificate.code}"
    db.session.refresh(certificate)
    assert certificate.revoked_by_id == admin.id and certificate.revoked_at is not None
    audit = db.session.query(AuditEntry).filter_by(action="certificate.revoke").one()
    assert audit.target_id == certificate.id
    flashes = _page(client.get(response.headers["Location"])).select(".flash-success")
    assert [_text(flash) for flash in flashes] == [f"The certificate {certificate.code} of Zoë Quist is revoked."]

    client.post("/logout")
    page = _page(client.get(f"/verify/{certificate.code}"))
    assert page.select_one("[data-verdict]")["data-verdict"] == "revoked"
    assert f"{certificate.revoked_at.day} {certificate.revoked_at:%B %Y}" in _text(page.select_one("[data-verdict]"))
    assert _text(page.select_one("[data-revoked-reason]")) == "Reason: The candidate's identity was not checked."
    assert page.select_one("[data-certificate-pdf]") is None
    refused = client.get(f"/verify/{certificate.code}.pdf")
    assert refused.status_code == 404 and "was revoked" in refused.get_data(as_text=True)


def test_revoking_needs_a_reason(client, admin, passed_sitting):
    certificate = certificate_of(passed_sitting)
    log_in(client, admin)

    response = client.post(f"/certificates/{certificate.id}/revoke", data={"reason": "  "}, follow_redirects=True)

    assert "Say why the certificate is revoked" in _text(_page(response).select_one(".flash-error"))
    db.session.refresh(certificate)
    assert certificate.is_valid


@pytest.mark.parametrize("role", ["examiner", "support", "proctor"])
def test_only_admins_revoke(client, factory, admin, passed_sitting, role):
    certificate = certificate_of(passed_sitting)
    log_in(client, factory.staff(admin.institute, role))

    response = client.post(f"/certificates/{certificate.id}/revoke", data={"reason": "Because."})

    assert response.status_code == 403
    db.session.refresh(certificate)
    assert certificate.is_valid and certificate.revoked_reason == ""


def test_another_institutes_certificate_is_not_found(client, factory, passed_sitting):
    certificate = certificate_of(passed_sitting)
    _, other_admin = factory.institute("Other School")
    log_in(client, other_admin)

    assert client.post(f"/certificates/{certificate.id}/revoke", data={"reason": "Mine now."}).status_code == 404
    assert client.post("/certificates/99999999999/revoke", data={"reason": "x"}).status_code == 404
    db.session.refresh(certificate)
    assert certificate.is_valid
    assert _page(client.get("/certificates")).select("[data-certificate-id]") == []


# The certificate list ----------------------------------------------------------------------------------

@pytest.fixture
def three_certificates(admin, factory, certification_exam):
    sittings = [factory.finished_sitting(admin, certification_exam, first_name=first, last_name=last,
                                         answer=right_answer)
                for first, last in [("Ada", "Lovelace"), ("Alan", "Turing"), ("Grace", "Hopper")]]
    return [certificate_of(sitting) for sitting in sittings]


def _listed(client, **query) -> list[str]:
    page = _page(client.get("/certificates", query_string=query))
    return [_text(row.select("td")[1]) for row in page.select("[data-certificate-id]")]


def test_the_list_searches_and_filters(client, admin, three_certificates):
    from webapp.results.certificates import revoke

    revoke(admin, three_certificates[1].id, "Cheating.")
    db.session.commit()
    log_in(client, admin)

    assert _listed(client) == ["Grace Hopper", "Alan Turing", "Ada Lovelace"]
    assert _listed(client, search="  lOVE ") == ["Ada Lovelace"]
    code = three_certificates[2].code
    assert _listed(client, search=code[:7].lower()) == ["Grace Hopper"]
    assert _listed(client, status="valid") == ["Grace Hopper", "Ada Lovelace"]
    assert _listed(client, status="revoked") == ["Alan Turing"]
    assert _listed(client, status="revoked", search="ada") == []
    fragment = client.get("/certificates", query_string={"search": "alan"}, headers={"HX-Request": "true"})
    assert "<html" not in fragment.get_data(as_text=True) and "Alan Turing" in fragment.get_data(as_text=True)
    assert "HX-Request" in fragment.headers["Vary"]


def test_the_list_pages(admin, three_certificates):
    from webapp.reports.services import certificate_list

    first, second = (certificate_list(admin, page=number, per_page=2) for number in (1, 2))
    assert first.total == 3 and [c.candidate_name for c in first.items] == ["Grace Hopper", "Alan Turing"]
    assert [c.candidate_name for c in second.items] == ["Ada Lovelace"]


def test_the_list_shows_revoke_forms_to_admins_only(client, admin, factory, three_certificates):
    log_in(client, admin)
    assert len(_page(client.get("/certificates")).select("form[data-action=revoke]")) == 3
    client.post("/logout")
    log_in(client, factory.staff(admin.institute, "examiner"))
    page = _page(client.get("/certificates"))
    assert len(page.select("[data-certificate-id]")) == 3 and page.select("form[data-action=revoke]") == []


def test_proctors_do_not_see_certificates(client, admin, factory, three_certificates):
    log_in(client, factory.staff(admin.institute, "proctor"))
    assert client.get("/certificates").status_code == 403


def test_an_unknown_status_is_refused(client, admin, three_certificates):
    log_in(client, admin)
    response = client.get("/certificates", query_string={"status": "lost"}, follow_redirects=True)
    assert "Invalid status 'lost'" in _text(_page(response).select_one(".flash-error"))


# The documents on the console's result page ------------------------------------------------------------

def _documents(app, user, sitting) -> BeautifulSoup:
    with app.test_request_context("/results/sittings/1"):
        login_user(user)
        return BeautifulSoup(render_template("reports/_sitting_documents.html", result=result_of(sitting)),
                             "html.parser")


def test_the_result_page_links_the_documents(app, admin, factory, passed_sitting):
    certificate = certificate_of(passed_sitting)
    page = _documents(app, admin, passed_sitting)

    assert page.select_one("[data-report=html]")["href"] == f"/reports/{passed_sitting.report_key}"
    assert page.select_one("[data-report=pdf]")["href"] == f"/reports/{passed_sitting.report_key}.pdf"
    assert page.select_one(".certificate-code").get_text() == certificate.code
    assert page.select_one("[data-certificate-pdf]")["href"] == f"/verify/{certificate.code}.pdf"
    form = page.select_one("form[data-action=revoke]")
    assert form["action"] == f"/certificates/{certificate.id}/revoke" and form.select_one("input[name=reason]")
    assert form.select_one("input[name=csrf_token]") and form.select_one("input[name=next]")["value"].startswith(
        "/results/sittings/1")
    assert _documents(app, factory.staff(admin.institute, "examiner"), passed_sitting).select("form") == []


def test_the_result_page_without_a_certificate_or_key(app, admin, factory):
    sitting = factory.finished_sitting(admin, factory.exam(admin), answer=right_answer)
    sitting.report_key = None
    page = _documents(app, admin, sitting)

    # Only staff's own PDF: nothing to share with the candidate.
    assert [a["data-report"] for a in page.select("a")] == ["staff-pdf"] and "no shared report" in _text(page)


def test_the_result_page_of_a_revoked_certificate(app, admin, passed_sitting):
    review(admin, passed_sitting.id, "violation", "Notes on the desk.")
    page = _documents(app, admin, passed_sitting)

    assert page.select_one("[data-status]")["data-status"] == "revoked"
    assert "A proctoring violation was found" in _text(page.select_one("[data-revoked-reason]"))
    assert page.select("form") == [] and page.select_one("[data-certificate-pdf]") is None


def test_every_certificate_has_a_distinct_code(three_certificates):
    codes = [certificate.code for certificate in db.session.query(Certificate)]
    assert len(set(codes)) == 3


def test_pages_with_personal_data_exports_and_reports_are_never_cached(admin_client, passed_sitting):
    """A shared computer's cache, or a proxy's, must keep no copy of them."""
    exam_id, key = passed_sitting.exam_id, passed_sitting.report_key
    for url in ("/", "/candidates", f"/candidates/{passed_sitting.candidate_id}", f"/exams/{exam_id}",
                f"/exams/{exam_id}/results", f"/exams/{exam_id}/results.csv", f"/exams/{exam_id}/results.xlsx",
                f"/sittings/{passed_sitting.id}/result", f"/reports/{key}", f"/reports/{key}.pdf", "/certificates"):
        response = admin_client.get(url)
        assert response.status_code == 200, url
        assert "no-store" in response.headers["Cache-Control"], url
    assert "no-store" not in admin_client.get("/static/css/app.css").headers["Cache-Control"]


def test_the_report_gives_the_start_and_finish_in_the_exam_s_own_zone(client, passed_sitting):
    # Times of the sitting are stored in UTC; the report reads them as the clocks of the exam's zone show
    # them, named, whatever the reader's own zone.
    passed_sitting.exam.time_zone = "Asia/Kolkata"
    db.session.commit()
    facts = _page(client.get(f"/reports/{passed_sitting.report_key}?lang=de")).select_one(".report-facts")
    started = passed_sitting.started_at.astimezone(ZoneInfo("Asia/Kolkata"))
    assert f"{started:%H:%M} (Asia/Kolkata, UTC+05:30)" in _text(facts)
    assert "UTC+05:30" in _text(facts) and " UTC " not in f" {_text(facts)} "
