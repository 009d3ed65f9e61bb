"""The import and export pages, driven through the test client and read as parsed HTML."""
import io

import openpyxl
from bs4 import BeautifulSoup
from sqlalchemy import select

from tests.conftest import log_in
from webapp.bank import imports
from webapp.bank.import_runs import ImportRun, ImportStatus
from webapp.bank.models import Question
from webapp.core.extensions import db

CSV = ("type,skill,stem,option_1,option_2,correct\n"
       "MCQ,Geography,Capital of France?,Lyon,Paris,b\n"
       "MCQ,Geography,Two right?,A,B,\"a,b\"\n")


def html(response) -> BeautifulSoup:
    return BeautifulSoup(response.get_data(as_text=True), "html.parser")


def upload(client, text=CSV, name="bank.csv", **fields):
    return client.post("/bank/imports/new", data={"file": (io.BytesIO(text.encode()), name), "format": "auto",
                                                  "skill_id": "", **fields},
                       content_type="multipart/form-data")


def test_upload_preview_import_and_report(admin_client, admin):
    page = html(admin_client.get("/bank/questions"))
    assert page.find("a", string="Import questions")["href"] == "/bank/imports/new"
    form_page = html(admin_client.get("/bank/imports/new"))
    assert "At most 8 MB." in form_page.get_text()
    assert form_page.select_one("[data-template] a")["href"] == "/bank/imports/template.csv"

    response = upload(admin_client)
    assert response.status_code == 302
    run = db.session.scalars(select(ImportRun)).one()
    preview = html(admin_client.get(response.location))
    assert preview.select_one("[data-preview-summary]").get_text(" ", strip=True) == \
        "2 item(s) found: 1 can be imported, 1 will be skipped."
    rows = {row["data-item"]: row for row in preview.select("tr[data-item]")}
    assert rows["line 2"]["data-status"] == "ok" and "Geography (new)" in rows["line 2"].get_text(" ", strip=True)
    assert "Skipped: Mark exactly one option as correct." in rows["line 3"].get_text(" ", strip=True)
    assert preview.find("button", string="Import 1 question")

    started = admin_client.post(f"/bank/imports/{run.id}/start")
    assert started.status_code == 302
    progress = html(admin_client.get(started.location))
    assert progress.select_one("[data-import-run]")["data-import-run"] == "queued"
    assert progress.select_one("[data-progress]").get_text(strip=True) == "0 of 1 question processed"
    # The worker's poll; then the partial htmx asks for is the report.
    imports.run_imports()
    db.session.commit()
    report = html(admin_client.get(f"/bank/imports/{run.id}", headers={"HX-Request": "true"}))
    assert report.select_one("[data-import-run]")["data-import-run"] == "done"
    assert report.select_one("[data-run-summary]").get_text(" ", strip=True) == \
        "1 question(s) imported, 1 skipped, 0 failed."
    question = db.session.scalars(select(Question)).one()
    assert report.select_one("[data-imported] a")["href"] == f"/bank/questions/{question.id}"
    assert report.select_one("[data-report]").get_text(" ", strip=True) == \
        "line 3: Mark exactly one option as correct."


def test_a_file_with_problems_shows_them_and_offers_no_import(admin_client):
    response = upload(admin_client, "type,stem,colour\nMCQ,What?,red\n")
    page = html(admin_client.get(response.location))
    assert "unknown colour" in page.select_one("[data-problems]").get_text()
    assert not page.find("button", string=lambda text: text and text.startswith("Import "))


def test_an_unrecognised_file_is_an_error_on_the_form(admin_client):
    page = html(upload(admin_client, "hello", "notes.txt"))
    assert "The format of notes.txt is not recognised: choose it." in page.get_text()
    assert db.session.scalar(select(db.func.count(ImportRun.id))) == 0


def test_cancel_drops_the_checked_file(admin_client):
    upload(admin_client)
    run_id = db.session.scalars(select(ImportRun)).one().id
    admin_client.post(f"/bank/imports/{run_id}/cancel")
    db.session.expire_all()
    assert db.session.get(ImportRun, run_id) is None


def test_the_templates_download(admin_client):
    csv_template = admin_client.get("/bank/imports/template.csv")
    assert csv_template.headers["Content-Disposition"] == 'attachment; filename="questions-template.csv"'
    assert csv_template.get_data(as_text=True).lstrip("\ufeff").startswith("type,skill,difficulty")
    workbook = openpyxl.load_workbook(io.BytesIO(admin_client.get("/bank/imports/template.xlsx").data))
    assert workbook.sheetnames == ["Questions", "Columns"]
    assert admin_client.get("/bank/imports/template.doc").status_code == 404


def test_export_downloads_the_chosen_format(admin_client, admin):
    upload(admin_client)
    run = db.session.scalars(select(ImportRun)).one()
    imports.start_import(admin, run.id)
    imports.run_imports()
    db.session.commit()
    response = admin_client.post("/bank/export", data={"format": "csv", "skill_id": ""})
    assert response.headers["Content-Disposition"] == 'attachment; filename="Question-bank.csv"'
    assert "Capital of France?" in response.get_data(as_text=True)


def test_support_may_not_import(client, admin, factory):
    run = imports.check_import(admin, "bank.csv", CSV.encode())
    db.session.commit()
    log_in(client, factory.staff(admin.institute, "support"))
    assert client.get("/bank/imports/new").status_code == 403
    assert client.get(f"/bank/imports/{run.id}").status_code == 403
    assert not html(client.get("/bank/questions")).find("a", string="Import questions")


def test_another_institute_finds_no_import(client, admin, factory):
    run = imports.check_import(admin, "bank.csv", CSV.encode())
    db.session.commit()
    log_in(client, factory.institute()[1])
    assert client.get(f"/bank/imports/{run.id}").status_code == 404
    assert client.post(f"/bank/imports/{run.id}/start").status_code == 404
    db.session.expire_all()
    assert db.session.get(ImportRun, run.id).status == ImportStatus.CHECKED
